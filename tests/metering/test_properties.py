"""Properties: whatever the records and whatever the service answers, every input gets
exactly one result, in input order, and the counts add up."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcore_billing import MeteringOutcome, RetryPolicy

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BEHAVIOURS = ["Success", "DuplicateRecord", "CustomerNotSubscribed", "late", "never"]
EXPECTED = {
    "Success": MeteringOutcome.SUCCESS,
    "DuplicateRecord": MeteringOutcome.DUPLICATE_RECORD,
    "CustomerNotSubscribed": MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED,
    "late": MeteringOutcome.SUCCESS,  # unprocessed on the first try only
    "never": MeteringOutcome.UNPROCESSED,  # unprocessed every time
}


def _buyer(record: dict[str, Any]) -> str:
    return str(record.get("CustomerIdentifier") or record.get("CustomerAWSAccountId"))


@SETTINGS
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from([*BEHAVIOURS, "invalid"]),
            st.booleans(),  # legacy or new integration
            st.one_of(st.integers(0, 10**6), st.decimals(0, 10**4, places=3)),
        ),
        max_size=70,
    ),
    chunk_size=st.integers(1, 40),
    shuffle_seed=st.integers(0, 2**16),
)
def test_every_record_gets_its_answer(
    kit: Any, plan: list[tuple[str, bool, Any]], chunk_size: int, shuffle_seed: int
) -> None:
    """Exact expected outcome per record, with answers reordered at random."""
    behaviour = {}
    records: list[Any] = []
    for i, (kind, is_legacy, quantity) in enumerate(plan):
        if kind == "invalid":
            records.append({"dimension": "tokens", "quantity": -1})
            continue
        record = kit.legacy(i, quantity=quantity) if is_legacy else kit.modern(i, quantity=quantity)
        behaviour[_buyer(record.to_wire())] = kind
        records.append(record)
    shuffler = random.Random(shuffle_seed)
    seen_once: set[str] = set()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        results, unprocessed = [], []
        for r in body["UsageRecords"]:
            kind = behaviour[_buyer(r)]
            if kind == "never" or (kind == "late" and _buyer(r) not in seen_once):
                seen_once.add(_buyer(r))
                unprocessed.append(r)
            else:
                results.append(kit.success(r, "Success" if kind == "late" else kind))
        shuffler.shuffle(results)
        return 200, {"Results": results, "UnprocessedRecords": unprocessed}

    client = kit.real_client()
    fake = kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT, chunk_size=chunk_size)
    report = metering.batch_meter_usage(iter(records))

    assert [r.index for r in report.results] == list(range(len(records)))
    for result, record, (kind, _, _) in zip(report.results, records, plan, strict=True):
        assert result.record is record
        want = MeteringOutcome.REJECTED if kind == "invalid" else EXPECTED[kind]
        assert result.outcome is want, (kind, result)
    assert sum(report.counts.values()) == len(records)
    assert all(0 < n <= 25 for n in fake.record_counts)


RECORD_KINDS = st.sampled_from(
    ["legacy", "modern", "copy", "conflict", "old", "junk", "decimal", "other-license"]
)


@SETTINGS
@given(
    kinds=st.lists(RECORD_KINDS, max_size=90),
    seed=st.integers(0, 2**32),
    workers=st.sampled_from([1, 3]),
    chunk_size=st.integers(5, 60),
)
def test_counts_add_up_under_arbitrary_answers(
    kit: Any, kinds: list[str], seed: int, workers: int, chunk_size: int
) -> None:
    """Random statuses, unprocessed lists and whole-request refusals, sequential or parallel."""
    records = _records(kit, kinds)
    rng = random.Random(seed)
    lock = threading.Lock()

    def policy(body: dict[str, Any], call: int) -> tuple[int, dict[str, Any]]:
        with lock:
            roll = rng.random()
            choices = [rng.random() for _ in body["UsageRecords"]]
        if roll < 0.05:
            return kit.error("ThrottlingException")
        if roll < 0.12 and len(body["UsageRecords"]) > 1:
            return kit.error("TimestampOutOfBoundsException")
        results, unprocessed = [], []
        for r, choice in zip(body["UsageRecords"], choices, strict=True):
            if choice < 0.2:
                unprocessed.append(r)
            else:
                status = ["Success", "DuplicateRecord", "CustomerNotSubscribed"][
                    int(choice * 10) % 3
                ]
                results.append(kit.success(r, status))
        return 200, {"Results": results, "UnprocessedRecords": unprocessed}

    client = kit.real_client()
    fake = kit.Fake(policy=policy).attach(client)
    metering, _ = kit.make_metering(
        client,
        product_code=kit.PRODUCT,
        max_workers=workers,
        chunk_size=chunk_size,
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False),
    )
    results = list(metering.iter_batch_meter_usage(r for r in records))

    assert len(results) == len(records)
    assert [r.index for r in results] == list(range(len(records)))
    assert all(res.record is rec for res, rec in zip(results, records, strict=True))
    counts = dict.fromkeys(MeteringOutcome, 0)
    for result in results:
        counts[result.outcome] += 1
        if result.outcome is not MeteringOutcome.SUCCESS:
            assert result.reason
    assert sum(counts.values()) == len(records)
    for body in fake.bodies:
        sent = body["UsageRecords"]
        assert 0 < len(sent) <= 25
        assert len({"CustomerIdentifier" in r for r in sent}) == 1
        assert ("ProductCode" in body) == ("CustomerIdentifier" in sent[0])


def _records(kit: Any, kinds: list[str]) -> list[Any]:
    records: list[Any] = []
    other = kit.LICENSE.replace("l-0", "l-7")
    for i, kind in enumerate(kinds):
        if kind == "copy" and records:
            records.append(records[-1])
        elif kind == "conflict":
            records.append(kit.legacy(0, quantity=i + 100))
        elif kind == "old":
            records.append(kit.legacy(i, timestamp=kit.NOW - timedelta(days=2)))
        elif kind == "junk":
            records.append({"what": i})
        elif kind == "decimal":
            records.append(kit.modern(i, quantity=Decimal(i) / 8))
        elif kind == "other-license":
            records.append(kit.modern(i, license_arn=other))
        elif kind == "modern":
            records.append(kit.modern(i))
        else:
            records.append(kit.legacy(i))
    return records
