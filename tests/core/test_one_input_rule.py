"""One rule for bad input: facades raise InvalidInputError, models raise ValidationError."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from agentcore_billing import (
    AgentCoreBillingError,
    CoinbaseCdpTokenRequest,
    InvalidInputError,
    MeteringClient,
    Money,
    PaymentsClient,
    UsageRecord,
)
from agentcore_billing._core.validation import describe_validation_error
from tests.support import ARN, NOW

# No request can leave: every call below fails its input check first.
payments = PaymentsClient(ARN, region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
metering = MeteringClient(region_name="us-east-1", endpoint_url="http://127.0.0.1:9")


def test_a_facade_lists_every_field_rule_and_value() -> None:
    with pytest.raises(AgentCoreBillingError) as caught:
        payments.create_payment_session(expiry_time_in_minutes=5, user_id="u\n")
    error = caught.value
    assert isinstance(error, InvalidInputError) and isinstance(error, ValueError)
    assert error.problems == [
        ("user_id", r"a user id must match [\x20-\x7e]*", "'u\\n'"),
        ("expiry_time_in_minutes", "Input should be greater than or equal to 15", "5"),
    ]
    assert str(error) == (
        "user_id: a user id must match [\\x20-\\x7e]* (got 'u\\n'); "
        "expiry_time_in_minutes: Input should be greater than or equal to 15 (got 5)"
    )
    assert (error.field, error.value) == ("user_id", "'u\\n'")
    assert error.__context__ is None and error.__cause__ is None


def test_secrets_are_masked_and_nested_values_named_by_type_only() -> None:
    with pytest.raises(InvalidInputError) as caught:
        payments.get_resource_payment_token(
            workload_identity_token="",
            resource_credential_provider_name="bad name!",
            request=CoinbaseCdpTokenRequest(request_method="GET", request_path="/x"),
        )
    fields = [field for field, _, _ in caught.value.problems]
    assert fields == ["workload_identity_token", "resource_credential_provider_name"]
    assert "'***' (0 chars)" in str(caught.value)
    with pytest.raises(InvalidInputError) as nested:
        payments.process_payment(
            payment_session_id="payment-session-abcdefghij12345",
            payment_instrument_id="payment-instrument-abcdefghij12345",
            payment={"version": "x", "payload": {"signature": "CANARY-SIGNATURE"}},  # type: ignore[arg-type]
        )
    assert "CANARY-SIGNATURE" not in str(nested.value)
    assert all(field.startswith("payment.") for field, _, _ in nested.value.problems)


def test_metering_facade_and_models() -> None:
    with pytest.raises(InvalidInputError) as caught:
        metering.meter_usage(
            product_code="prod-1", timestamp=NOW - timedelta(minutes=1), dimension="", quantity=1.5
        )
    assert [field for field, _, _ in caught.value.problems] == ["dimension", "quantity"]
    # Models a user constructs keep pydantic's ValidationError.
    with pytest.raises(ValidationError):
        UsageRecord(timestamp=NOW, dimension="", quantity=1, customer_identifier="c")
    with pytest.raises(ValidationError) as money:
        Money(amount="1", currency="EUR")  # type: ignore[arg-type]
    assert describe_validation_error(money.value) == "currency: Input should be 'USD' (got 'EUR')"
    assert describe_validation_error(money.value, values=False) == "currency: Input should be 'USD'"


def test_problems_are_capped() -> None:
    error = InvalidInputError.of([(f"f{i}", "bad", None) for i in range(50)])
    assert len(error.problems) == 10 and str(error).count("bad") == 10
