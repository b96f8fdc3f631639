"""P2: metering throughput against the emulator under a request-rate quota.

The emulator (on 127.0.0.1) enforces a token-bucket quota on BatchMeterUsage, adds a
fixed latency to every request, throttles a small random share of requests and leaves
a small random share of records unprocessed. Two sides meter the same records, each
against a fresh emulator, in alternating repetitions:

* ``typed``: ``MeteringClient.batch_meter_usage`` with ``max_requests_per_second`` set
  to the quota (other settings at their defaults, e.g. 4 workers).
* ``naive``: the loop most integrations copy: a default ``boto3.client`` and
  ``batch_meter_usage`` over chunks of 25, ``UnprocessedRecords`` ignored, botocore's
  default retries; a chunk whose call raises is counted as reported failures.

Per run: throughput = records the emulator accepted per second of wall time, as a
fraction of the ceiling (quota x 25 records/s; the bucket starts full, so a run of T
seconds can reach (1 + 1/T) x ceiling); throttled share = requests answered
ThrottlingException / requests received; lost = input records neither in the
emulator's accepted set nor reported as a failure (by a non-success result, or by an
exception for the naive loop).

The main runs use the quota AWS sets (10 requests/s). A stress run at 100 requests/s
follows (reported, no target): there the emulator's and the client's CPU on two shared
cores set the pace. The packing count (requests sent / the fewest that could carry the
records under the faults seen) runs at 3 % UnprocessedRecords and 2 % throttling.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ._emulator_process import EmulatorProcess, EmulatorSpec
from ._harness import BenchmarkResult, Check, aws_test_env, probe, rounded
from ._hook import LICENSE_ARN, base_time

TARGET_CEILING = 0.90
TARGET_THROTTLED = 0.05
TARGET_REQUESTS_OVER_MINIMUM = 1.05
REGION = "us-east-1"
ACCOUNT = "123456789012"
PRODUCT = "prod-bench0001"
BATCH = 25


@dataclass(frozen=True)
class Scenario:
    """The emulator's settings and the size of one run."""

    records: int
    quota: float = 100.0
    latency: float = 0.005
    throttle_rate: float = 0.02
    unprocessed_rate: float = 0.005
    repetitions: int = 3
    max_seconds_per_run: float = 120.0
    max_seconds: float = 300.0
    """No new repetition starts after this many seconds (one of each side always runs)."""


SIZES: dict[str, Scenario] = {
    "full": Scenario(records=2_500, quota=10.0),
    "quick": Scenario(
        records=500, quota=10.0, repetitions=1, max_seconds_per_run=30.0, max_seconds=60.0
    ),
    "smoke": Scenario(
        records=100, quota=10.0, repetitions=1, max_seconds_per_run=20.0, max_seconds=40.0
    ),
}
"""At the quota AWS sets for BatchMeterUsage (10 requests/s per account and Region)."""

STRESS: dict[str, Scenario | None] = {
    "full": Scenario(records=20_000, repetitions=1),
    "quick": Scenario(records=2_500, repetitions=1, max_seconds_per_run=30.0, max_seconds=60.0),
    "smoke": None,
}
"""Ten times the real quota: on two shared cores the emulator and the client's CPU, not
the quota, set the pace here (reported, no target)."""

PACKING: dict[str, Scenario] = {
    mode: Scenario(
        records=size,
        throttle_rate=0.02,
        unprocessed_rate=0.03,
        repetitions=1,
        max_seconds_per_run=seconds,
    )
    for mode, size, seconds in (
        ("full", 10_000, 60.0),
        ("quick", 2_500, 30.0),
        ("smoke", 200, 20.0),
    )
}
"""The request count under 3 % UnprocessedRecords and 2 % throttling (typed side only;
it needs no timing, so it is not repeated)."""


@dataclass
class Outcome:
    """What one side reported for one run."""

    seconds: float
    failed: set[int]
    """Indexes the side reported as not metered (a non-success result or an exception)."""
    unreported: int = 0
    """Records the side never got to before its time budget ran out."""


def _dimension(index: int) -> str:
    # The emulator (like the service) bills one record per customer, dimension and
    # hour; a distinct dimension per record keeps every record distinct.
    return f"dim-{index:06d}"


def _raw_records(count: int) -> list[dict[str, Any]]:
    stamp = base_time() + timedelta(minutes=1)
    return [
        {
            "Timestamp": stamp,
            "Dimension": _dimension(i),
            "Quantity": 1 + i % 100,
            "CustomerAWSAccountId": ACCOUNT,
            "LicenseArn": LICENSE_ARN,
        }
        for i in range(count)
    ]


def _typed_records(raw: list[dict[str, Any]]) -> list[Any]:
    from agentcore_billing import UsageRecord

    return [
        UsageRecord(
            timestamp=rec["Timestamp"],
            dimension=rec["Dimension"],
            quantity=rec["Quantity"],
            customer_aws_account_id=rec["CustomerAWSAccountId"],
            license_arn=rec["LicenseArn"],
        )
        for rec in raw
    ]


def run_typed(endpoint: str, records: list[Any], scenario: Scenario) -> Outcome:
    """Meter ``records`` with ``MeteringClient`` (paced at the quota)."""
    from agentcore_billing import MeteringClient, MeteringOutcome

    metering: Any = MeteringClient(
        endpoint_url=endpoint, region_name=REGION, max_requests_per_second=scenario.quota
    )
    failed: set[int] = set()
    seen = 0
    deadline = time.perf_counter() + scenario.max_seconds_per_run
    started = time.perf_counter()
    for result in metering.iter_batch_meter_usage(records):
        seen += 1
        if result.outcome is not MeteringOutcome.SUCCESS:
            failed.add(result.index)
        if time.perf_counter() > deadline:
            break
    return Outcome(time.perf_counter() - started, failed, unreported=len(records) - seen)


def run_naive(endpoint: str, records: list[dict[str, Any]], scenario: Scenario) -> Outcome:
    """The common loop: chunks of 25, UnprocessedRecords ignored, default retries."""
    client: Any = boto3.client("meteringmarketplace", region_name=REGION, endpoint_url=endpoint)
    failed: set[int] = set()
    deadline = time.perf_counter() + scenario.max_seconds_per_run
    started = time.perf_counter()
    sent = 0
    for start in range(0, len(records), BATCH):
        if time.perf_counter() > deadline:
            break
        chunk = records[start : start + BATCH]
        sent = start + len(chunk)
        try:
            client.batch_meter_usage(UsageRecords=chunk)
        except (ClientError, BotoCoreError):
            failed.update(range(start, start + len(chunk)))
    return Outcome(time.perf_counter() - started, failed, unreported=len(records) - sent)


def _measure(
    side: str,
    scenario: Scenario,
    raw: list[dict[str, Any]],
    typed: list[Any],
    seed: int,
) -> dict[str, Any]:
    with EmulatorProcess(_spec(scenario, seed)) as emu:
        probe_before = probe()
        outcome = (
            run_typed(emu.endpoint_url, typed, scenario)
            if side == "typed"
            else run_naive(emu.endpoint_url, raw, scenario)
        )
        probe_after = probe()
        report = emu.report()
    accepted_dims = set(report["accepted_dimensions"])
    codes: list[str | None] = report["error_codes"]
    index_of = {rec["Dimension"]: i for i, rec in enumerate(raw)}
    accepted = {index_of[d] for d in accepted_dims if d in index_of}
    throttled = sum(1 for code in codes if code == "ThrottlingException")
    lost = len(raw) - outcome.unreported - len(accepted | outcome.failed)
    ceiling = scenario.quota * BATCH
    minimum = minimum_requests(len(raw), report)
    return {
        "side": side,
        "seconds": round(outcome.seconds, 2),
        "accepted": len(accepted),
        "reported_failed": len(outcome.failed - accepted),
        "unreported_time_budget": outcome.unreported,
        "lost": lost,
        "requests": len(codes),
        "minimum_requests": minimum,
        "requests_over_minimum": round(len(codes) / minimum, 4),
        "records_answered_unprocessed": sum(report["unprocessed_per_request"]),
        "throttled": throttled,
        "throttled_share": round(throttled / len(codes), 4) if codes else None,
        "records_per_second": round(len(accepted) / outcome.seconds, 1),
        "fraction_of_ceiling": round(len(accepted) / outcome.seconds / ceiling, 4),
        "probe_before_ms": round(probe_before * 1e3, 3),
        "probe_after_ms": round(probe_after * 1e3, 3),
    }


def minimum_requests(records: int, report: dict[str, Any]) -> int:
    """The fewest requests that could have metered ``records`` under the faults seen.

    A refused request (throttled, 5xx) must be sent again: each counts once. Every
    record must be carried once in an answered request, plus once more each time an
    answer listed it in ``UnprocessedRecords``; full requests carry 25.

    Example:
        >>> minimum_requests(100, {"error_codes": [None, "ThrottlingException"],
        ...                        "unprocessed_per_request": [3, 0]})
        6
    """
    refused = sum(1 for code in report["error_codes"] if code is not None)
    resends = sum(report["unprocessed_per_request"])
    return int(refused + -(-(records + resends) // BATCH))


def _spec(scenario: Scenario, seed: int, *, faults: bool = True) -> EmulatorSpec:
    return EmulatorSpec(
        seed=seed,
        quota=scenario.quota if faults else None,
        latency=scenario.latency if faults else 0.0,
        throttle_rate=scenario.throttle_rate if faults else 0.0,
        unprocessed_rate=scenario.unprocessed_rate if faults else 0.0,
        account=ACCOUNT,
        product=PRODUCT,
        license_arn=LICENSE_ARN,
    )


def round_trip_ms(scenario: Scenario, notes: list[str], requests: int = 20) -> float:
    """Median ms of one raw-boto3 25-record request to a fault-free, quota-free emulator."""
    with EmulatorProcess(_spec(scenario, 0, faults=False)) as emu:
        if emu.nagle_patched:
            notes.append(
                "the emulator's HTTP handler leaves Nagle's algorithm on and sends headers "
                "and body apart, so every answer waits ~40 ms for the client's delayed ACK; "
                "the benchmark's emulator process sets disable_nagle_algorithm=True on it"
            )
        client: Any = boto3.client(
            "meteringmarketplace", region_name=REGION, endpoint_url=emu.endpoint_url
        )
        records = _raw_records(BATCH * requests)
        times: list[float] = []
        for i in range(requests):
            started = time.perf_counter()
            client.batch_meter_usage(UsageRecords=records[i * BATCH : (i + 1) * BATCH])
            times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1e3, 2)


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def run(mode: str = "full") -> BenchmarkResult:
    """Run P2 at the sizes of ``mode`` (``full``: 2,500 records at 10 requests/s, 3 runs
    per side; then the packing count and one stress run per side at 100 requests/s)."""
    started = time.perf_counter()
    scenario = SIZES[mode]
    result = BenchmarkResult("P2", "metering throughput under a request-rate quota (emulator)")
    try:
        from agentcore_billing import MeteringClient  # noqa: F401
        from agentcore_billing.emulator import Emulator, FaultConfig  # noqa: F401
    except ImportError as err:
        result.skipped = f"MeteringClient or Emulator not available ({err})"
        return result
    with aws_test_env():
        result.figures["emulator_round_trip_ms"] = round_trip_ms(
            scenario, result.notes, requests=5 if mode == "smoke" else 20
        )
        runs = _compare(scenario, started, result.notes)
        packing = PACKING[mode]
        packing_raw = _raw_records(packing.records)
        packed = _measure("typed", packing, packing_raw, _typed_records(packing_raw), seed=0)
        stress = STRESS[mode]
        stress_runs = _compare(stress, started, result.notes) if stress is not None else None
    result.figures["scenario"] = _describe(scenario)
    result.figures["runs"] = runs
    summary = {side: _summary(side_runs) for side, side_runs in runs.items()}
    result.figures["medians"] = summary
    result.figures["packing"] = {**_describe(packing), "run": packed}
    if stress is not None and stress_runs is not None:
        result.figures["stress"] = {
            **_describe(stress),
            "runs": stress_runs,
            "medians": {side: _summary(side_runs) for side, side_runs in stress_runs.items()},
        }
        result.notes.append(_stress_note(result.figures["stress"]["medians"], stress))
    typed_summary = summary["typed"]
    naive = summary["naive"]
    result.checks += [
        Check(
            name="typed: accepted records/s as a fraction of quota x 25",
            value=rounded(_pct(typed_summary["fraction_of_ceiling"]), 1),
            target=TARGET_CEILING * 100,
            comparison=">=",
            unit="%",
            detail=f"naive loop {_pct(naive['fraction_of_ceiling']) or 0:.1f} %",
        ),
        Check(
            name="typed: throttled share of requests",
            value=rounded(_pct(typed_summary["throttled_share"]), 1),
            target=TARGET_THROTTLED * 100,
            comparison="<=",
            unit="%",
            detail=f"naive loop {_pct(naive['throttled_share']) or 0:.1f} %",
        ),
        Check(
            name="typed: requests sent / minimum, 3 % unprocessed + 2 % throttled",
            value=packed["requests_over_minimum"],
            target=TARGET_REQUESTS_OVER_MINIMUM,
            comparison="<=",
            unit="x",
            detail=(
                f"{packed['requests']} sent, minimum {packed['minimum_requests']} "
                f"({packed['records_answered_unprocessed']} records answered unprocessed, "
                f"{packed['throttled']} throttled); lost {packed['lost']}"
            ),
        ),
        Check(
            name="typed: lost records (worst run)",
            value=typed_summary["max_lost"],
            target=0,
            comparison="<=",
            unit="records",
            detail=f"naive loop {naive['max_lost']:.0f} (worst run)",
        ),
    ]
    result.notes.append(
        "naive boto3 loop (medians): "
        f"{_pct(naive['fraction_of_ceiling']) or 0:.1f} % of ceiling, "
        f"{_pct(naive['throttled_share']) or 0:.1f} % throttled, "
        f"{naive['lost']} lost, {naive['reported_failed']} reported failed"
    )
    result.seconds = round(time.perf_counter() - started, 1)
    return result


def _compare(
    scenario: Scenario, started: float, notes: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Both sides on the same records, alternating, each run against a fresh emulator."""
    raw = _raw_records(scenario.records)
    typed = _typed_records(raw)
    runs: dict[str, list[dict[str, Any]]] = {"typed": [], "naive": []}
    order: list[str] = ["typed", "naive"]
    for rep in range(scenario.repetitions):
        if rep and time.perf_counter() - started > scenario.max_seconds:
            notes.append(f"stopped after {rep} repetitions (time budget)")
            break
        for side in order if rep % 2 == 0 else order[::-1]:
            runs[side].append(_measure(side, scenario, raw, typed, seed=rep))
    return runs


def _describe(scenario: Scenario) -> dict[str, Any]:
    return {
        "records": scenario.records,
        "quota_requests_per_second": scenario.quota,
        "ceiling_records_per_second": scenario.quota * BATCH,
        "latency_ms": scenario.latency * 1e3,
        "random_throttle_rate": scenario.throttle_rate,
        "unprocessed_rate_per_record": scenario.unprocessed_rate,
        "repetitions": scenario.repetitions,
    }


def _summary(side_runs: list[dict[str, Any]]) -> dict[str, float | None]:
    keys = ("fraction_of_ceiling", "records_per_second", "throttled_share", "lost")
    summary = {key: _median(side_runs, key) for key in (*keys, "reported_failed", "seconds")}
    summary["max_lost"] = max(r["lost"] for r in side_runs)
    return summary


def _stress_note(medians: dict[str, dict[str, float | None]], stress: Scenario) -> str:
    typed, naive = medians["typed"], medians["naive"]
    return (
        f"stress at {stress.quota:g} requests/s ({stress.records:,} records, no target): "
        f"typed {_pct(typed['fraction_of_ceiling']) or 0:.1f} % of ceiling, "
        f"{_pct(typed['throttled_share']) or 0:.1f} % throttled, {typed['max_lost']:.0f} lost; "
        f"naive {_pct(naive['fraction_of_ceiling']) or 0:.1f} %, {naive['max_lost']:.0f} lost"
    )


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100
