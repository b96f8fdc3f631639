"""Hostile sizes give small errors: nothing is expanded before it is checked.

``UsageRecord(quantity=Decimal("1E+200000000"))`` once expanded the value to check it:
4.2 s, 813 MB and a 200-million-character message. ``Money(amount=10**1_000_000)``
spent 18 s in ``Decimal(int)``. Every case below must be refused with a message of a
few hundred characters that names the field and the rule, using a few MB at most;
and every ``InvalidInputError`` / ``ServiceError`` stays bounded whatever it is given.
Sizes are asserted, never times.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from agentcore_billing import (
    InvalidInputError,
    MeteringClient,
    MeteringOutcome,
    Money,
    ServiceError,
    ThrottlingError,
    UsageAllocation,
    UsageRecord,
    quantize_quantity,
)
from agentcore_billing._core.errors import MAX_MESSAGE, from_client_error
from tests.support import NOW, PRODUCT, metering_boto_client

MILLION = 1_000_000
HUGE = Decimal("1E+200000000")
TINY = Decimal("1E-200000000")
MILLION_DIGIT_INT = 1 << 3_321_930  # 1,000,001 digits, built without a power of ten
MILLION_DIGIT_DECIMAL = Decimal("9" * MILLION)
MILLION_DIGIT_TEXT = "9" * MILLION

SHORT = 500
"""The longest message a refused value may produce (pydantic's own framing included)."""
MEMORY = 20 * 2**20
"""The most memory checking one value may take (the million-digit inputs are ~1 MB)."""

RECORD = {"timestamp": NOW - timedelta(minutes=30), "dimension": "d", "customer_identifier": "c"}

QUANTITIES = {
    "1E+200000000": (HUGE, "must match"),
    "1E-200000000": (TINY, "must match"),
    "million-digit int": (MILLION_DIGIT_INT, "must be 0..2147483647 as an int"),
    "million-digit Decimal": (MILLION_DIGIT_DECIMAL, "must match"),
    "million-character string": (MILLION_DIGIT_TEXT, "at most 64 characters"),
}

AMOUNTS = {
    "1E+200000000": (HUGE, "more than 38 digits"),
    "1E-200000000": (TINY, "more than 38 decimal places"),
    "million-digit int": (MILLION_DIGIT_INT, "more than 38 digits (an int of 3321931 bits)"),
    "negative million-digit int": (-MILLION_DIGIT_INT, "more than 38 digits"),
    "million-digit Decimal": (MILLION_DIGIT_DECIMAL, "more than 38 digits"),
    "million-character string": (MILLION_DIGIT_TEXT, "more than 38 digits"),
}


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Yield a list that holds the peak traced allocation of the block afterwards."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def _refusal(build: Callable[[], object]) -> tuple[ValidationError, int]:
    with peak_memory() as peak, pytest.raises(ValidationError) as info:
        build()
    return info.value, peak[0]


@pytest.mark.parametrize("case", QUANTITIES)
def test_a_huge_quantity_is_refused_with_a_short_message(case: str) -> None:
    value, rule = QUANTITIES[case]
    err, memory = _refusal(lambda: UsageRecord(quantity=value, **RECORD))

    assert len(str(err)) < SHORT
    assert memory < MEMORY
    [problem] = err.errors()
    assert problem["loc"] == ("quantity",)
    assert rule in problem["msg"] and "quantity" in problem["msg"]


@pytest.mark.parametrize("case", QUANTITIES)
def test_a_huge_allocation_quantity_is_refused_with_a_short_message(case: str) -> None:
    value, rule = QUANTITIES[case]
    err, memory = _refusal(lambda: UsageAllocation(quantity=value))

    assert len(str(err)) < SHORT
    assert memory < MEMORY
    assert rule in err.errors()[0]["msg"]


@pytest.mark.parametrize("case", AMOUNTS)
def test_a_huge_amount_is_refused_with_a_short_message(case: str) -> None:
    value, rule = AMOUNTS[case]
    err, memory = _refusal(lambda: Money(amount=value))

    assert len(str(err)) < SHORT
    assert memory < MEMORY
    [problem] = err.errors()
    assert problem["loc"] == ("amount",)
    assert rule in problem["msg"]


@pytest.mark.parametrize("case", QUANTITIES)
def test_meter_usage_refuses_a_huge_quantity_before_sending(case: str) -> None:
    value, rule = QUANTITIES[case]
    metering = MeteringClient(client=metering_boto_client(), product_code=PRODUCT)

    with pytest.raises(InvalidInputError) as info:
        metering.meter_usage(timestamp=NOW, dimension="d", quantity=value)

    assert len(str(info.value)) < SHORT
    assert info.value.field == "quantity" and rule in info.value.rule


def test_a_batch_rejects_huge_quantities_with_short_reasons() -> None:
    metering = MeteringClient(client=metering_boto_client(), product_code=PRODUCT)
    records = [{**RECORD, "quantity": value} for value, _ in QUANTITIES.values()]

    report = metering.batch_meter_usage(records)

    assert [r.outcome for r in report.results] == [MeteringOutcome.REJECTED] * len(records)
    for result, (_, rule) in zip(report.results, QUANTITIES.values(), strict=True):
        assert result.reason is not None and len(result.reason) < SHORT
        assert "quantity" in result.reason and rule in result.reason


@pytest.mark.parametrize(
    "value",
    [HUGE, MILLION_DIGIT_INT, MILLION_DIGIT_DECIMAL, Decimal("-1E+200000000")],
    ids=["1E+200000000", "million-digit int", "million-digit Decimal", "-1E+200000000"],
)
def test_quantize_refuses_a_huge_quantity_with_a_short_value_error(value: object) -> None:
    with peak_memory() as peak, pytest.raises(ValueError) as info:
        quantize_quantity(value)  # type: ignore[arg-type]

    assert type(info.value) is ValueError  # not decimal.InvalidOperation
    assert len(str(info.value)) < SHORT and "quantity has more than 38" in str(info.value)
    assert peak[0] < MEMORY


def test_quantize_rounds_a_large_exponent_form_value() -> None:
    # The working precision follows the magnitude, not only the digits written.
    assert quantize_quantity(Decimal("1E+30")) == Decimal(10) ** 30
    assert quantize_quantity(TINY) == 0


# -- every message is capped ------------------------------------------------------------


def test_an_invalid_input_error_is_capped_whatever_it_is_given() -> None:
    huge = "x" * MILLION
    err = InvalidInputError(huge, huge, huge, more=[(huge, huge, huge)] * 50)

    assert len(str(err)) <= MAX_MESSAGE + 100
    assert len(err.problems) == 10
    assert all(len(part or "") <= MAX_MESSAGE + 100 for problem in err.problems for part in problem)


def test_a_validation_error_with_a_huge_field_name_is_capped() -> None:
    with pytest.raises(ValidationError) as info:
        UsageRecord.model_validate({**RECORD, "quantity": 1, "k" * MILLION: 1})

    err = InvalidInputError.from_validation_error(info.value)
    assert len(str(err)) <= MAX_MESSAGE + 100
    assert err.field.startswith("kkkk") and len(err.field) < 300


def test_a_service_error_is_capped_whatever_the_wire_says() -> None:
    huge = "y" * MILLION
    wire = ClientError(
        {
            "Error": {"Code": huge, "Message": huge},
            "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": huge},
        },
        "MeterUsage",
    )

    err = from_client_error(wire, operation="MeterUsage", client_token="t" * 64)

    assert isinstance(err, ThrottlingError)
    text = str(err.replace(outcome_unknown=True))
    assert len(text) <= 2 * MAX_MESSAGE
    assert text.startswith("MeterUsage [request yyyy")
    assert "client_token='" + "t" * 64 + "'" in text  # the replay hint is never cut off
    assert max(len(err.code), len(err.message), len(err.request_id or "")) <= MAX_MESSAGE + 50


def test_a_service_error_built_by_hand_is_capped() -> None:
    huge = "z" * MILLION
    err: Any = ServiceError(operation=huge, code=huge, message=huge, request_id=huge)

    assert len(str(err)) <= 2 * MAX_MESSAGE
    assert len(err.operation) < 300 and len(err.code) < 300


def test_a_usage_event_with_a_huge_int_quantity_says_how_big_it_is() -> None:
    from agentcore_billing import UsageEvent

    with pytest.raises(ValidationError) as info:
        UsageEvent(dimension="tokens", quantity=MILLION_DIGIT_INT, event_id="e-1",
                   customer_aws_account_id="123456789012",
                   license_arn="arn:aws:license-manager::123456789012:license:l-1")  # fmt: skip
    message = info.value.errors()[0]["msg"]
    assert len(str(info.value)) < SHORT
    assert "an int of 3321931 bits" in message and "Exceeds the limit" not in message
