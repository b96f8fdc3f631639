"""Demo step 0: provision a payment manager from nothing (AgentCore control plane)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._output import key_value_table

if TYPE_CHECKING:
    from ._demo import Demo

DEMO_ROLE = "arn:aws:iam::123456789012:role/agentcore-payments-demo"
# Placeholder Coinbase CDP keys: the emulator stores no secret, and none is shown.
_DEMO_KEYS = ("demo-api-key", "ZGVtby1hcGkta2V5LXNlY3JldA==", "ZGVtby13YWxsZXQtc2VjcmV0")


def run_provisioning(tour: Demo) -> None:
    """Provision a manager, a Coinbase CDP connector and its credential provider; give the
    demo user a wallet on it. Later steps pay through this manager."""
    from agentcore_billing import (
        CoinbaseCdpConnector,
        CoinbaseCdpCredentials,
        EmailLinkedAccount,
        EmbeddedCryptoWallet,
        PaymentsClient,
        PaymentsControlClient,
    )

    tour.step("0. From nothing to a READY payment manager (AgentCore control plane)")
    # The demo's clock stands still: resources settle at the read after their change.
    tour.emulator.control_plane.settle_seconds = 0.0
    control = PaymentsControlClient(
        session=tour.session(), endpoint_url=tour.emulator.endpoint_url, clock=tour.clock
    )
    seen: list[str] = []
    provisioned = control.provision_payment_manager(
        name="demoshop",
        role_arn=DEMO_ROLE,
        connector=CoinbaseCdpConnector(),
        credentials=CoinbaseCdpCredentials(
            api_key_id=_DEMO_KEYS[0], api_key_secret=_DEMO_KEYS[1], wallet_secret=_DEMO_KEYS[2]
        ),
        client_token=f"demo-provisioning-{tour.seed}",
        on_progress=lambda step, resource: seen.append(
            f"{step}: {getattr(resource, 'status', '')}"
        ),
    )
    title = "Provisioned: credential provider, manager, connector (each waited on)"
    tour.say(
        key_value_table(
            title,
            [
                ("payment_manager_arn", provisioned.payment_manager_arn),
                (
                    "connector",
                    f"{provisioned.payment_connector_id} ({provisioned.connector.status})",
                ),
                ("polls while waiting", len(seen)),
                ("client_token (resumes a run)", provisioned.client_token),
            ],
        )
    )
    payments = PaymentsClient(
        provisioned.payment_manager_arn,
        session=tour.session(),
        endpoint_url=tour.emulator.endpoint_url,
        user_id=tour.data.user_id,
        clock=tour.clock,
    )
    wallet = payments.create_payment_instrument(
        payment_connector_id=provisioned.payment_connector_id,
        details=EmbeddedCryptoWallet(
            network="ETHEREUM",
            linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")],
        ),
    )
    tour.say(f"Gave {tour.data.user_id} a wallet on it: {wallet.payment_instrument_id}")
    tour.payment_manager_arn = provisioned.payment_manager_arn
    tour.results["provisioning"] = {
        "payment_manager_status": provisioned.payment_manager.status,
        "connector_status": provisioned.connector.status,
    }
