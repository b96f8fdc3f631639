"""Every Marketplace Metering field rule is enforced locally, naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore_billing import InvalidInputError, MeteringOutcome, UsageAllocation, UsageRecord
from agentcore_billing._metering.records import MeterUsageInput, check_product_code, coerce_quantity
from tests.support.guard import ALLOWED, Guard, base_record, metering_on

T = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
LICENSE = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef"
LEGACY: dict[str, Any] = {
    "timestamp": T,
    "dimension": "tokens",
    "quantity": 1,
    "customer_identifier": "cust-1",
}
MODERN: dict[str, Any] = {
    "timestamp": T,
    "dimension": "tokens",
    "quantity": 1,
    "customer_aws_account_id": "123456789012",
    "license_arn": LICENSE,
}


def _refused(fields: dict[str, Any], *needles: str) -> str:
    with pytest.raises(ValidationError) as caught:
        UsageRecord(**fields)
    text = str(caught.value)
    for needle in needles:
        assert needle in text, text
    return text


BAD_RECORDS = [
    pytest.param({**LEGACY, "timestamp": datetime(2026, 11, 23, 10)}, "timestamp", id="naive"),
    pytest.param({**LEGACY, "dimension": ""}, "dimension", id="dimension-empty"),
    pytest.param({**LEGACY, "dimension": "d" * 256}, "dimension", id="dimension-256"),
    pytest.param({**LEGACY, "quantity": 1.5}, "float", id="float"),
    pytest.param({**LEGACY, "quantity": True}, "bool", id="bool"),
    pytest.param({**LEGACY, "quantity": -1}, "quantity", id="negative-int"),
    pytest.param({**LEGACY, "quantity": 2_147_483_648}, "2147483647", id="int-too-big"),
    pytest.param({**LEGACY, "quantity": Decimal("-0.5")}, "non-negative", id="negative-dec"),
    pytest.param({**LEGACY, "quantity": Decimal("NaN")}, "quantity", id="nan"),
    pytest.param({**LEGACY, "quantity": Decimal("Infinity")}, "quantity", id="inf"),
    pytest.param({**LEGACY, "quantity": Decimal("0.1234567")}, "6 decimals", id="7-decimals"),
    pytest.param({**LEGACY, "quantity": Decimal("12345678901")}, "10 integer", id="11-digits"),
    pytest.param({**LEGACY, "quantity": "1e3"}, "quantity", id="exponent-string"),
    pytest.param({**LEGACY, "quantity": None}, "quantity", id="none"),
    pytest.param({**LEGACY, "customer_identifier": ""}, "customer_identifier", id="cust-empty"),
    pytest.param(
        {**LEGACY, "customer_identifier": "c" * 256}, "customer_identifier", id="cust-256"
    ),
    pytest.param(
        {**MODERN, "customer_aws_account_id": "12345-6789"},
        "customer_aws_account_id",
        id="account-not-digits",
    ),
    pytest.param({**MODERN, "license_arn": "license-1"}, "license_arn", id="license-pattern"),
    pytest.param({**MODERN, "customer_identifier": "c"}, "exactly one style", id="both-styles"),
    pytest.param(
        {k: v for k, v in LEGACY.items() if k != "customer_identifier"}, "buyer", id="no-buyer"
    ),
    pytest.param(
        {k: v for k, v in MODERN.items() if k != "license_arn"},
        "together",
        id="account-without-license",
    ),
    pytest.param({**LEGACY, "allocations": []}, "allocations", id="allocations-empty"),
    pytest.param(
        {**LEGACY, "quantity": 2501, "allocations": [{"quantity": 1}] * 2501},
        "allocations",
        id="allocations-2501",
    ),
    pytest.param(
        {**LEGACY, "quantity": 5, "allocations": [{"quantity": 2}, {"quantity": 2}]},
        "sum to 4",
        id="allocations-sum",
    ),
    pytest.param(
        {**LEGACY, "quantity": 2, "allocations": [{"quantity": Decimal("2")}]},
        "allocations[0]",
        id="allocations-type",
    ),
    pytest.param(
        {**LEGACY, "allocations": [{"quantity": 1, "tags": {f"k{i}": "v" for i in range(6)}}]},
        "at most 5 tags",
        id="tags-6",
    ),
    pytest.param(
        {**LEGACY, "allocations": [{"quantity": 1, "tags": {"k" * 101: "v"}}]},
        "tag key",
        id="tag-key-101",
    ),
    pytest.param(
        {**LEGACY, "allocations": [{"quantity": 1, "tags": {"k": "v" * 257}}]},
        "tag value",
        id="tag-value-257",
    ),
    pytest.param(
        {**LEGACY, "allocations": [{"quantity": 1, "tags": {"k": "a|b"}}]},
        "must match",
        id="tag-pattern",
    ),
    pytest.param(
        {**LEGACY, "allocations": [{"quantity": 1, "tags": {"k": ""}}]},
        "tag value",
        id="tag-value-empty",
    ),
    pytest.param({**LEGACY, "surprise": 1}, "surprise", id="unknown-field"),
]


@pytest.mark.parametrize(("fields", "needle"), BAD_RECORDS)
def test_every_field_rule_is_refused_naming_the_field(fields: dict[str, Any], needle: str) -> None:
    _refused(fields, needle)


def test_wire_shape_for_int_quantity_and_legacy_buyer() -> None:
    assert UsageRecord(**LEGACY).to_wire() == {
        "Timestamp": T,
        "Dimension": "tokens",
        "Quantity": 1,
        "CustomerIdentifier": "cust-1",
    }


def test_wire_shape_for_decimal_quantity_allocations_and_new_buyer() -> None:
    record = UsageRecord(
        **{**MODERN, "quantity": Decimal("12.500")},
        allocations=[
            UsageAllocation(quantity=Decimal("10.25"), tags={"team": "a", "env": "prod:eu/1@x"}),
            UsageAllocation(quantity=Decimal("2.250")),
        ],
    )
    assert record.to_wire() == {
        "Timestamp": T,
        "Dimension": "tokens",
        "QuantityAsDecimal": "12.500",
        "CustomerAWSAccountId": "123456789012",
        "LicenseArn": LICENSE,
        "UsageAllocations": [
            {
                "AllocatedUsageQuantityAsDecimal": "10.25",
                "Tags": [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod:eu/1@x"}],
            },
            {"AllocatedUsageQuantityAsDecimal": "2.250"},
        ],
    }
    assert not record.is_legacy
    assert record.hour == T


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        (Decimal("1E+3"), "1000"),  # never exponent form
        (Decimal("0.1234560"), "0.123456"),  # value-preserving trim to 6 decimals
        (Decimal("-0"), "0"),
        (Decimal("9999999999.999999"), "9999999999.999999"),
        ("17.42", "17.42"),  # a decimal string is a Decimal
        (Decimal("0.000"), "0.000"),
    ],
)
def test_decimal_quantities_render_canonically(given: object, wire: str) -> None:
    record = UsageRecord(**{**LEGACY, "quantity": given})
    assert record.to_wire()["QuantityAsDecimal"] == wire
    assert "Quantity" not in record.to_wire()


def test_int_quantity_bounds_and_aware_timestamps_normalised_to_utc() -> None:
    assert coerce_quantity(0) == 0
    assert coerce_quantity(2_147_483_647) == 2_147_483_647
    tokyo = timezone(timedelta(hours=9))
    record = UsageRecord(**{**LEGACY, "timestamp": datetime(2026, 11, 23, 19, tzinfo=tokyo)})
    assert record.timestamp.tzinfo == timezone.utc
    assert record.timestamp == T


def test_dicts_with_wire_names_validate_too() -> None:
    record = UsageRecord.model_validate(
        {"Timestamp": T, "Dimension": "d", "quantity": 3, "CustomerIdentifier": "c"}
    )
    assert record.customer_identifier == "c"


def test_empty_tags_mean_the_untagged_bucket() -> None:
    assert UsageAllocation(quantity=1, tags={}).to_wire() == {"AllocatedUsageQuantity": 1}


def test_product_code_rule() -> None:
    assert check_product_code("a-b/c=d:e_f.g@h") == "a-b/c=d:e_f.g@h"
    for bad in ("", "has space", "x" * 256, 12):
        with pytest.raises(InvalidInputError) as caught:
            check_product_code(bad)
        assert caught.value.field == "product_code"


def test_meter_usage_input_rules_and_wire() -> None:
    wire = MeterUsageInput(
        product_code="prod-1",
        timestamp=T,
        dimension="hours",
        quantity=4,
        allocations=[UsageAllocation(quantity=4, tags={"team": "a"})],
        dry_run=True,
    ).to_wire()
    assert wire == {
        "ProductCode": "prod-1",
        "Timestamp": T,
        "UsageDimension": "hours",
        "UsageQuantity": 4,
        "UsageAllocations": [
            {"AllocatedUsageQuantity": 4, "Tags": [{"Key": "team", "Value": "a"}]}
        ],
        "DryRun": True,
    }
    with pytest.raises(ValidationError, match="product_code"):
        MeterUsageInput(product_code="bad code", timestamp=T, dimension="d", quantity=1)
    with pytest.raises(ValidationError, match="sum to"):
        MeterUsageInput(
            product_code="p",
            timestamp=T,
            dimension="d",
            quantity=Decimal("1.5"),
            allocations=[UsageAllocation(quantity=Decimal("1"))],
        )


@pytest.mark.parametrize(
    "moment",
    [
        datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
        datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_out_of_range_datetimes_are_input_errors(moment: datetime) -> None:
    """Aware datetimes whose UTC equivalent does not exist.

    Used to raise a raw OverflowError from the UTC normalisation (UsageRecord,
    meter_usage) and to abort batch_meter_usage mid-stream instead of reporting the
    record REJECTED.
    """
    metering = metering_on(Guard())
    with pytest.raises(ValidationError):
        UsageRecord(**base_record(timestamp=moment))
    with pytest.raises(ALLOWED):
        metering.meter_usage(timestamp=moment, dimension="d", quantity=1)
    report = metering.batch_meter_usage([base_record(timestamp=moment)])
    assert [r.outcome for r in report.results] == [MeteringOutcome.REJECTED]
