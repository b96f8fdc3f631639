"""Silent traps a new user fell into (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from agentcore_billing import (
    ClientTokenConflictError,
    ConflictError,
    IdempotencyConflictError,
    IdempotencyError,
    MeteringClient,
    ResourceNotFoundError,
    RetryPolicy,
    UsageRecord,
)
from agentcore_billing._core.clock import utc_now
from agentcore_billing.emulator import NO_QUOTAS, Emulator
from agentcore_billing.testing import BillingFactory, ManualClock, emulator_session


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(demo_data=True, quotas=NO_QUOTAS) as emulator:
        yield emulator


def _licensed_records(emu: Emulator, count: int) -> list[UsageRecord]:
    hour = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    records = []
    for i in range(count):
        account = f"{500000000000 + i}"
        license_arn = f"arn:aws:license-manager::{account}:license:l-{i:032x}"
        emu.add_customer(
            customer_aws_account_id=account,
            product_code="demo-saas-product",
            license_arn=license_arn,
        )
        records.append(
            UsageRecord(
                timestamp=hour,
                dimension="tokens",
                quantity=i + 1,
                customer_aws_account_id=account,
                license_arn=license_arn,
            )
        )
    return records


def test_the_readme_tours_client_product_code_lets_licenses_share_requests(
    emu: Emulator,
) -> None:
    metering = MeteringClient(
        session=emulator_session(),
        endpoint_url=emu.endpoint_url,
        product_code="demo-saas-product",  # as the README tour builds it
        retry=RetryPolicy.none(),
    )
    report = metering.batch_meter_usage(_licensed_records(emu, 100))
    assert report.ok and len(report) == 100
    sent = [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
    assert len(sent) == 4  # 100 records / 25 per request; was one request per license
    assert all("ProductCode" not in r.params for r in sent)


# -- a replayed create of a deleted session ------------------------------------------------

TOKEN = "order-42-session-token-0123456789abcdef"


def test_replaying_a_deleted_sessions_token_raises_instead_of_returning_a_ghost(
    billing_factory: BillingFactory,
) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
    env = billing_factory(clock=clock)
    first = env.payments.create_payment_session(expiry_time_in_minutes=30, client_token=TOKEN)
    env.payments.delete_payment_session(first.payment_session_id)
    clock.advance(120)
    with pytest.raises(ResourceNotFoundError) as caught:
        env.payments.create_payment_session(expiry_time_in_minutes=30, client_token=TOKEN)
    err = caught.value
    assert err.operation == "CreatePaymentSession" and err.client_token == TOKEN
    assert f"replays session {first.payment_session_id}" in str(err)
    assert "no longer exists" in str(err)


def test_replaying_a_live_sessions_token_still_returns_it(billing_factory: BillingFactory) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
    env = billing_factory(clock=clock)
    first = env.payments.create_payment_session(expiry_time_in_minutes=30, client_token=TOKEN)
    clock.advance(120)
    again = env.payments.create_payment_session(expiry_time_in_minutes=30, client_token=TOKEN)
    assert again.payment_session_id == first.payment_session_id
    ops = [r.operation for r in env.emulator.requests()]
    assert ops == ["CreatePaymentSession", "CreatePaymentSession", "GetPaymentSession"]


def test_a_minted_token_is_never_read_back(billing_factory: BillingFactory) -> None:
    env = billing_factory(clock=ManualClock(datetime(2026, 11, 23, 10, tzinfo=timezone.utc)))
    env.payments.create_payment_session(expiry_time_in_minutes=30)
    assert [r.operation for r in env.emulator.requests()] == ["CreatePaymentSession"]


# -- one base for "this client token was used with other parameters" -----------------------


def test_a_reused_token_is_an_idempotency_error_in_both_services(
    billing_factory: BillingFactory,
) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc))
    env = billing_factory(clock=clock)
    env.payments.create_payment_session(expiry_time_in_minutes=60, client_token=TOKEN)
    with pytest.raises(ClientTokenConflictError) as payments_caught:
        env.payments.create_payment_session(expiry_time_in_minutes=90, client_token=TOKEN)
    reused = payments_caught.value
    assert isinstance(reused, IdempotencyError)
    assert isinstance(reused, ConflictError)  # as before, for old handlers
    assert reused.client_token == TOKEN

    assert env.emulator.demo is not None
    product = env.emulator.demo.container_product_code
    hour = clock.now().replace(minute=0)
    env.metering.meter_usage(
        product_code=product, timestamp=hour, dimension="d", quantity=1, client_token="t-1"
    )
    with pytest.raises(IdempotencyError) as metering_caught:
        env.metering.meter_usage(
            product_code=product, timestamp=hour, dimension="d", quantity=2, client_token="t-1"
        )
    assert isinstance(metering_caught.value, IdempotencyConflictError)


def test_other_conflicts_stay_plain_conflict_errors() -> None:
    from botocore.exceptions import ClientError

    from agentcore_billing._core.errors import from_client_error

    answer = {"Error": {"Code": "ConflictException", "Message": "name taken"}}
    boto_err = ClientError(answer, "CreatePaymentCredentialProvider")  # type: ignore[arg-type]
    err = from_client_error(boto_err, operation="CreatePaymentCredentialProvider")
    assert type(err) is ConflictError and not isinstance(err, IdempotencyError)
