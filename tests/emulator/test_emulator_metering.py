"""Marketplace Metering over HTTP with a real boto3 client."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.support import NOW

from .helpers import error_of

LIC_A = "arn:aws:license-manager::111122223333:license:l-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
LIC_B = "arn:aws:license-manager::444455556666:license:l-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
LIC_C = "arn:aws:license-manager::555566667777:license:l-cccccccccccccccccccccccccccccccc"
LIC_D = "arn:aws:license-manager::888899990000:license:l-dddddddddddddddddddddddddddddddd"
LIC_UNKNOWN = "arn:aws:license-manager::999999999999:license:l-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"


@pytest.fixture
def customers(emu):
    saas = {"product_code": "saas-prod", "dimensions": ["tokens", "requests"]}
    return {
        "a": emu.add_customer(customer_aws_account_id="111122223333", license_arn=LIC_A, **saas),
        "b": emu.add_customer(customer_aws_account_id="444455556666", license_arn=LIC_B, **saas),
        "c": emu.add_customer(
            customer_aws_account_id="555566667777", license_arn=LIC_C, subscribed=False, **saas
        ),
        "d": emu.add_customer(
            customer_aws_account_id="888899990000", license_arn=LIC_D, product_code="other-prod"
        ),
        "legacy": emu.add_customer(
            customer_aws_account_id="222233334444",
            product_code="legacy-prod",
            customer_identifier="cust-1",
        ),
    }


def rec(license_arn=LIC_A, account="111122223333", *, at=NOW, dimension="tokens", **fields):
    record = {"Timestamp": at, "Dimension": dimension, "Quantity": 10}
    if license_arn is not None:
        record["LicenseArn"] = license_arn
    if account is not None:
        record["CustomerAWSAccountId"] = account
    return {**record, **fields}


def statuses(response):
    return [result["Status"] for result in response["Results"]]


def test_batch_success_is_idempotent(metering, emu, customers):
    records = [rec(), rec(LIC_B, "444455556666", dimension="requests")]
    first = metering.batch_meter_usage(UsageRecords=records)
    assert statuses(first) == ["Success", "Success"]
    assert first["UnprocessedRecords"] == []
    assert first["Results"][0]["UsageRecord"]["LicenseArn"] == LIC_A
    again = metering.batch_meter_usage(UsageRecords=records[:1])
    assert again["Results"][0]["MeteringRecordId"] == first["Results"][0]["MeteringRecordId"]
    stored = emu.accepted_usage_records()
    assert [(r.license_arn, r.dimension, r.quantity) for r in stored] == [
        (LIC_A, "tokens", Decimal(10)),
        (LIC_B, "requests", Decimal(10)),
    ]
    assert stored[0].product_code == "saas-prod"
    assert stored[0].metering_record_id == first["Results"][0]["MeteringRecordId"]


def test_batch_duplicate_record_first_write_wins(metering, emu, customers):
    first = metering.batch_meter_usage(UsageRecords=[rec(Quantity=17)])
    record_id = first["Results"][0]["MeteringRecordId"]
    later_same_hour = NOW - timedelta(minutes=10)
    different = metering.batch_meter_usage(UsageRecords=[rec(at=later_same_hour, Quantity=18)])
    assert statuses(different) == ["DuplicateRecord"]
    assert "MeteringRecordId" not in different["Results"][0]
    decimal = {k: v for k, v in rec().items() if k != "Quantity"} | {"QuantityAsDecimal": "17.00"}
    same_value = metering.batch_meter_usage(UsageRecords=[decimal])
    assert statuses(same_value) == ["Success"]
    assert same_value["Results"][0]["MeteringRecordId"] == record_id
    next_hour = metering.batch_meter_usage(UsageRecords=[rec(at=NOW - timedelta(hours=1))])
    assert statuses(next_hour) == ["Success"]
    assert [r.quantity for r in emu.accepted_usage_records()] == [Decimal(17), Decimal(10)]


def test_batch_customer_not_subscribed(metering, emu, customers):
    records = [rec(LIC_UNKNOWN, "999999999999"), rec(LIC_C, "555566667777"), rec()]
    response = metering.batch_meter_usage(UsageRecords=records)
    assert statuses(response) == ["CustomerNotSubscribed", "CustomerNotSubscribed", "Success"]
    assert "MeteringRecordId" not in response["Results"][0]
    assert len(emu.accepted_usage_records()) == 1


def test_batch_legacy_customer_by_identifier_or_account(metering, emu, customers):
    by_identifier = rec(None, None, CustomerIdentifier="cust-1")
    by_account = rec(None, "222233334444")
    unknown = rec(None, None, CustomerIdentifier="nobody")
    response = metering.batch_meter_usage(
        ProductCode="legacy-prod", UsageRecords=[by_identifier, by_account, unknown]
    )
    assert statuses(response) == ["Success", "Success", "CustomerNotSubscribed"]
    first, second = (result.get("MeteringRecordId") for result in response["Results"][:2])
    assert first == second  # one customer, one billing key
    stored = emu.accepted_usage_records()
    assert len(stored) == 1
    assert stored[0].customer_identifier == "cust-1"


DEC_1 = datetime(2026, 12, 1, tzinfo=timezone.utc)
NOV_30_23H = datetime(2026, 11, 30, 23, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "case",
    [
        (NOW, NOW - timedelta(hours=24), False),
        (NOW, NOW - timedelta(hours=23, minutes=59), True),
        (NOW, NOW + timedelta(minutes=1), False),
        (DEC_1.replace(hour=5, minute=59), NOV_30_23H, True),
        (DEC_1.replace(hour=6), NOV_30_23H, False),
    ],
)
def test_batch_time_window_fails_the_whole_request(emu, metering, clock, case):
    now, timestamp, accepted = case
    emu.add_customer(customer_aws_account_id="111122223333", product_code="p", license_arn=LIC_A)
    clock.advance((now - NOW).total_seconds())
    good = rec(at=now - timedelta(minutes=30), dimension="other")
    call = lambda: metering.batch_meter_usage(UsageRecords=[good, rec(at=timestamp)])  # noqa: E731
    if accepted:
        assert statuses(call()) == ["Success", "Success"]
        return
    code, status, _ = error_of(call)
    assert (code, status) == ("TimestampOutOfBoundsException", 400)
    assert emu.accepted_usage_records() == ()


@pytest.mark.parametrize(
    ("product_code", "bad", "code"),
    [
        ("saas-prod", rec(), "InvalidProductCodeException"),
        (None, rec(None, None, CustomerIdentifier="cust-1"), "InvalidProductCodeException"),
        (None, rec(None), "InvalidLicenseException"),
        (None, rec(CustomerIdentifier="cust-1"), "InvalidCustomerIdentifierException"),
        (None, rec(None, None), "InvalidCustomerIdentifierException"),
        (None, rec(LIC_A, "444455556666"), "InvalidLicenseException"),
        (None, rec(LIC_D, "888899990000"), "InvalidLicenseException"),
        (None, rec(dimension="bogus"), "InvalidUsageDimensionException"),
        (None, rec(LicenseArn="not-an-arn"), "InvalidLicenseException"),
        (None, rec(account="12ab"), "InvalidCustomerIdentifierException"),
        (None, rec(Quantity=1, QuantityAsDecimal="1"), "ValidationException"),
        (None, rec(Quantity=2**31), "ValidationException"),
        (
            None,
            {**rec(), "Quantity": None, "QuantityAsDecimal": "1.1234567"},
            "ValidationException",
        ),
    ],
)
@pytest.mark.usefixtures("customers")
def test_batch_invalid_record_fails_the_whole_request(raw_metering, emu, product_code, bad, code):
    records = [rec(LIC_B, "444455556666"), bad]
    params = {"UsageRecords": records}
    if product_code is not None:
        params["ProductCode"] = product_code
    got, status, _ = error_of(lambda: raw_metering.batch_meter_usage(**params))
    assert (got, status) == (code, 400)
    assert emu.accepted_usage_records() == ()


def test_batch_unknown_product_and_record_count(metering, emu, customers):
    legacy = rec(None, None, CustomerIdentifier="cust-1")
    code, _, _ = error_of(
        lambda: metering.batch_meter_usage(ProductCode="nope", UsageRecords=[legacy])
    )
    assert code == "InvalidProductCodeException"
    too_many = [rec(at=NOW - timedelta(minutes=i)) for i in range(26)]
    code, status, response = error_of(lambda: metering.batch_meter_usage(UsageRecords=too_many))
    assert (code, status) == ("ValidationException", 400)
    assert "25" in response["Error"]["Message"]
    assert metering.batch_meter_usage(UsageRecords=[])["Results"] == []


def alloc(quantity, tags=None, *, decimal=False):
    key = "AllocatedUsageQuantityAsDecimal" if decimal else "AllocatedUsageQuantity"
    allocation = {key: str(quantity) if decimal else quantity}
    if tags is not None:
        allocation["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return allocation


def test_batch_allocations_are_stored(metering, emu, customers):
    record = rec(Quantity=10, UsageAllocations=[alloc(4, {"team": "a"}), alloc(6)])
    assert statuses(metering.batch_meter_usage(UsageRecords=[record])) == ["Success"]
    (stored,) = emu.accepted_usage_records()
    assert [(a.quantity, dict(a.tags)) for a in stored.allocations] == [
        (Decimal(4), {"team": "a"}),
        (Decimal(6), {}),
    ]
    decimal = {k: v for k, v in rec(dimension="requests").items() if k != "Quantity"}
    decimal |= {
        "QuantityAsDecimal": "1.5",
        "UsageAllocations": [alloc("1.25", decimal=True), alloc("0.25", {"a": "b"}, decimal=True)],
    }
    assert statuses(metering.batch_meter_usage(UsageRecords=[decimal])) == ["Success"]


@pytest.mark.parametrize(
    ("allocations", "code"),
    [
        ([alloc(4), alloc(5, {"t": "x"})], "InvalidUsageAllocationsException"),
        ([alloc("10", decimal=True)], "InvalidUsageAllocationsException"),
        ([alloc(5, {"t": "x"}), alloc(5, {"t": "x"})], "InvalidUsageAllocationsException"),
        ([{"Tags": [{"Key": "t", "Value": "x"}]}], "InvalidUsageAllocationsException"),
        ([alloc(10, {f"k{i}": "v" for i in range(6)})], "InvalidTagException"),
        ([alloc(10, {"bad{key": "v"})], "InvalidTagException"),
        (
            [{"AllocatedUsageQuantity": 10, "Tags": [{"Key": "k", "Value": "1"}] * 2}],
            "InvalidTagException",
        ),
        ([], "InvalidUsageAllocationsException"),
    ],
)
def test_batch_invalid_allocations(raw_metering, emu, customers, allocations, code):
    record = rec(Quantity=10, UsageAllocations=allocations)
    got, status, _ = error_of(lambda: raw_metering.batch_meter_usage(UsageRecords=[record]))
    assert (got, status) == (code, 400)


@pytest.fixture
def container(emu):
    emu.add_product("container-prod", dimensions=["vcpu"], public_key_version=2)
    emu.add_product("unentitled-prod", entitled=False)


def meter(metering, **kwargs):
    params = {
        "ProductCode": "container-prod",
        "Timestamp": NOW,
        "UsageDimension": "vcpu",
        "UsageQuantity": 3,
        **kwargs,
    }
    return metering.meter_usage(**{k: v for k, v in params.items() if v is not None})


def test_meter_usage_once_per_hour(metering, emu, container):
    first = meter(metering)["MeteringRecordId"]
    same_hour = NOW.replace(minute=0)
    assert meter(metering, Timestamp=same_hour)["MeteringRecordId"] == first
    assert (
        meter(metering, UsageQuantityAsDecimal="3.000", UsageQuantity=None)["MeteringRecordId"]
        == first
    )
    code, status, _ = error_of(lambda: meter(metering, UsageQuantity=4))
    assert (code, status) == ("DuplicateRequestException", 400)
    other_hour = meter(metering, Timestamp=NOW - timedelta(hours=1))["MeteringRecordId"]
    assert other_hour != first
    assert [r.operation for r in emu.accepted_usage_records()] == ["MeterUsage", "MeterUsage"]


def test_meter_usage_client_token(metering, container):
    first = meter(metering, ClientToken="tok-1")["MeteringRecordId"]
    assert meter(metering, ClientToken="tok-1")["MeteringRecordId"] == first
    decimal_same = meter(
        metering, ClientToken="tok-1", UsageQuantity=None, UsageQuantityAsDecimal="3"
    )
    assert decimal_same["MeteringRecordId"] == first
    code, status, _ = error_of(lambda: meter(metering, ClientToken="tok-1", UsageQuantity=5))
    assert (code, status) == ("IdempotencyConflictException", 400)


def test_meter_usage_dry_run_stores_nothing(metering, emu, container):
    code, status, _ = error_of(lambda: meter(metering, DryRun=True))
    assert (code, status) == ("DryRunOperation", 412)
    assert emu.accepted_usage_records() == ()
    code, _, _ = error_of(lambda: meter(metering, DryRun=True, UsageDimension="bogus"))
    assert code == "InvalidUsageDimensionException"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"Timestamp": NOW - timedelta(hours=6, seconds=1)}, "TimestampOutOfBoundsException"),
        ({"Timestamp": NOW + timedelta(seconds=1)}, "TimestampOutOfBoundsException"),
        ({"ProductCode": "unknown-prod"}, "InvalidProductCodeException"),
        ({"ProductCode": "unentitled-prod"}, "CustomerNotEntitledException"),
        ({"UsageDimension": "gpu"}, "InvalidUsageDimensionException"),
        ({"UsageAllocations": [alloc(2)]}, "InvalidUsageAllocationsException"),
        ({"UsageQuantityAsDecimal": "3"}, "ValidationException"),
        ({"ProductCode": "bad code!"}, "InvalidProductCodeException"),
    ],
)
def test_meter_usage_refusals(raw_metering, emu, container, kwargs, code):
    got, status, _ = error_of(lambda: meter(raw_metering, **kwargs))
    assert (got, status) == (code, 400)
    assert emu.accepted_usage_records() == ()


def test_meter_usage_six_hours_is_still_accepted(metering, container):
    assert meter(metering, Timestamp=NOW - timedelta(hours=6))["MeteringRecordId"]


def test_resolve_customer(metering, emu, customers, clock):
    emu.add_registration_token("tok-new", customers["a"])
    emu.add_registration_token("tok-legacy", customers["legacy"], reusable=True)
    emu.add_registration_token("tok-expired", customers["b"], expired=True)
    emu.add_registration_token("tok-timed", customers["b"], expires_at=NOW + timedelta(minutes=5))
    new = metering.resolve_customer(RegistrationToken="tok-new")
    assert new["CustomerIdentifier"] == ""
    assert new["CustomerAWSAccountId"] == "111122223333"
    assert new["ProductCode"] == "saas-prod"
    assert new["LicenseArn"] == LIC_A
    assert new["Metadata"]["AgreementId"].startswith("agmt-")
    for _ in range(2):
        legacy = metering.resolve_customer(RegistrationToken="tok-legacy")
        assert legacy["CustomerIdentifier"] == "cust-1"
    clock.advance(600)
    for token, code in [
        ("tok-new", "ExpiredTokenException"),
        ("tok-expired", "ExpiredTokenException"),
        ("tok-timed", "ExpiredTokenException"),
        ("unknown", "InvalidTokenException"),
    ]:
        got, status, _ = error_of(lambda t=token: metering.resolve_customer(RegistrationToken=t))
        assert (got, status) == (code, 400)


def test_register_usage(metering, raw_metering, container):
    current = metering.register_usage(ProductCode="container-prod", PublicKeyVersion=2, Nonce="n-1")
    assert current["Signature"].count(".") == 2
    assert "PublicKeyRotationTimestamp" not in current
    older = metering.register_usage(ProductCode="container-prod", PublicKeyVersion=1)
    assert older["PublicKeyRotationTimestamp"] == NOW
    for kwargs, code in [
        ({"PublicKeyVersion": 3}, "InvalidPublicKeyVersionException"),
        ({"PublicKeyVersion": 0}, "InvalidPublicKeyVersionException"),
        ({"ProductCode": "unknown-prod"}, "InvalidProductCodeException"),
        ({"ProductCode": "unentitled-prod"}, "CustomerNotEntitledException"),
        ({"Nonce": "x" * 256}, "ValidationException"),
    ]:
        params = {"ProductCode": "container-prod", "PublicKeyVersion": 1, **kwargs}
        got, status, _ = error_of(lambda p=params: raw_metering.register_usage(**p))
        assert (got, status) == (code, 400)
