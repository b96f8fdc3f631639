"""BatchMeterUsage streaming behaviour: input handling, duplicates, pacing, laziness, threads."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import InvalidInputError, MeteringOutcome

OK = MeteringOutcome.SUCCESS


def _poisoned_policy(kit: Any, poison: set[str], code: str = "TimestampOutOfBoundsException"):
    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        if any(r.get("CustomerIdentifier") in poison for r in body["UsageRecords"]):
            return kit.error(code)
        return kit.success_policy(body, call)

    return policy


def test_exact_duplicates_are_sent_once_and_conflicts_rejected(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    first = kit.legacy(0, quantity=5)
    copy = kit.legacy(0, quantity=5)
    same_value = kit.legacy(0, quantity=Decimal("5.0"), timestamp=kit.NOW - timedelta(minutes=20))
    conflicting = kit.legacy(0, quantity=6, timestamp=kit.NOW - timedelta(minutes=5))
    next_hour = kit.legacy(0, quantity=6, timestamp=kit.NOW - timedelta(hours=1))
    report = metering.batch_meter_usage([first, copy, same_value, conflicting, next_hour])
    assert fake.record_counts == [2]  # first, next_hour
    outcomes = [r.outcome for r in report.results]
    rejected = MeteringOutcome.REJECTED
    assert outcomes == [OK, OK, rejected, rejected, OK]
    assert report.results[0].metering_record_id == report.results[1].metering_record_id
    assert "repeat of record #0" in (report.results[1].reason or "")
    # Equal quantity but another time in the hour: the service would bill only #0.
    assert "records #0 and #2" in (report.results[2].reason or "")
    assert "UsageLedger" in (report.results[2].reason or "")
    assert "records #0 and #3" in (report.results[3].reason or "")


def test_bad_items_are_rejected_with_reasons_never_raised(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    good_dict = {
        "timestamp": kit.NOW,
        "dimension": "d",
        "quantity": "2.5",
        "customer_identifier": "c",
    }
    items: list[Any] = [
        None,
        42,
        "text",
        {"dimension": "d"},
        good_dict,
        {**good_dict, "quantity": 0.5},
    ]
    report = metering.batch_meter_usage(items)
    assert [r.outcome for r in report.results] == [MeteringOutcome.REJECTED] * 4 + [
        OK,
        MeteringOutcome.REJECTED,
    ]
    assert all(r.record is item for r, item in zip(report.results, items, strict=True))
    assert "float" in (report.results[5].reason or "")
    assert "timestamp: Field required" in (report.results[3].reason or "")
    assert fake.record_counts == [1]


def test_time_window_rejections_happen_before_sending(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    old = kit.legacy(1, timestamp=kit.NOW - timedelta(hours=25))
    future = kit.legacy(2, timestamp=kit.NOW + timedelta(hours=1))
    report = metering.batch_meter_usage([old, kit.legacy(3), future])
    assert [r.outcome for r in report.results] == [
        MeteringOutcome.REJECTED,
        OK,
        MeteringOutcome.REJECTED,
    ]
    assert (report.results[0].reason or "").startswith("timestamp:")
    assert "future" in (report.results[2].reason or "")
    assert fake.record_counts == [1]


@pytest.mark.parametrize("bad", ["text", b"bytes", {"dimension": "d"}, 42])
def test_records_argument_must_be_an_iterable_of_records(kit: Any, bad: Any) -> None:
    metering, _ = kit.make_metering(kit.real_client())
    with pytest.raises(InvalidInputError) as caught:
        metering.iter_batch_meter_usage(bad)
    assert caught.value.field == "records"


def test_malformed_call_product_code_fails_before_reading(kit: Any) -> None:
    metering, _ = kit.make_metering(kit.real_client())
    pulled = []

    def source():
        pulled.append(1)
        yield kit.legacy(0)

    with pytest.raises(InvalidInputError):
        metering.iter_batch_meter_usage(source(), product_code="not valid!")
    assert pulled == []


def test_requests_are_paced_at_the_configured_rate(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    metering.batch_meter_usage(kit.legacy(i) for i in range(250))
    assert len(fake.bodies) == 10
    assert clock.sleeps == pytest.approx([0.1] * 9)

    slow, slow_clock = kit.make_metering(
        client, product_code=kit.PRODUCT, max_requests_per_second=2
    )
    slow.batch_meter_usage(kit.legacy(i) for i in range(100))
    assert slow_clock.sleeps == pytest.approx([0.5] * 3)


def test_a_throttle_lowers_the_pace_then_it_grows_back(kit: Any) -> None:
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        return kit.error("ThrottlingException") if call == 1 else kit.success_policy(body, call)

    fake = kit.Fake(policy=policy).attach(client)
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    report = metering.batch_meter_usage(kit.legacy(i) for i in range(200))
    assert report.ok and fake.record_counts == [25] * 9
    # The back-off (the retry's slot falls inside it), then the next request at the
    # halved rate (one throttle in one outcome is a share of 100 %), then the spacing
    # shrinks back towards the configured 0.1 s as successes follow.
    assert clock.sleeps[:2] == pytest.approx([0.5, 0.2])
    spacing = clock.sleeps[1:]
    assert spacing == sorted(spacing, reverse=True)
    assert 0.1 <= spacing[-1] < 0.2


def test_generator_input_is_consumed_lazily(kit: Any) -> None:
    client = kit.real_client()
    kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT, chunk_size=10)
    pulled = 0

    def source():
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield kit.legacy(i)

    stream = metering.iter_batch_meter_usage(source())
    assert pulled == 0
    first = next(stream)
    assert first.index == 0 and pulled == 10
    rest = list(stream)
    assert pulled == 1000 and len(rest) == 999
    assert [r.index for r in rest] == list(range(1, 1000))


def test_parallel_workers_keep_input_order_and_identity(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT, max_workers=4, chunk_size=200)
    records: list[Any] = []
    for i in range(500):
        records.append(kit.modern(i) if i % 3 else kit.legacy(i))
    results = list(metering.iter_batch_meter_usage(records))
    assert [r.index for r in results] == list(range(500))
    assert all(r.record is rec and r.ok for r, rec in zip(results, records, strict=True))
    assert sum(fake.record_counts) == 500 and max(fake.record_counts) <= 25


def test_closing_the_stream_early_stops_cleanly(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT, max_workers=3, chunk_size=50)
    stream = metering.iter_batch_meter_usage(kit.legacy(i) for i in range(10_000))
    next(stream)
    stream.close()
    # At most the read-ahead window plus one request per worker went out, and
    # nothing after the close (the gate stopped every worker).
    sent = sum(fake.record_counts)
    assert 25 <= sent <= 50 + 3 * 25
    assert sum(fake.record_counts) == sent


def test_debug_logs_carry_counts_not_record_content(kit: Any, caplog: Any) -> None:
    client = kit.real_client()
    kit.Fake(policy=_poisoned_policy(kit, {"cust-1"})).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    with caplog.at_level(logging.DEBUG, logger="agentcore_billing"):
        metering.batch_meter_usage([kit.legacy(0), kit.legacy(1)])
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("agentcore_billing")]
    assert any("sending 2 records" in m for m in ours)
    assert any("splitting 1 + 1" in m for m in ours)
    assert not any("cust-" in m for m in ours)
