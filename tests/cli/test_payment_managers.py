"""``payment-managers``: from an empty emulator to a payment, and the list/get/delete views."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from agentcore_billing import (
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    Money,
    PaymentsClient,
    X402Payment,
)
from agentcore_billing.cli import cli
from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import emulator_session

ROLE = "arn:aws:iam::123456789012:role/payments"
SECRETS = {
    "CDP_API_KEY_ID": "key-1",
    "CDP_API_KEY_SECRET": "Q0RQLWFwaS1zZWNyZXQtMTIzNA==",
    "CDP_WALLET_SECRET": "Q0RQLXdhbGxldC1zZWNyZXQtOTg3Ng==",
}


@pytest.fixture
def empty() -> Iterator[Emulator]:
    """An emulator with nothing in it."""
    with Emulator(seed=2) as emu:
        yield emu


def _run(emu: Emulator, *args: str) -> Any:
    argv = [*args, "--endpoint-url", emu.endpoint_url, "--region", "us-east-1"]
    return CliRunner().invoke(cli, argv, catch_exceptions=True)


def _x402(amount: str) -> X402Payment:
    return X402Payment(
        version="2",
        payload={
            "scheme": "exact",
            "network": "eip155:8453",
            "amount": amount,
            "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            "maxTimeoutSeconds": 60,
        },
    )


def test_provision_then_pay_from_an_empty_emulator(empty, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    result = _run(
        empty,
        "payment-managers",
        "provision",
        "--name",
        "shop",
        "--role-arn",
        ROLE,
        "--connector",
        "coinbase-cdp",
        "--credentials-from-env",
        "--json",
    )
    assert result.exit_code == 0, result.output
    provisioned = json.loads(result.stdout)
    assert provisioned["payment_manager_status"] == "READY"
    assert provisioned["connector_status"] == "READY"
    assert provisioned["credential_provider_arn"]
    for secret in list(SECRETS.values())[1:]:
        assert secret not in result.stdout + result.stderr

    payments = PaymentsClient(
        provisioned["payment_manager_arn"],
        session=emulator_session(),
        endpoint_url=empty.endpoint_url,
        user_id="buyer-1",
    )
    wallet = payments.create_payment_instrument(
        payment_connector_id=provisioned["payment_connector_id"],
        details=EmbeddedCryptoWallet(
            network="ETHEREUM",
            linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")],
        ),
    )
    with payments.payment_session(
        expiry_time_in_minutes=15, max_spend=Money.usd("1.00")
    ) as session:
        paid = payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=wallet.payment_instrument_id,
            payment=_x402("250000"),
        )
        left = payments.get_payment_session(session.payment_session_id)
    assert paid.status == "PROOF_GENERATED"
    assert left.available_spend == Money.usd("0.75")
    [charged] = empty.payments()
    assert charged.payment_manager_arn == provisioned["payment_manager_arn"]


def test_progress_goes_to_stderr_and_the_table_to_stdout(empty):
    empty.control_plane.settle_seconds = 0.0
    result = _run(empty, "payment-managers", "provision", "--name", "shop", "--role-arn", ROLE)
    assert result.exit_code == 0, result.output
    assert "client token" in result.stderr and "payment manager" in result.stderr
    assert "READY" in result.stderr
    assert "Provisioned payment manager" in result.stdout


def test_list_get_and_delete(empty):
    made = json.loads(
        _run(
            empty, "payment-managers", "provision", "--name", "shop", "--role-arn", ROLE, "--json"
        ).stdout
    )
    manager_id = made["payment_manager_id"]
    listed = json.loads(_run(empty, "payment-managers", "list", "--json").stdout)
    assert [m["payment_manager_id"] for m in listed] == [manager_id]
    shown = json.loads(_run(empty, "payment-managers", "get", manager_id, "--json").stdout)
    assert [c["type"] for c in shown["connectors"]] == ["AwsBilling"]
    refused = _run(empty, "payment-managers", "delete", manager_id)
    assert refused.exit_code == 1 and "ConflictException" in refused.stderr
    deleted = _run(empty, "payment-managers", "delete", manager_id, "--with-connectors", "--json")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout)["status"] == "DELETED"
    assert empty.control_plane.managers() == () and empty.control_plane.connectors() == ()


def test_quick_create_prints_the_consent_url_and_resumes(empty):
    args = (
        "payment-managers",
        "provision",
        "--name",
        "shop",
        "--role-arn",
        ROLE,
        "--connector",
        "coinbase-cdp",
        "--quick-create",
        "--client-token",
        "quick-0001",
    )
    first = _run(empty, *args)
    assert first.exit_code == 1
    assert "PENDING_AUTHENTICATION" in first.stderr
    assert "authorize the connector here: https://" in first.stderr
    [connector] = empty.control_plane.connectors()
    empty.control_plane.authorize(connector["paymentConnectorId"])
    second = _run(empty, *args, "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["payment_connector_id"] == connector["paymentConnectorId"]
    assert len(empty.control_plane.managers()) == 1


def test_missing_secrets_and_bad_names_exit_2(empty, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    missing = _run(
        empty,
        "payment-managers",
        "provision",
        "--name",
        "shop",
        "--role-arn",
        ROLE,
        "--connector",
        "coinbase-cdp",
        "--credentials-from-env",
    )
    assert missing.exit_code == 2 and "CDP_API_KEY_SECRET" in missing.stderr
    bad = _run(empty, "payment-managers", "provision", "--name", "9shop", "--role-arn", ROLE)
    assert bad.exit_code == 2 and "name" in bad.stderr
    assert empty.requests() == ()
