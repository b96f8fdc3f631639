"""Outcomes that tell the truth: aborts, maybe-billed, unknown statuses, same-hour records,
bounded waits and full requests."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import CredentialRetrievalError

from agentcore_billing import (
    MeteringAborted,
    MeteringClient,
    MeteringOutcome,
    RetryPolicy,
    UsageRecord,
)
from agentcore_billing.emulator import NO_QUOTAS, FaultConfig

from . import _emulated as e

OK = MeteringOutcome.SUCCESS
UNPROCESSED = MeteringOutcome.UNPROCESSED
REJECTED = MeteringOutcome.REJECTED


def _fake_time(clock: Any) -> dict[str, Any]:
    return {"clock": clock.now, "sleep": clock.sleep, "monotonic": clock.monotonic}


# -- failures no record caused ------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    ["AccessDeniedException", "ExpiredTokenException", "UnrecognizedClientException"],
)
def test_account_level_refusal_aborts_with_the_report(kit: Any, failure: str) -> None:
    # Before: expiring credentials turned 200 good records into REJECTED ("fix the record").
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> Any:
        return kit.error(failure, 403) if call >= 3 else kit.success_policy(body, call)

    kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    seen: list[Any] = []
    with pytest.raises(MeteringAborted) as caught:
        metering.batch_meter_usage([kit.legacy(i) for i in range(200)], on_result=seen.append)
    report = caught.value.report
    assert len(report.results) == 200
    assert [r.index for r in report.results] == list(range(200))
    assert report.counts[OK] == 50 and report.counts[UNPROCESSED] == 150
    assert report.counts[REJECTED] == 0
    assert failure in str(caught.value)
    assert len(seen) == 200  # every final outcome went to on_result too


def test_unmapped_botocore_error_aborts_instead_of_escaping_raw(kit: Any) -> None:
    # Before: a CredentialRetrievalError escaped raw and discarded 50 answered results.
    client = kit.real_client()
    calls = {"n": 0}

    def on_send(request: Any, **_: Any) -> Any:
        calls["n"] += 1
        if calls["n"] >= 3:
            raise CredentialRetrievalError(provider="sso", error_msg="token expired")
        return None

    fake = kit.Fake().attach(client)
    client.meta.events.register_first("before-send.marketplace-metering", on_send)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    with pytest.raises(MeteringAborted) as caught:
        metering.batch_meter_usage([kit.legacy(i) for i in range(100)])
    assert isinstance(caught.value.__cause__, CredentialRetrievalError)
    report = caught.value.report
    assert report.counts[OK] == 50 == sum(fake.record_counts)
    assert report.counts[UNPROCESSED] == 50


def test_iterator_abort_report_holds_the_records_not_yet_yielded(kit: Any) -> None:
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> Any:
        return (
            kit.error("AccessDeniedException", 403) if call == 2 else kit.success_policy(body, call)
        )

    kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    yielded = []
    with pytest.raises(MeteringAborted) as caught:
        for result in metering.iter_batch_meter_usage(kit.legacy(i) for i in range(60)):
            yielded.append(result)
    rest = caught.value.report.results
    assert [r.index for r in yielded + rest] == list(range(60))
    assert all(r.outcome is UNPROCESSED for r in rest)


def test_unknown_status_is_unprocessed_not_rejected(kit: Any) -> None:
    client = kit.real_client()

    def policy(body: dict[str, Any], call: int) -> Any:
        return 200, {"Results": [kit.success(r, "Deferred") for r in body["UsageRecords"]]}

    kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    result = metering.batch_meter_usage([kit.legacy(0)]).results[0]
    assert result.outcome is UNPROCESSED
    assert "'Deferred'" in (result.reason or "")


def test_unanswered_attempts_mark_unprocessed_records_maybe_billed(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: records billed by an attempt whose answer was lost came back UNPROCESSED
    # with nothing saying so.
    lost = FaultConfig(drop_after_commit_rate=1.0)
    emu = make_emulator(quotas=NO_QUOTAS, faults={"BatchMeterUsage": lost})
    e.seed(emu, 10)
    metering = e.client(emu, boto_session, **_fake_time(clock))
    report = metering.batch_meter_usage(e.records(10, customers=10))
    assert report.counts[UNPROCESSED] == 10
    assert all(r.maybe_billed for r in report.results)
    assert {e.key(r) for r in report.results} == e.billed(emu)
    assert "may have been billed" in (report.results[0].reason or "")


def test_throttled_records_are_not_maybe_billed(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    emu = make_emulator(
        quotas=NO_QUOTAS, faults={"BatchMeterUsage": FaultConfig(throttle_rate=1.0)}
    )
    e.seed(emu, 10)
    report = e.client(emu, boto_session, **_fake_time(clock)).batch_meter_usage(
        e.records(10, customers=10)
    )
    assert report.counts[UNPROCESSED] == 10 and not any(r.maybe_billed for r in report.results)
    assert e.billed(emu) == set()


# -- same-hour records ----------------------------------------------------------------


def test_identical_record_is_never_a_conflict_whatever_the_chunking(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: a record identical to one billed in an earlier chunk came back REJECTED
    # when a conflicting record for its hour came first in the later chunk.
    emu = make_emulator(quotas=NO_QUOTAS)
    e.seed(emu, 100)
    metering = e.client(emu, boto_session, chunk_size=50, **_fake_time(clock))
    original = UsageRecord(
        timestamp=e.HOUR, dimension="tokens", quantity=7, customer_identifier="c-99"
    )
    other = original.model_copy(update={"quantity": 8, "timestamp": e.HOUR.replace(minute=30)})
    fillers = list(e.records(300, customers=90))
    report = metering.batch_meter_usage([original, *fillers, other, original.model_copy()])
    first, conflict, repeat = report.results[0], report.results[-2], report.results[-1]
    assert first.ok and repeat.ok and conflict.outcome is REJECTED
    assert repeat.metering_record_id == first.metering_record_id
    assert "repeat of record #0" in (repeat.reason or "")
    assert "records #0 and #301" in (conflict.reason or "")


def test_same_hour_records_with_equal_quantities_are_refused_before_sending(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: three events at :05, :25 and :45 of quantity 1 all came back SUCCESS with
    # one MeteringRecordId, and 1 of 3 was billed.
    emu = make_emulator(quotas=NO_QUOTAS)
    e.seed(emu, 1)
    metering = e.client(emu, boto_session, **_fake_time(clock))
    events = [
        UsageRecord(
            timestamp=e.HOUR.replace(minute=m),
            dimension="tokens",
            quantity=1,
            customer_identifier="c-0",
        )
        for m in (5, 25, 45)
    ]
    report = metering.batch_meter_usage(events)
    assert [r.outcome for r in report.results] == [OK, REJECTED, REJECTED]
    assert "records #0 and #1" in (report.results[1].reason or "")
    assert "records #0 and #2" in (report.results[2].reason or "")
    assert "UsageLedger" in (report.results[1].reason or "")
    assert len(e.billed(emu)) == 1


# -- bounded waits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        FaultConfig(throttle_rate=1.0),
        FaultConfig(error_rate=1.0),
        FaultConfig(reset_rate=1.0),
    ],
    ids=["throttling", "5xx", "resets"],
)
def test_a_total_outage_trips_the_breaker(
    make_emulator: Any, boto_session: Any, clock: Any, fault: FaultConfig
) -> None:
    # Before: 1,000 records took 483 s under 100 % throttling (40 requests x 6 attempts).
    emu = make_emulator(quotas=NO_QUOTAS, faults={"BatchMeterUsage": fault})
    e.seed(emu, 100)
    metering = e.client(emu, boto_session, max_workers=4, **_fake_time(clock))
    report = metering.batch_meter_usage(e.records(1000, customers=100))
    assert report.counts[UNPROCESSED] == 1000
    assert any("circuit breaker" in (r.reason or "") for r in report.results)
    attempts = metering.retry_policy.max_attempts
    assert len(e.batch_requests(emu)) <= (3 + 4) * attempts
    assert clock.monotonic() < 60.0


def test_batch_deadline_reports_the_rest_unprocessed(kit: Any) -> None:
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT, batch_deadline=1.0)
    # The pace (10 requests/s) takes the fake clock past the deadline after ~10 requests.
    report = metering.batch_meter_usage([kit.legacy(i) for i in range(1000)])
    assert len(report.results) == 1000
    assert 5 <= len(fake.bodies) <= 15
    assert report.counts[OK] == sum(fake.record_counts)
    unprocessed = report.unprocessed
    assert unprocessed and "batch deadline of 1s" in (unprocessed[0].reason or "")
    assert clock.monotonic() < 2.0


def test_clients_of_one_account_and_region_share_one_pacer(
    make_emulator: Any, boto_session: Any
) -> None:
    emu = make_emulator()
    first = MeteringClient(session=boto_session, endpoint_url=emu.endpoint_url)
    second = MeteringClient(session=boto_session, endpoint_url=emu.endpoint_url)
    other_region = MeteringClient(
        session=boto_session, endpoint_url=emu.endpoint_url, region_name="eu-west-1"
    )
    pacer = first._pacer("BatchMeterUsage")
    assert second._pacer("BatchMeterUsage") is pacer
    assert other_region._pacer("BatchMeterUsage") is not pacer
    assert first._pacer("RegisterUsage") is not pacer


# -- full requests -----------------------------------------------------------------------


def test_resends_share_requests_with_fresh_records(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: 213 requests for 1,800 records at 20 % unprocessed, where about 90 would do.
    faults = {"BatchMeterUsage": FaultConfig(unprocessed_rate=0.2)}
    emu = make_emulator(seed=7, quotas=NO_QUOTAS, faults=faults)
    e.seed(emu, 100)
    patient = RetryPolicy(max_attempts=12, initial_delay=0.001, max_delay=0.01, deadline=None)
    metering = e.client(emu, boto_session, retry=patient, **_fake_time(clock))
    report = metering.batch_meter_usage(e.records(1800, customers=100))
    assert report.counts[OK] == 1800
    requests = e.batch_requests(emu)
    carried = sum(len(r.params["UsageRecords"]) for r in requests)
    # Short requests go only at the tail, one per round of the last resends (each round
    # leaves about a fifth); how answers of 4 workers interleave there adds one or two
    # (1-4 extra in 20 runs under load). Before the fix it was over a hundred.
    assert len(requests) <= math.ceil(carried / 25) + 6


def test_future_timestamps_are_refused_locally_as_the_emulator_refuses_them(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: a record 1-5 minutes ahead passed the local check, then cost a bisection.
    emu = make_emulator(quotas=NO_QUOTAS)
    e.seed(emu, 100)
    metering = e.client(emu, boto_session, **_fake_time(clock))
    future = UsageRecord(
        timestamp=clock.now() + timedelta(minutes=2),
        dimension="tokens",
        quantity=1,
        customer_identifier="c-0",
    )
    now = future.model_copy(update={"timestamp": clock.now(), "customer_identifier": "c-1"})
    report = metering.batch_meter_usage([*e.records(99, customers=99), future, now])
    assert report.results[99].outcome is REJECTED and "future" in (report.results[99].reason or "")
    assert report.results[100].ok  # the emulator accepts "now", as the library does
    assert len(e.batch_requests(emu)) == 5  # 99 + 1 records, no bisection


def test_records_at_the_edge_of_the_window_are_packed_apart(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    emu = make_emulator(quotas=NO_QUOTAS)
    e.seed(emu, 100)
    metering = e.client(emu, boto_session, **_fake_time(clock))
    edge = UsageRecord(
        timestamp=clock.now() - timedelta(hours=23, minutes=59),
        dimension="tokens",
        quantity=1,
        customer_identifier="c-99",
    )
    report = metering.batch_meter_usage([*e.records(30, customers=30), edge])
    assert report.ok
    sizes = [len(r.params["UsageRecords"]) for r in e.batch_requests(emu)]
    assert sorted(sizes) == [1, 5, 25]
