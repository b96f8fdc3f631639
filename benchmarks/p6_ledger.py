"""P6: the usage ledger - ingest against the raw driver, group commit, flush, memory.

* **record_many** events/s into SQLite (and PostgreSQL when reachable) against the raw
  driver's batched insert (``executemany``) of the same rows into the same table, in
  interleaved blocks, each into a fresh database; goal: at least 0.7 of the raw
  ceiling, and at least 100k events/s on SQLite.
* **record() from 8 threads**, each call durable on return (group commit); goal: at
  least 20k events/s.
* **flush** of N sealed hours against the emulator (its own process, 10 requests/s
  quota) with 1 worker and with 4 (threads, each with its own ledger and client, all
  sharing the pace row); goal: at least 90 % of the 250 records/s ceiling.
* **peak memory** of record_many over a generator of N events, in fresh interpreters:
  flat between the sizes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._harness import (
    BenchmarkResult,
    Block,
    Check,
    Interleaved,
    aws_test_env,
    child_env,
    classify,
    probe,
)

PG_URL = os.environ.get(
    "AGENTCORE_BILLING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ACCOUNT = "123456789012"
LICENSE = "arn:aws:license-manager::123456789012:license:l-bench"
PRODUCT = "prod-bench"
NOW = datetime(2026, 11, 23, 12, 30, tzinfo=timezone.utc)

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "events": 100_000,
        "rounds": 5,
        "threaded": 40_000,
        "hours": 10_000,
        "memory": (100_000, 1_000_000),
    },
    "quick": {
        "events": 20_000,
        "rounds": 3,
        "threaded": 8_000,
        "hours": 1_000,
        "memory": (20_000, 100_000),
    },
    "smoke": {"events": 500, "rounds": 1, "threaded": 200, "hours": 50, "memory": (500, 2_000)},
}


def events(count: int, *, prefix: str = "e") -> Iterator[Any]:
    """Distinct events spread over 10 hours, 50 dimensions, ints and decimals."""
    from decimal import Decimal

    from agentcore_billing import UsageEvent

    start = NOW - timedelta(hours=11)
    for i in range(count):
        yield UsageEvent(
            dimension=f"d{i % 50}",
            quantity=i % 97 if i % 3 else Decimal(i % 89) / 8,
            at=start + timedelta(seconds=(i * 37) % 36_000),
            event_id=f"{prefix}-{i}",
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
            product_code=PRODUCT,
        )


# -- ingest --------------------------------------------------------------------------


class _Target:
    """A fresh database per block: a SQLite file, or a PostgreSQL schema."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self.count = 0
        self.tag = uuid.uuid4().hex[:10]
        self.admin: Any = None
        if kind == "postgresql":
            import psycopg

            self.admin = psycopg.connect(PG_URL, autocommit=True)

    def fresh(self) -> str:
        self.count += 1
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / f'{self.tag}-{self.count}.db'}"
        schema = f"bench_p6_{self.tag}_{self.count}"
        self.admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.admin.execute(f'CREATE SCHEMA "{schema}"')
        return f"{PG_URL}?options=-csearch_path%3D{schema}"

    def close(self) -> None:
        if self.admin is not None:
            for n in range(1, self.count + 1):
                self.admin.execute(f'DROP SCHEMA IF EXISTS "bench_p6_{self.tag}_{n}" CASCADE')
            self.admin.close()


def _raw_insert(url: str, rows: list[tuple[Any, ...]]) -> Callable[[], None]:
    """The raw driver's ceiling: one transaction, executemany of the same rows."""
    from agentcore_billing._ledger.ingest import _INSERT, _ON_CONFLICT

    if url.startswith("sqlite"):
        import sqlite3

        from agentcore_billing._ledger.store import sqlite_path

        conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")

        def run_sqlite() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_INSERT + _ON_CONFLICT, rows)
            conn.execute("COMMIT")
            conn.close()

        return run_sqlite
    import psycopg

    pg = psycopg.connect(url)
    sql = (_INSERT + _ON_CONFLICT).replace("?", "%s")

    def run_pg() -> None:
        with pg.transaction(), pg.cursor() as cur:
            cur.executemany(sql, rows)
        pg.close()

    return run_pg


def ingest(kind: str, count: int, rounds: int, folder: Path) -> dict[str, Any]:
    """Interleaved blocks of record_many vs the raw executemany, fresh database each."""
    from agentcore_billing import UsageLedger
    from agentcore_billing._ledger.rows import event_row

    batch = list(events(count))
    rows = [event_row(e) for e in batch]
    target = _Target(kind, folder)
    result = Interleaved()
    try:
        for rnd in range(rounds):
            for case in ("ledger", "raw") if rnd % 2 == 0 else ("raw", "ledger"):
                url = target.fresh()
                ledger = UsageLedger(url, clock=lambda: NOW)  # creates the schema
                if case == "raw":
                    ledger.close()
                    fn = _raw_insert(url, rows)
                else:

                    def fn(ledger: Any = ledger) -> None:
                        ledger.record_many(batch)
                        ledger.close()

                gc.collect()
                before = probe()
                started = time.perf_counter()
                fn()
                elapsed = time.perf_counter() - started
                result.blocks.append(Block(case, rnd, count / elapsed, before, probe()))
    finally:
        target.close()
    classify(result)
    return {
        "ledger": statistics.median(result.values("ledger")),
        "raw": statistics.median(result.values("raw")),
        "ratio": result.paired_ratio("ledger", "raw"),
        "normal_ratio": result.ratio("ledger", "raw", normal_only=True),
        "blocks": len(result.blocks),
    }


def threaded(kind: str, count: int, folder: Path, *, threads: int = 8) -> float:
    """record() from ``threads`` threads, each call durable on return: events/s."""
    from agentcore_billing import UsageLedger

    target = _Target(kind, folder)
    try:
        url = target.fresh()
        batch = [event.model_dump() for event in events(count, prefix="t")]
        with UsageLedger(url, clock=lambda: NOW) as ledger:

            def work(part: list[dict[str, Any]]) -> None:
                for fields in part:
                    ledger.record(**fields)

            workers = [
                threading.Thread(target=work, args=(batch[n::threads],)) for n in range(threads)
            ]
            started = time.perf_counter()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            return count / (time.perf_counter() - started)
    finally:
        target.close()


# -- flush ---------------------------------------------------------------------------


def _now() -> datetime:
    """Real time: the emulator's quota is real."""
    return datetime.now(timezone.utc)


def _sealed_backlog(url: str, hours: int) -> None:
    """``hours`` distinct hours (20 past hours x dimensions), all sealed at once."""
    from agentcore_billing import UsageEvent, UsageLedger

    base = _now().replace(minute=0, second=0, microsecond=0)
    dims = -(-hours // 20)
    backlog = (
        UsageEvent(
            dimension=f"d{n % dims}",
            quantity=n + 1,
            event_id=f"h{n}",
            at=base - timedelta(hours=2 + n // dims),
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
            product_code=PRODUCT,
        )
        for n in range(hours)
    )
    with UsageLedger(url, clock=_now) as ledger:
        ledger.record_many(backlog)


def _flush_threads(url: str, endpoint_url: str, workers: int) -> tuple[list[Any], float]:
    """Flush with ``workers`` threads; returns the reports and the seconds taken."""
    from agentcore_billing import MeteringClient, UsageLedger

    # Clients and connections are made before the clock starts: the figure is the
    # sending rate, not the start-up of four boto3 clients.
    pairs = []
    for _ in range(workers):
        metering = MeteringClient(region_name="us-east-1", endpoint_url=endpoint_url, max_workers=1)
        _ = metering.client
        pairs.append((metering, UsageLedger(url, clock=_now)))
    reports: list[Any] = []

    def work(metering: Any, mine: Any) -> None:
        with mine:
            reports.append(mine.flush(metering, deadline=timedelta(minutes=10)))

    threads = [threading.Thread(target=work, args=pair) for pair in pairs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reports, time.perf_counter() - started


def flush_rate(kind: str, hours: int, workers: int, folder: Path) -> dict[str, Any]:
    """Seal ``hours`` hours, flush them with ``workers`` threads against the emulator
    process at its 10 requests/s quota; records/s over the whole flush."""
    from ._emulator_process import EmulatorProcess, EmulatorSpec

    spec = EmulatorSpec(
        seed=1,
        quota=10.0,
        latency=0.0,
        throttle_rate=0.0,
        unprocessed_rate=0.0,
        account=ACCOUNT,
        product=PRODUCT,
        license_arn=LICENSE,
    )
    target = _Target(kind, folder)
    try:
        url = target.fresh()
        _sealed_backlog(url, hours)
        with EmulatorProcess(spec) as emu, aws_test_env():
            reports, seconds = _flush_threads(url, emu.endpoint_url, workers)
            codes = emu.report()["error_codes"]
    finally:
        target.close()
    settled = sum(len(r.hours) for r in reports)
    return {
        "hours": hours,
        "settled": settled,
        "seconds": round(seconds, 2),
        "records_per_second": round(settled / seconds, 1),
        "requests": len(codes),
        "throttled": sum(1 for c in codes if c == "ThrottlingException"),
    }


# -- memory --------------------------------------------------------------------------


def memory_child(count: int) -> dict[str, Any]:
    """record_many over a generator of ``count`` events; RSS growth in bytes."""
    from agentcore_billing import UsageLedger

    from .p3_memory import _hwm_bytes, _reset_hwm, _rss_bytes

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'm.db'}"
        with UsageLedger(url, clock=lambda: NOW) as ledger:
            ledger.record_many(events(1000, prefix="warm"))
            gc.collect()
            before = _rss_bytes() or 0
            _reset_hwm()
            started = time.perf_counter()
            summary = ledger.record_many(events(count))
            seconds = time.perf_counter() - started
            peak = _hwm_bytes() or 0
    return {
        "events": count,
        "stored": summary.stored,
        "growth_bytes": max(0, peak - before),
        "seconds": round(seconds, 2),
    }


def _memory(count: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.p6_ledger", "--child", str(count)],
        env=child_env(),
        check=True,
        timeout=900,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    loaded: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return loaded


def _postgres_available() -> str | None:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
    except Exception as err:  # any failure means: skip PostgreSQL here
        return f"{type(err).__name__}: {str(err).strip()[:120]}"
    return None


def _ingest_checks(result: BenchmarkResult, kind: str, size: dict[str, Any], folder: Path) -> None:
    figures = ingest(kind, size["events"], size["rounds"], folder)
    result.figures[f"record_many_{kind}"] = figures
    result.checks.append(
        Check(
            f"record_many/raw executemany, {kind}",
            _r(figures["ratio"]),
            0.7,
            ">=",
            "x",
            normal_value=_r(figures["normal_ratio"]),
            detail=f"raw {figures['raw']:,.0f} events/s",
        )
    )
    if kind == "sqlite":
        result.checks.append(
            Check(
                "record_many events/s, sqlite", round(figures["ledger"]), 100_000, ">=", "events/s"
            )
        )
    # A caller waits for its own commit, so 8 threads can never beat 8 events per
    # commit: the 1-thread rate (one commit per event) shows what a commit costs here.
    single = threaded(kind, max(50, size["threaded"] // 20), folder, threads=1)
    rate = threaded(kind, size["threaded"], folder)
    result.figures[f"record_8_threads_{kind}"] = round(rate)
    result.figures[f"record_1_thread_{kind}"] = round(single)
    result.checks.append(
        Check(
            f"record() x 8 threads, durable, {kind}",
            round(rate),
            20_000,
            ">=",
            "events/s",
            detail=f"1 thread {single:,.0f}/s (a commit per event); "
            f"group commit: {rate / single:.1f}x that",
        )
    )


def _flush_check(
    result: BenchmarkResult, kind: str, workers: int, hours: int, folder: Path
) -> None:
    figures = flush_rate(kind, hours, workers, folder)
    result.figures[f"flush_{kind}_{workers}"] = figures
    result.checks.append(
        Check(
            f"flush records/s, {workers} worker(s), {kind}",
            figures["records_per_second"],
            225.0,
            ">=",
            "records/s",
            detail=f"{figures['settled']} hours, {figures['requests']} requests, "
            f"{figures['throttled']} throttled",
        )
    )


def _memory_check(result: BenchmarkResult, small: int, large: int) -> None:
    grown = {count: _memory(count) for count in (small, large)}
    result.figures["memory"] = grown
    delta = (grown[large]["growth_bytes"] - grown[small]["growth_bytes"]) / 2**20
    result.checks.append(
        Check(
            f"record_many peak RSS growth {large:,} minus {small:,} events",
            round(delta, 1),
            10.0,
            "<=",
            "MB",
            detail=f"{grown[small]['growth_bytes'] / 2**20:.1f} MB at {small:,}",
        )
    )


def run(mode: str = "full") -> BenchmarkResult:
    """Run P6 with the sizes of ``mode``."""
    started = time.perf_counter()
    size = SIZES[mode]
    result = BenchmarkResult("P6", "usage ledger: ingest, group commit, flush, memory")
    kinds = ["sqlite"]
    missing = _postgres_available()
    if missing is None:
        kinds.append("postgresql")
    else:
        result.notes.append(f"PostgreSQL skipped: {missing}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            _ingest_checks(result, kind, size, folder)
        runs = [("sqlite", 1), ("sqlite", 4)] + ([("postgresql", 4)] if len(kinds) > 1 else [])
        for kind, workers in runs[:1] if mode == "smoke" else runs:
            _flush_check(result, kind, workers, size["hours"], folder)
    _memory_check(result, *size["memory"])
    result.seconds = time.perf_counter() - started
    return result


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=int, required=True)
    print(json.dumps(memory_child(parser.parse_args().child)))
