"""Rounding quantities with more than six decimals (issue 16)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

import pytest
from pydantic import ValidationError

import agentcore_billing
from agentcore_billing import UsageRecord, quantize_quantity

AT = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)


def _record(quantity: object) -> UsageRecord:
    return UsageRecord(
        timestamp=AT, dimension="tokens", quantity=quantity, customer_identifier="cust-1"
    )


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        (Decimal("1.2345675"), None, "1.234568"),  # half even: 7 is odd, up
        (Decimal("1.2345665"), None, "1.234566"),  # half even: 6 is even, stays
        ("1.2345665", ROUND_HALF_UP, "1.234567"),
        ("0.0000001", ROUND_UP, "0.000001"),
        ("1.9999999", ROUND_DOWN, "1.999999"),
        (7, None, "7.000000"),
        ("9999999999.9999994", None, "9999999999.999999"),
    ],
)
def test_quantize_rounds_to_six_places(value: object, rounding: str | None, expected: str) -> None:
    kwargs = {} if rounding is None else {"rounding": rounding}
    rounded = quantize_quantity(value, **kwargs)  # type: ignore[arg-type]
    assert rounded == Decimal(expected) and str(rounded) == expected
    assert _record(rounded).quantity == Decimal(expected)  # a record takes it as it is


def test_records_refuse_seven_places_and_name_the_helper() -> None:
    with pytest.raises(ValidationError) as caught:
        _record(Decimal("1.2345678"))
    message = str(caught.value)
    assert "quantity" in message and "got 1.2345678" in message
    assert "quantize_quantity(value)" in message


def test_quantize_refuses_floats_and_unknown_rounding_modes() -> None:
    with pytest.raises(ValueError, match="float"):
        quantize_quantity(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rounding must be one of"):
        quantize_quantity("1.5", rounding="nearest")


def test_it_is_public() -> None:
    assert "quantize_quantity" in agentcore_billing.__all__
