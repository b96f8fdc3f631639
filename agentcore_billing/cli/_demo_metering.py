"""Demo step 3: meter thousands of usage records through throttling and storms."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ._demo_data import DIMENSIONS, DemoUsage, build_usage, seed_buyers
from ._summary import MALFORMED, MeterTally, outcome_table, progress_bar

if TYPE_CHECKING:
    from agentcore_billing import MeteringClient, UsageRecordResult
    from agentcore_billing.emulator import FaultConfig

    from ._demo import Demo

PACE = 100.0
"""BatchMeterUsage requests per second in the demo (the emulator's quota is set to match)."""
DEMO_QUOTAS = {"BatchMeterUsage": PACE}
"""The emulator's request-rate quotas in the demo (AWS: 10 BatchMeterUsage requests/s)."""
THROTTLE_RATE = 0.02
UNPROCESSED_RATE = 0.03
STORM_RATE = 0.3
STORMS = ((0.2, 0.4), (0.6, 0.8))
"""Stretches of the run (as fractions of the records) with an UnprocessedRecords storm."""
CHUNK = 50


def _faults(storm: bool) -> dict[str, FaultConfig]:
    from agentcore_billing.emulator import FaultConfig

    rate = STORM_RATE if storm else UNPROCESSED_RATE
    return {"BatchMeterUsage": FaultConfig(throttle_rate=THROTTLE_RATE, unprocessed_rate=rate)}


def _client(tour: Demo) -> MeteringClient:
    from agentcore_billing import MeteringClient, RetryPolicy

    return MeteringClient(
        session=tour.session(),
        endpoint_url=tour.emulator.endpoint_url,
        # Naming the product lets records of different licenses share requests.
        product_code=tour.data.saas_product_code,
        # One worker and a seeded jitter keep the request order, and so the injected
        # faults, identical from run to run; a short back-off suits a local emulator.
        max_workers=1,
        max_requests_per_second=PACE,
        retry=RetryPolicy(max_attempts=10, initial_delay=0.01, max_delay=0.1, deadline=30.0),
        clock=tour.clock,
        rng=random.Random(tour.seed),
        chunk_size=CHUNK,
    )


def run_metering(tour: Demo, count: int, *, rng: random.Random) -> None:
    """Meter ``count`` generated records and print every outcome and the bad record."""
    tour.step(f"3. A SaaS backend meters {count:,} usage records (Marketplace BatchMeterUsage)")
    buyers = seed_buyers(tour.emulator, tour.data, count, rng)
    usage = build_usage(buyers, count, tour.clock(), rng, gap=CHUNK)
    subscribed = sum(1 for b in buyers if b.subscribed)
    tour.say(
        f"{len(buyers)} customers ({len(buyers) - subscribed} without an agreement), "
        f"dimensions {', '.join(DIMENSIONS)}; {usage.duplicate_count} late corrections of an "
        "hour already metered; 1 record from 30 hours ago."
    )
    tour.say(
        f"Faults: {THROTTLE_RATE:.0%} throttling, {UNPROCESSED_RATE:.0%} UnprocessedRecords, "
        f"and {len(STORMS)} storms at {STORM_RATE:.0%}; paced at {PACE:.0f} requests/s "
        "(the emulator's quota is raised to match; AWS allows 10/s)."
    )
    tally = MeterTally()
    results = _meter(tour, usage, tally)
    counts = {k: v for k, v in tally.counts().items() if k != MALFORMED}
    tour.say(outcome_table(counts, title=f"Outcome of {len(usage.records):,} records"))
    bad = results.get(usage.bad_index)
    reason = bad.reason if bad is not None else None
    tour.say(
        f"The out-of-window record (#{usage.bad_index + 1}): "
        f"{bad.outcome.name if bad else '?'}: {reason}"
    )
    _request_note(tour, len(usage.records))
    tour.results["metering"] = {
        "records": len(usage.records),
        "counts": counts,
        "bad_record": {"index": usage.bad_index, "reason": reason},
    }


def _meter(tour: Demo, usage: DemoUsage, tally: MeterTally) -> dict[int, UsageRecordResult]:
    """Stream the records, switching storms on and off at fixed points of the run."""
    total = len(usage.records)
    marks = sorted({int(total * edge) // CHUNK * CHUNK for storm in STORMS for edge in storm})
    watched: dict[int, UsageRecordResult] = {}
    storm = False
    tour.emulator.set_faults(_faults(storm))
    with progress_bar(total, enabled=not tour.quiet, description="Metering") as advance:
        for done, result in enumerate(_client(tour).iter_batch_meter_usage(usage.records), 1):
            tally.add_result(result)
            if result.index == usage.bad_index:
                watched[result.index] = result
            advance(1)
            if done in marks:
                storm = not storm
                tour.emulator.set_faults(_faults(storm))
                advance.describe("Metering (UnprocessedRecords storm)" if storm else "Metering")
    tour.emulator.set_faults()
    return watched


def _request_note(tour: Demo, records: int) -> None:
    requests = [r for r in tour.emulator.requests() if r.operation == "BatchMeterUsage"]
    throttled = sum(1 for r in requests if r.error_code == "ThrottlingException")
    sent = sum(len(r.params.get("UsageRecords", ())) for r in requests if r.status == 200)
    tour.say(
        f"BatchMeterUsage: {len(requests)} requests ({throttled} throttled and retried); "
        f"{sent - (records - 1):,} times a record came back in UnprocessedRecords and was "
        "resent until it was answered."
    )
