"""Batch metering of 20k+ records through throttling, 5xx, unprocessed records,
connection resets, lost answers and poison records, against the emulator.

Invariants: every input gets exactly one result, equal to the outcome the workload
predicts; what the emulator stored is exactly the SUCCESS set; poison records are
REJECTED by the service's answer and every good record sent alongside them is stored;
no record identity ever went out with two different contents; and the same seed gives
the same report.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import BatchMeterReport, MeteringOutcome, TimeWindow
from agentcore_billing.emulator import NO_QUOTAS, AcceptedUsageRecord, Emulator, FaultConfig
from tests.support.emulated import FakeTime, error_counts, fault_counts, metering_client
from tests.support.workload import (
    LEGACY_PRODUCT,
    Identity,
    Workload,
    build,
    expected_outcomes,
    identity_of,
    seed_customers,
    wire_identity,
)

pytestmark = pytest.mark.reliability

SEED = 20261123
CHUNK_SIZE = 5000
CHAOS = FaultConfig(
    throttle_rate=0.06,
    error_rate=0.04,
    unprocessed_rate=0.10,
    reset_rate=0.03,
    drop_after_commit_rate=0.02,
)
# The client accepts records up to 25h old and 5 minutes ahead (as a client whose clock
# is off would); the service refuses them, so the poison records reach the service.
CLIENT_WINDOW = TimeWindow(max_age=timedelta(hours=25), max_clock_skew=timedelta(minutes=5))

Key = tuple[str, str, Any, Decimal]


def _run(
    workload: Workload, *, max_workers: int, chunk_size: int = CHUNK_SIZE
) -> tuple[BatchMeterReport, Emulator, FakeTime, float]:
    fake = FakeTime()
    emu = Emulator(seed=SEED, clock=fake.now, quotas=NO_QUOTAS, faults={"BatchMeterUsage": CHAOS})
    with emu:
        seed_customers(emu, workload.buyers)
        metering = metering_client(
            emu,
            fake,
            seed=SEED,
            product_code=LEGACY_PRODUCT,
            window=CLIENT_WINDOW,
            max_workers=max_workers,
            chunk_size=chunk_size,
        )
        started = time.perf_counter()
        report = metering.batch_meter_usage(workload.inputs)
        elapsed = time.perf_counter() - started
    return report, emu, fake, elapsed


def _accepted_key(record: AcceptedUsageRecord) -> Key:
    buyer = record.customer_identifier if record.product_code == LEGACY_PRODUCT else None
    buyer = buyer or str(record.customer_aws_account_id)
    return buyer, record.dimension, record.timestamp, record.quantity


def _success_key(record: Any) -> Key:
    buyer, dimension, when = identity_of(record)
    return buyer, dimension, when, Decimal(record.quantity)


def _mismatches(actual: Sequence[object], expected: Sequence[object]) -> list[str]:
    return [
        f"#{index}: got {got}, expected {want}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True))
        if got != want
    ][:10]


def _content(wire: dict[str, Any], product_code: str | None) -> str:
    return json.dumps({"record": wire, "product": product_code}, sort_keys=True, default=str)


def test_chaos_batch_metering_20k(figures: Any) -> None:
    workload = build(SEED, licensed=150, legacy=30)
    expected = expected_outcomes(workload, CHUNK_SIZE)
    report, emu, fake, elapsed = _run(workload, max_workers=4)

    # Exactly one result per input, in input order, holding the very input object.
    results = report.results
    assert len(results) == len(workload.inputs)
    assert [r.index for r in results] == list(range(len(workload.inputs)))
    assert all(r.record is item for r, item in zip(results, workload.inputs, strict=True))
    outcomes = [r.outcome for r in results]
    assert outcomes == expected, _mismatches(outcomes, expected)

    # The emulator stored exactly the SUCCESS set, once per key.
    accepted = [_accepted_key(a) for a in emu.accepted_usage_records()]
    assert len(accepted) == len(set(accepted))
    success = {_success_key(r.record) for r in results if r.outcome is MeteringOutcome.SUCCESS}
    assert set(accepted) == success
    stored_ids = {a.metering_record_id for a in emu.accepted_usage_records()}
    reported_ids = {r.metering_record_id for r in results if r.ok}
    assert reported_ids == stored_ids

    requests = [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
    poison = {identity_of(workload.inputs[i]) for i in workload.indices("poison")}
    by_identity = {
        identity_of(item): index
        for index, item in enumerate(workload.inputs)
        if workload.kinds[index] not in ("invalid",)
    }

    # Poison records are refused by the service (TimestampOutOfBounds), each alone.
    for index in workload.indices("poison"):
        assert results[index].outcome is MeteringOutcome.REJECTED
        assert "TimestampOutOfBoundsException" in (results[index].reason or "")

    # Poison records lie near the edges of the window, so they are packed apart from
    # the good records (a refusal costs a bisection among suspects only); any record
    # that shared a request with one got its own answer.
    shared: set[int] = set()
    contents: defaultdict[Identity, set[str]] = defaultdict(set)
    for request in requests:
        wires = list(request.params.get("UsageRecords") or [])
        identities = [wire_identity(w) for w in wires]
        for wire, identity in zip(wires, identities, strict=True):
            assert identity in by_identity, f"sent a record that was never input: {identity}"
            contents[identity].add(_content(wire, request.params.get("ProductCode")))
        if poison.intersection(identities):
            shared.update(by_identity[i] for i in identities if i not in poison)
    good = {i for i in shared if expected[i] is MeteringOutcome.SUCCESS}
    assert not good, "a good record shared a request with a poison (edge-of-window) record"
    stored = set(accepted)
    for index in shared:  # the others (unsubscribed buyers) got their own answer
        assert results[index].outcome is expected[index] is not MeteringOutcome.REJECTED
    for index in good:
        assert _success_key(workload.inputs[index]) in stored

    # No record identity ever went out with two different contents.
    changed = {identity: seen for identity, seen in contents.items() if len(seen) > 1}
    assert not changed, list(changed.items())[:3]

    faults = fault_counts(requests)
    assert faults.get("throttle") and faults.get("error") and faults.get("reset")
    assert faults.get("unprocessed") and faults.get("drop_after_commit")
    figures.add(
        records=len(workload.inputs),
        kinds=dict(Counter(workload.kinds)),
        customers=len(workload.buyers),
        outcomes={str(k): v for k, v in Counter(outcomes).items()},
        requests=len(requests),
        records_sent=sum(len(r.params.get("UsageRecords") or []) for r in requests),
        faults=faults,
        errors=error_counts(requests),
        good_records_sharing_poison_requests=len(good),
        accepted=len(accepted),
        fake_seconds_slept=round(fake.slept, 3),
        metering_seconds=round(elapsed, 2),
    )


def _fingerprint(report: BatchMeterReport) -> list[tuple[Any, ...]]:
    return [(r.index, r.outcome, r.metering_record_id, r.reason) for r in report.results]


def _request_log(emu: Emulator) -> list[tuple[Any, ...]]:
    return [
        (r.operation, r.fault, r.status, r.error_code, len(r.params.get("UsageRecords") or []))
        for r in emu.requests()
    ]


def test_same_seed_same_report(figures: Any) -> None:
    """Sequential runs (max_workers=1) repeat exactly: outcomes, record ids, reasons and
    the emulator's request and fault sequence. Threaded runs cannot repeat the request
    order (threads race for the emulator's fault streams), so for them only the
    outcome per input index is compared, and it matches too."""
    workload = build(SEED + 1, licensed=24, legacy=6, extras=40, poison=10)
    chunk = 1000  # several chunks: conflicts across chunks come back as DuplicateRecord
    expected = expected_outcomes(workload, chunk)
    first, emu_first, _, t_first = _run(workload, max_workers=1, chunk_size=chunk)
    second, emu_second, _, t_second = _run(workload, max_workers=1, chunk_size=chunk)
    threaded, _, _, t_threaded = _run(workload, max_workers=4, chunk_size=chunk)

    assert _fingerprint(first) == _fingerprint(second)
    assert _request_log(emu_first) == _request_log(emu_second)
    outcomes = [r.outcome for r in first.results]
    assert outcomes == expected, _mismatches(outcomes, expected)
    threaded_outcomes = [r.outcome for r in threaded.results]
    assert threaded_outcomes == outcomes, _mismatches(threaded_outcomes, outcomes)

    figures.add(
        records=len(workload.inputs),
        runs="2 sequential + 1 threaded",
        requests_per_run=len(_request_log(emu_first)),
        faults=fault_counts(emu_first.requests()),
        outcomes={str(k): v for k, v in Counter(outcomes).items()},
        seconds_per_run=[round(t, 2) for t in (t_first, t_second, t_threaded)],
    )
