"""BatchMeterUsage against a real botocore client: limits, grouping, resubmission, bisection."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import MeteringFailuresError, MeteringOutcome, RetryPolicy, UsageAllocation
from agentcore_billing._metering.packing import MAX_REQUEST_BYTES, bisection_bound

OK = MeteringOutcome.SUCCESS


def test_requests_never_exceed_25_records(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    report = metering.batch_meter_usage(kit.legacy(i) for i in range(60))
    assert fake.record_counts == [25, 25, 10]
    assert report.counts[OK] == 60 and report.ok


def test_requests_stay_under_1_mb_and_oversized_records_are_rejected(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)

    def heavy(i: int, allocations: int) -> Any:
        tags = {f"key-{t}-" + "k" * 90: "v" * 256 for t in range(5)}
        return kit.legacy(
            i,
            quantity=allocations,
            allocations=[UsageAllocation(quantity=1, tags=tags) for _ in range(allocations)],
        )

    records = [heavy(i, 150) for i in range(12)] + [heavy(99, 2500)]  # ~0.3 MB; ~5 MB
    report = metering.batch_meter_usage(records)
    assert all(size < MAX_REQUEST_BYTES for size in fake.sizes)
    assert max(fake.sizes) > 0.8 * MAX_REQUEST_BYTES  # packed close to the limit
    assert sum(fake.record_counts) == 12 and len(fake.record_counts) < 12
    assert report.counts[OK] == 12
    oversized = report.results[12]
    assert oversized.outcome is MeteringOutcome.REJECTED
    assert "bytes serialized" in (oversized.reason or "")


def _kinds_per_request(bodies: list[dict[str, Any]], product_code: str) -> dict[str, list[int]]:
    by_kind: dict[str, list[int]] = {}
    for body in bodies:
        legacy = ["CustomerIdentifier" in r for r in body["UsageRecords"]]
        assert len(set(legacy)) == 1, "legacy and new-integration records mixed in one request"
        if legacy[0]:
            assert body["ProductCode"] == product_code  # the call's code beats the client's
        else:
            assert "ProductCode" not in body
        by_kind.setdefault(body.get("ProductCode", "license"), []).append(len(body["UsageRecords"]))
    return by_kind


def test_products_are_grouped_and_never_mixed(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code="prod-default")
    other_license = kit.LICENSE.replace("l-0", "l-9")
    records = [
        kit.legacy(1),
        kit.modern(1),
        kit.modern(2, license_arn=other_license),
        kit.legacy(2),
        kit.modern(3),
    ]
    report = metering.batch_meter_usage(records, product_code="prod-call")
    assert report.ok
    # With the product named, licenses of that product share requests.
    assert _kinds_per_request(fake.bodies, "prod-call") == {"prod-call": [2], "license": [3]}


def test_without_a_product_code_each_license_is_its_own_group(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client)
    other_license = kit.LICENSE.replace("l-0", "l-9")
    records = [kit.modern(1), kit.modern(2, license_arn=other_license), kit.modern(3)]
    assert metering.batch_meter_usage(records).ok
    for body in fake.bodies:
        assert len({r["LicenseArn"] for r in body["UsageRecords"]}) == 1
    assert _kinds_per_request(fake.bodies, "") == {"license": [2, 1]}


def test_the_clients_product_code_groups_licenses_as_the_calls_does(kit: Any) -> None:
    # One name, one meaning (issue 16): the client's code names the product of what it
    # meters, so licenses share requests as with a call-level code (still not sent).
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code="prod-client")
    other_license = kit.LICENSE.replace("l-0", "l-9")
    records = [kit.modern(1), kit.modern(2, license_arn=other_license), kit.modern(3)]
    assert metering.batch_meter_usage(records).ok
    assert _kinds_per_request(fake.bodies, "") == {"license": [3]}


def test_legacy_record_without_any_product_code_is_rejected(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client)
    report = metering.batch_meter_usage([kit.legacy(1), kit.modern(1)])
    assert report.results[0].outcome is MeteringOutcome.REJECTED
    assert "product_code" in (report.results[0].reason or "")
    assert report.results[1].outcome is OK
    assert fake.record_counts == [1]


def test_unprocessed_records_are_resubmitted_unchanged_until_done(kit: Any) -> None:
    client = kit.real_client()
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    records = [kit.legacy(i, quantity=Decimal("1.50")) for i in range(3)]
    wires = [r.to_wire() for r in records]
    with kit.Stubber(client) as stub:
        stub.add_response(
            "batch_meter_usage",
            {"Results": [kit.success(wires[0])], "UnprocessedRecords": wires[1:]},
            {"UsageRecords": wires, "ProductCode": kit.PRODUCT},
        )
        stub.add_response(
            "batch_meter_usage",
            {"Results": [kit.success(wires[2])], "UnprocessedRecords": [wires[1]]},
            {"UsageRecords": wires[1:], "ProductCode": kit.PRODUCT},
        )
        stub.add_response(
            "batch_meter_usage",
            {"Results": [kit.success(wires[1])]},
            {"UsageRecords": [wires[1]], "ProductCode": kit.PRODUCT},
        )
        report = metering.batch_meter_usage(records)
        stub.assert_no_pending_responses()
    assert report.ok and len(report.results) == 3
    assert clock.sleeps == [0.5, 1.0]  # the retry policy's back-off between resubmissions


def test_unprocessed_records_become_unprocessed_when_the_budget_ends(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake(policy=lambda body, call: (200, {"UnprocessedRecords": body["UsageRecords"]}))
    fake.attach(client)
    metering, clock = kit.make_metering(
        client,
        product_code=kit.PRODUCT,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.5, jitter=False),
    )
    report = metering.batch_meter_usage([kit.legacy(i) for i in range(4)])
    assert fake.record_counts == [4, 4]
    assert report.counts[MeteringOutcome.UNPROCESSED] == 4
    assert "retry budget exhausted" in (report.unprocessed[0].reason or "")
    assert clock.sleeps == [0.5]


def test_resubmission_stops_at_the_policy_deadline(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake(policy=lambda body, call: (200, {"UnprocessedRecords": body["UsageRecords"]}))
    fake.attach(client)
    policy = RetryPolicy(
        max_attempts=50, initial_delay=1.0, max_delay=1.0, deadline=3.5, jitter=False
    )
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT, retry=policy)
    report = metering.batch_meter_usage([kit.legacy(0)])
    assert report.counts[MeteringOutcome.UNPROCESSED] == 1
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert len(fake.bodies) == 4


def _poisoned_policy(kit: Any, poison: set[str], code: str = "TimestampOutOfBoundsException"):
    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        if any(r.get("CustomerIdentifier") in poison for r in body["UsageRecords"]):
            return kit.error(code)
        return kit.success_policy(body, call)

    return policy


def test_one_poison_record_in_25_is_isolated_by_bisection(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake(policy=_poisoned_policy(kit, {"cust-17"})).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    report = metering.batch_meter_usage([kit.legacy(i) for i in range(25)])
    # 25 fails; 0-12 ok; 13-24 fails; 13-18 fails; 13-15 ok; 16-18 fails; 16-17 fails;
    # 16 ok; 17 refused alone; 18 ok; 19-24 ok.
    assert fake.record_counts == [25, 13, 12, 6, 3, 3, 2, 1, 1, 1, 6]
    assert len(fake.bodies) == bisection_bound(25, 1) == 11
    assert report.counts[OK] == 24
    bad = report.results[17]
    assert bad.outcome is MeteringOutcome.REJECTED
    assert (bad.reason or "").startswith("TimestampOutOfBoundsException")
    # Every good record was metered exactly once.
    sent_ok = [
        r["CustomerIdentifier"]
        for b in fake.bodies
        if len(b["UsageRecords"]) < 25
        for r in b["UsageRecords"]
    ]
    assert sorted(set(sent_ok)) == sorted(f"cust-{i}" for i in range(25))


def test_two_poison_records_stay_within_the_documented_bound(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake(policy=_poisoned_policy(kit, {"cust-3", "cust-20"}, "InvalidTagException"))
    fake.attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    report = metering.batch_meter_usage([kit.legacy(i) for i in range(25)])
    assert len(fake.bodies) <= bisection_bound(25, 2)
    assert [r.index for r in report.rejected] == [3, 20]
    assert all((r.reason or "").startswith("InvalidTagException") for r in report.rejected)
    assert report.counts[OK] == 23


def test_bisection_sequence_with_stubber(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    records = [kit.legacy(i) for i in range(4)]
    wires = [r.to_wire() for r in records]

    def params(part: list[dict[str, Any]]) -> dict[str, Any]:
        return {"UsageRecords": part, "ProductCode": kit.PRODUCT}

    with kit.Stubber(client) as stub:
        for part in (wires, wires[:2], wires[:1]):
            stub.add_client_error(
                "batch_meter_usage",
                "InvalidUsageDimensionException",
                "bad dimension",
                expected_params=params(part),
            )
        for part in (wires[1:2], wires[2:]):
            stub.add_response(
                "batch_meter_usage", {"Results": [kit.success(w) for w in part]}, params(part)
            )
        report = metering.batch_meter_usage(records)
        stub.assert_no_pending_responses()
    assert [r.outcome for r in report.results] == [MeteringOutcome.REJECTED, OK, OK, OK]
    assert report.results[0].reason == "InvalidUsageDimensionException: bad dimension"


def test_product_level_refusal_rejects_the_whole_group_only(kit: Any) -> None:
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        if body.get("ProductCode") == "prod-gone":
            return kit.error("InvalidProductCodeException")
        return kit.success_policy(body, call)

    fake = kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code="prod-gone", chunk_size=30)
    records = [kit.legacy(i) for i in range(60)] + [kit.modern(1)]
    report = metering.batch_meter_usage(records)
    assert report.counts[MeteringOutcome.REJECTED] == 60
    assert all((r.reason or "").startswith("InvalidProductCodeException") for r in report.rejected)
    assert report.results[60].outcome is OK
    # One refused request; the product's other records (even in later chunks) were not sent.
    assert [b.get("ProductCode", "license") for b in fake.bodies] == ["prod-gone", "license"]


def test_throttling_past_the_budget_leaves_records_unprocessed(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake(policy=lambda body, call: kit.error("ThrottlingException")).attach(client)
    metering, clock = kit.make_metering(
        client,
        product_code=kit.PRODUCT,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.5, jitter=False),
    )
    report = metering.batch_meter_usage([kit.legacy(i) for i in range(3)])  # never raises
    assert len(fake.bodies) == 2
    assert report.counts[MeteringOutcome.UNPROCESSED] == 3
    assert (report.unprocessed[0].reason or "").startswith("ThrottlingException")
    # The back-off only: the retry's pacing slot (0.1 s away) falls inside it.
    assert clock.sleeps == [0.5]
    # Every outcome was a throttle (a share of 100 %), the second after the first one's
    # hold: two halvings.
    assert metering._pacers["BatchMeterUsage"].rate == pytest.approx(10 * 0.5**2)


def test_server_errors_are_retried_then_succeed(kit: Any) -> None:
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        if call == 1:
            return kit.error("InternalServiceErrorException", 500)
        return kit.success_policy(body, call)

    fake = kit.Fake(policy=policy).attach(client)
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    report = metering.batch_meter_usage([kit.legacy(0)])
    assert report.ok and len(fake.bodies) == 2
    assert clock.sleeps == [0.5]  # the back-off; the retry's pacing slot falls inside it


def test_each_outcome_is_counted(kit: Any) -> None:
    client = kit.real_client()
    statuses = {"cust-0": "Success", "cust-1": "DuplicateRecord", "cust-2": "CustomerNotSubscribed"}

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        results, unprocessed = [], []
        for r in body["UsageRecords"]:
            status = statuses.get(r["CustomerIdentifier"])
            if status:
                results.append(kit.success(r, status))
            else:
                unprocessed.append(r)
        return 200, {"Results": results, "UnprocessedRecords": unprocessed}

    kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(
        client, product_code=kit.PRODUCT, retry=RetryPolicy(max_attempts=2, jitter=False)
    )
    records = [kit.legacy(0), kit.legacy(1), kit.legacy(2), kit.legacy(3), {"dimension": ""}]
    report = metering.batch_meter_usage(records)
    assert [r.outcome for r in report.results] == [
        MeteringOutcome.SUCCESS,
        MeteringOutcome.DUPLICATE_RECORD,
        MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED,
        MeteringOutcome.UNPROCESSED,
        MeteringOutcome.REJECTED,
    ]
    assert report.counts == dict.fromkeys(MeteringOutcome, 1)
    assert len(report.succeeded) == len(report.duplicates) == len(report.not_subscribed) == 1
    assert report.results[0].metering_record_id and report.results[1].metering_record_id
    assert not report.ok and len(report.failed) == 4
    with pytest.raises(MeteringFailuresError, match="4 of 5") as caught:
        report.raise_for_failures()
    assert caught.value.report is report


def test_decimals_and_allocations_are_serialized_exactly(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    record = kit.legacy(
        0,
        quantity=Decimal("1E+1"),
        allocations=[
            UsageAllocation(quantity=Decimal("7.250000"), tags={"team": "a b", "k=": "x/y"}),
            UsageAllocation(quantity=Decimal("2.75")),
        ],
    )
    report = metering.batch_meter_usage([record, kit.legacy(1, quantity=3)])
    assert report.ok
    sent = fake.bodies[0]["UsageRecords"]
    assert sent[0]["QuantityAsDecimal"] == "10" and "Quantity" not in sent[0]
    assert sent[0]["UsageAllocations"] == [
        {
            "AllocatedUsageQuantityAsDecimal": "7.250000",
            "Tags": [{"Key": "team", "Value": "a b"}, {"Key": "k=", "Value": "x/y"}],
        },
        {"AllocatedUsageQuantityAsDecimal": "2.75"},
    ]
    assert sent[1]["Quantity"] == 3 and "QuantityAsDecimal" not in sent[1]


def test_answers_are_matched_by_identity_not_position(kit: Any) -> None:
    """Reordered answers, echoes with normalised quantities and missing records."""
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        records = body["UsageRecords"]
        results = []
        for r in reversed(records):
            if call == 1 and r["CustomerIdentifier"] == "cust-2":
                continue  # not mentioned at all: must be resent, not lost
            echo = dict(r)
            if "Quantity" in echo:
                echo["QuantityAsDecimal"] = f"{echo.pop('Quantity')}.000"
            echo["Timestamp"] = int(echo["Timestamp"])  # sub-second digits dropped
            results.append(
                {
                    "UsageRecord": echo,
                    "Status": "Success",
                    "MeteringRecordId": f"id-{r['CustomerIdentifier']}",
                }
            )
        return 200, {"Results": results}

    fake = kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    stamp = kit.NOW - timedelta(minutes=10, microseconds=-123456)
    records = [kit.legacy(i, quantity=i + 1, timestamp=stamp) for i in range(4)]
    report = metering.batch_meter_usage(records)
    assert [r.metering_record_id for r in report.results] == [f"id-cust-{i}" for i in range(4)]
    assert fake.record_counts == [4, 1]
