"""Typed results and fixtures: what users' type checkers and tests get (issue 16)."""

from __future__ import annotations

import inspect
from datetime import datetime, timezone

import pytest

from agentcore_billing import (
    AgentCoreBillingError,
    MeteringClient,
    MeteringOutcome,
    MppPayment,
    MppPaymentResult,
    PaymentResult,
    PaymentsClient,
    RetryPolicy,
    ThrottlingError,
    UsageRecord,
    X402Payment,
    X402PaymentOutput,
    X402PaymentResult,
)
from agentcore_billing import testing as billing_testing
from agentcore_billing.emulator import FaultConfig
from agentcore_billing.testing import BillingFactory, ManualClock

WIRE = {
    "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
    "payment-manager/shop-abcdef1234",
    "paymentSessionId": "payment-session-abcdefghijklmno",
    "paymentInstrumentId": "payment-instrument-abcdefghijklmno",
    "paymentType": "CRYPTO_X402",
    "status": "PROOF_GENERATED",
    "createdAt": "2026-11-23T10:00:00Z",
    "updatedAt": "2026-11-23T10:00:00Z",
}


def _x402() -> X402Payment:
    requirements = {"scheme": "exact", "network": "eip155:8453", "amount": "1000"}
    return X402Payment(version="2", payload=requirements)


def test_an_x402_payment_answers_an_x402_result_whose_output_is_set(
    billing_payments: PaymentsClient, billing_emulator: object
) -> None:
    wallet = next(i for i in billing_payments.list_payment_instruments() if i.status == "ACTIVE")
    with billing_payments.payment_session(expiry_time_in_minutes=15) as session:
        result = billing_payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=wallet.payment_instrument_id,
            payment=_x402(),
        )
    assert type(result) is X402PaymentResult
    assert isinstance(result, PaymentResult)  # still the contract's type
    assert isinstance(result.x402, X402PaymentOutput)
    assert result.mpp is None


def test_a_missing_output_is_a_clear_error_on_access_not_a_lost_result() -> None:
    result = X402PaymentResult.from_wire(WIRE, client_token="t" * 40)
    assert result.process_payment_id == WIRE["processPaymentId"]  # the result is kept
    with pytest.raises(AgentCoreBillingError, match="without the cryptoX402 payment output"):
        _ = result.x402
    mpp = MppPaymentResult.from_wire({**WIRE, "paymentType": "MPP"})
    with pytest.raises(AgentCoreBillingError, match="without the mpp payment output"):
        _ = mpp.mpp
    assert PaymentResult.from_wire(WIRE).x402 is None  # the plain result stays optional


def test_process_payment_picks_the_result_class_from_the_payment() -> None:
    from agentcore_billing._payments.models.payment import result_type_for

    header = 'Payment id="c1", realm="x", method="tempo", intent="charge", request="e30"'
    from agentcore_billing import AwsBillingX402Payment, AwsBillingX402PaymentResult

    assert result_type_for(_x402()) is X402PaymentResult
    billing = AwsBillingX402Payment(version=2, payload={"extra": {"quoteToken": "q"}})
    assert result_type_for(billing) is AwsBillingX402PaymentResult
    assert result_type_for(MppPayment(version="1", www_authenticate_headers=[header])) is (
        MppPaymentResult
    )


def test_results_hold_the_very_input_objects_as_before() -> None:
    from agentcore_billing import BatchMeterReport, UsageRecordResult

    given = {"dimension": ""}
    result = UsageRecordResult(record=given, outcome=MeteringOutcome.REJECTED, index=0)
    assert result.record is given
    report = BatchMeterReport(results=[result])
    assert report.results[0] is result
    assert report.model_dump()["results"][0]["record"] == given


@pytest.mark.parametrize(
    ("fixture", "returns"),
    [
        ("billing_emulator", "Iterator[Emulator]"),
        ("billing_payments", "PaymentsClient"),
        ("billing_metering", "MeteringClient"),
        ("billing_factory", "Iterator[BillingFactory]"),
    ],
)
def test_the_plugin_fixtures_are_typed(fixture: str, returns: str) -> None:
    function = inspect.unwrap(getattr(billing_testing, fixture))
    assert function.__annotations__["return"] == returns


def test_the_factory_takes_clock_faults_and_retry_policy_at_creation(
    billing_factory: BillingFactory,
) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
    env = billing_factory(
        clock=clock,
        faults={"ResolveCustomer": FaultConfig(throttle_rate=1.0)},
        retry=RetryPolicy(max_attempts=3, initial_delay=2.0, max_delay=2.0, deadline=None),
    )
    assert isinstance(env.payments, PaymentsClient) and isinstance(env.metering, MeteringClient)
    with pytest.raises(ThrottlingError):
        env.metering.resolve_customer("demo-registration-token-new")
    # Three attempts; the back-offs (and any pacing) ran on the given clock, at most 2 s each.
    assert len(clock.sleeps) >= 2 and all(0 <= s <= 2.0 for s in clock.sleeps)
    assert clock.monotonic() == sum(clock.sleeps)
    tries = [r for r in env.emulator.requests() if r.operation == "ResolveCustomer"]
    assert len(tries) == 3
    # The emulator runs on the same clock: a record of its "now" is accepted.
    assert env.emulator.demo is not None
    customer = env.emulator.demo.customers[0]
    record = UsageRecord(
        timestamp=clock.now(),
        dimension="tokens",
        quantity=1,
        customer_aws_account_id=customer.customer_aws_account_id,
        license_arn=customer.license_arn,
    )
    assert env.metering.batch_meter_usage([record]).ok


def test_the_factory_stops_what_it_started() -> None:
    factory = BillingFactory()
    env = factory(demo_data=False, retry=RetryPolicy.none())
    assert env.emulator.demo is None and env.clock is None
    url = env.emulator.endpoint_url
    factory.close()
    with pytest.raises(RuntimeError, match="not running"):
        _ = env.emulator.endpoint_url
    assert url.startswith("http://127.0.0.1:")
