"""provision_payment_manager against the emulator over HTTP: from nothing, rollback, resume."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from agentcore_billing import (
    AwsBillingConnector,
    CoinbaseCdpConnector,
    CoinbaseCdpCredentials,
    ConflictError,
    CustomJwtAuthorizer,
    InternalServerError,
    InvalidInputError,
    Money,
    PaymentsClient,
    PaymentsControlClient,
    ResourceNotReadyError,
    RetryPolicy,
    StripePrivyConnector,
    StripePrivyCredentials,
    SubscriptionRequiredError,
)
from agentcore_billing.emulator import Emulator, FaultConfig

from .conftest import API_SECRET, APP_SECRET, PRIVATE_KEY, ROLE, WALLET_SECRET

BASE_TOKEN = "shop-setup-0001"
CDP = CoinbaseCdpCredentials(
    api_key_id="key-1", api_key_secret=API_SECRET, wallet_secret=WALLET_SECRET
)
PRIVY = StripePrivyCredentials(
    app_id="app-1",
    app_secret=APP_SECRET,
    authorization_id="auth-1",
    authorization_private_key=PRIVATE_KEY,
)
FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05, jitter=False)


@pytest.fixture
def emu(make_emulator: Callable[..., Emulator]) -> Emulator:
    emulator = make_emulator()
    emulator.control_plane.settle_seconds = 3.0
    return emulator


@pytest.fixture
def control(emu: Emulator, boto_session: Any, clock: Any) -> PaymentsControlClient:
    return PaymentsControlClient(
        session=boto_session,
        endpoint_url=emu.endpoint_url,
        retry=FAST,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        clock=clock.now,
        rng=random.Random(0),
    )


def _operations(emu: Emulator, *names: str) -> list[tuple[str, str]]:
    return [(r.operation, r.error_code or "ok") for r in emu.requests() if r.operation in names]


def test_from_nothing_to_a_payment(emu, control, boto_session, clock):
    steps: list[str] = []
    provisioned = control.provision_payment_manager(
        name="shop",
        role_arn=ROLE,
        connector=AwsBillingConnector(),
        client_token=BASE_TOKEN,
        on_progress=lambda step, _seen: steps.append(step),
    )
    assert provisioned.payment_manager.status == "READY"
    assert provisioned.connector.status == "READY"
    assert provisioned.connector.aws_billing_role_arn is not None
    assert provisioned.client_token == BASE_TOKEN and provisioned.credential_provider is None
    assert clock.sleeps and max(clock.sleeps) <= 10.0  # waited on the emulator's clock
    assert "payment_manager" in steps and "connector" in steps
    payments = PaymentsClient(
        provisioned.payment_manager_arn,
        session=boto_session,
        endpoint_url=emu.endpoint_url,
        user_id="buyer-1",
        clock=clock.now,
    )
    session = payments.create_payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd("2.00")
    )
    assert session.payment_manager_arn == provisioned.payment_manager_arn
    [snapshot] = emu.sessions()
    assert snapshot.payment_manager_arn == provisioned.payment_manager_arn


def test_coinbase_with_credentials_creates_the_provider_first(emu, control):
    provisioned = control.provision_payment_manager(
        name="shop", role_arn=ROLE, connector=CoinbaseCdpConnector(), credentials=CDP
    )
    provider = provisioned.credential_provider
    assert provider is not None and provider.name == "shop-CoinbaseCDP"
    assert provisioned.connector.credential_provider_arn == provider.credential_provider_arn
    order = [
        op
        for op, _ in _operations(
            emu, "CreatePaymentCredentialProvider", "CreatePaymentManager", "CreatePaymentConnector"
        )
    ]
    assert order == [
        "CreatePaymentCredentialProvider",
        "CreatePaymentManager",
        "CreatePaymentConnector",
    ]


def test_stripe_privy_with_a_custom_jwt_manager(emu, control):
    authorizer = CustomJwtAuthorizer(
        discovery_url="https://idp.example.com/.well-known/openid-configuration",
        allowed_clients=["agent-app"],
    )
    provisioned = control.provision_payment_manager(
        name="shop",
        role_arn=ROLE,
        connector=StripePrivyConnector(),
        credentials=PRIVY,
        authorizer_type="CUSTOM_JWT",
        authorizer=authorizer,
        connector_name="privy_wallet",
    )
    assert provisioned.payment_manager.authorizer == authorizer
    assert provisioned.connector.name == "privy_wallet"
    assert provisioned.connector.connector_type == "StripePrivy"


def test_a_terminal_connector_status_rolls_back_in_reverse_order(emu, control):
    emu.control_plane.fail_next(
        "CreatePaymentConnector", status="AWS_MARKETPLACE_SUBSCRIPTION_REQUIRED"
    )
    with pytest.raises(ResourceNotReadyError) as caught:
        control.provision_payment_manager(
            name="shop",
            role_arn=ROLE,
            connector=CoinbaseCdpConnector(),
            credentials=CDP,
            client_token=BASE_TOKEN,
        )
    assert caught.value.status == "AWS_MARKETPLACE_SUBSCRIPTION_REQUIRED"
    assert any("rolled back" in note for note in getattr(caught.value, "__notes__", []))
    assert emu.control_plane.managers() == ()
    assert emu.control_plane.connectors() == ()
    assert emu.control_plane.credential_providers() == ()
    undo = _operations(
        emu,
        "DeletePaymentConnector",
        "GetPaymentConnector",
        "DeletePaymentManager",
        "GetPaymentManager",
        "DeletePaymentCredentialProvider",
    )
    tail = undo[undo.index(("DeletePaymentConnector", "ok")) :]
    # The connector's deletion is waited on (until not found) before the manager is deleted.
    assert tail.index(("GetPaymentConnector", "ResourceNotFoundException")) < tail.index(
        ("DeletePaymentManager", "ok")
    )
    assert tail[-2:] == [
        ("GetPaymentManager", "ResourceNotFoundException"),
        ("DeletePaymentCredentialProvider", "ok"),
    ]


def test_a_refused_connector_keeps_the_original_error_code_and_request_id(emu, control):
    emu.control_plane.fail_next("CreatePaymentConnector", error="SubscriptionRequiredException")
    with pytest.raises(SubscriptionRequiredError) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=AwsBillingConnector()
        )
    error = caught.value
    assert error.code == "SubscriptionRequiredException" and error.http_status == 403
    assert error.request_id and error.operation == "CreatePaymentConnector"
    assert emu.control_plane.managers() == ()


def test_a_failed_manager_is_deleted_again(emu, control):
    emu.control_plane.fail_next("CreatePaymentManager", status="CREATE_FAILED")
    with pytest.raises(ResourceNotReadyError) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=AwsBillingConnector()
        )
    assert caught.value.status == "CREATE_FAILED"
    assert emu.control_plane.managers() == ()
    assert _operations(emu, "CreatePaymentConnector") == []


def test_an_unknown_outcome_is_resumed_without_a_second_manager(emu, control):
    emu.set_faults({"CreatePaymentConnector": FaultConfig(error_rate=1.0)})
    with pytest.raises(InternalServerError) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=AwsBillingConnector(), client_token=BASE_TOKEN
        )
    assert caught.value.outcome_unknown
    assert any(BASE_TOKEN in note for note in getattr(caught.value, "__notes__", []))
    assert len(emu.control_plane.managers()) == 1  # left for the resume, not rolled back
    emu.set_faults()
    provisioned = control.provision_payment_manager(
        name="shop", role_arn=ROLE, connector=AwsBillingConnector(), client_token=BASE_TOKEN
    )
    [manager] = emu.control_plane.managers()
    assert provisioned.payment_manager.payment_manager_id == manager["paymentManagerId"]
    tokens = {r.client_token for r in emu.requests() if r.operation == "CreatePaymentManager"}
    assert len(tokens) == 1


def test_resume_adopts_the_credential_provider_of_the_first_run(emu, control):
    control.create_payment_credential_provider(name="shop-CoinbaseCDP", credentials=CDP)
    provisioned = control.provision_payment_manager(
        name="shop", role_arn=ROLE, connector=CoinbaseCdpConnector(), credentials=CDP
    )
    assert len(emu.control_plane.credential_providers()) == 1
    assert provisioned.credential_provider is not None
    assert _operations(
        emu, "CreatePaymentCredentialProvider", "UpdatePaymentCredentialProvider"
    ) == [
        ("CreatePaymentCredentialProvider", "ok"),
        ("CreatePaymentCredentialProvider", "ConflictException"),
        ("UpdatePaymentCredentialProvider", "ok"),
    ]


def test_a_provider_of_another_vendor_is_not_adopted(emu, control):
    control.create_payment_credential_provider(name="shop-CoinbaseCDP", credentials=PRIVY)
    with pytest.raises(ConflictError) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=CoinbaseCdpConnector(), credentials=CDP
        )
    assert any("StripePrivy" in note for note in getattr(caught.value, "__notes__", []))
    assert emu.control_plane.managers() == ()
    assert len(emu.control_plane.credential_providers()) == 1  # not ours: left alone


def test_quick_create_stops_at_consent_and_resumes(emu, control):
    connector = CoinbaseCdpConnector(provision_mode="QUICK_CREATE")
    with pytest.raises(ResourceNotReadyError) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=connector, client_token=BASE_TOKEN
        )
    assert caught.value.status == "PENDING_AUTHENTICATION"
    assert caught.value.authorization_url and caught.value.authorization_url.startswith("https://")
    [pending] = emu.control_plane.connectors()
    assert pending["status"] == "PENDING_AUTHENTICATION"
    emu.control_plane.authorize(pending["paymentConnectorId"])
    provisioned = control.provision_payment_manager(
        name="shop", role_arn=ROLE, connector=connector, client_token=BASE_TOKEN
    )
    assert provisioned.connector.status == "READY"
    assert provisioned.connector.credentials_updated_at is not None
    assert len(emu.control_plane.managers()) == 1 and len(emu.control_plane.connectors()) == 1
    rotation = control.rotate_payment_connector_credentials(
        payment_manager_id=provisioned.payment_manager.payment_manager_id,
        payment_connector_id=provisioned.payment_connector_id,
    )
    assert rotation.status == "READY"


@pytest.mark.parametrize(
    ("connector", "credentials"),
    [
        (AwsBillingConnector(), CDP),
        (CoinbaseCdpConnector(), PRIVY),
        (CoinbaseCdpConnector(provision_mode="QUICK_CREATE"), CDP),
        (StripePrivyConnector(), None),
    ],
)
def test_mismatched_plans_are_refused_before_any_request(emu, control, connector, credentials):
    with pytest.raises(InvalidInputError):
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=connector, credentials=credentials
        )
    assert emu.requests() == ()
