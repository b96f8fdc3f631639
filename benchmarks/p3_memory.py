"""P3: peak memory of ``iter_batch_meter_usage`` over a generator of N records.

Each size runs in a fresh interpreter (``python -m benchmarks.p3_memory --child N``).
The child builds a ``MeteringClient`` whose client a ``before-send`` hook answers (every
record Success), streams a warm-up batch, then resets the kernel's peak-RSS mark
(``/proc/self/clear_refs``) and streams N records from a generator, counting the
results without keeping them. Growth = peak RSS during the stream minus RSS before it.
Where the peak mark cannot be reset, a sampling thread reading ``/proc/self/statm``
every 2 ms (or ``ru_maxrss``) gives the peak instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ._harness import BenchmarkResult, Check, aws_test_env, child_env
from ._hook import LICENSE_ARN, base_time

TARGET_MB = 50.0
FLAT_SLACK_MB = 10.0
""""Flat in N": growth at the largest size at most this much above the smallest size's."""

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return None


def _hwm_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _maxrss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


class _Sampler(threading.Thread):
    """Polls the current RSS and keeps the highest value seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_bytes() or 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.002):
            self.peak = max(self.peak, _rss_bytes() or 0)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


def records(count: int, *, start: int = 0) -> Iterator[Any]:
    """A generator of ``count`` distinct usage records, built one at a time."""
    from agentcore_billing import UsageRecord

    first = base_time()
    for i in range(start, start + count):
        yield UsageRecord(
            timestamp=first + timedelta(milliseconds=i),
            # one record per customer, dimension and hour, or the library would refuse
            # the later ones as conflicting (the service bills only the first)
            dimension=f"dim-{i:07d}",
            quantity=1 + i % 1000,
            customer_aws_account_id="123456789012",
            license_arn=LICENSE_ARN,
        )


def measure_in_process(count: int) -> dict[str, Any]:
    """Stream ``count`` records through ``iter_batch_meter_usage``; memory figures in bytes."""
    from agentcore_billing import MeteringClient

    from ._hook import Responder, metering_answer

    responder = Responder(metering_answer())
    with aws_test_env():
        # Unpaced (the default 10 requests/s would make 200k records take 800 s); the
        # other settings, chunk size and workers included, are the defaults.
        metering: Any = MeteringClient(region_name="us-east-1", max_requests_per_second=1e9)
        responder.attach(metering.client)
        for _ in metering.iter_batch_meter_usage(records(min(500, count), start=count)):
            pass
        gc.collect()
        warmup_requests = responder.calls
        before = _rss_bytes() or _maxrss_bytes()
        hwm_reset = _reset_hwm()
        sampler = _Sampler()
        sampler.start()
        outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        for result in metering.iter_batch_meter_usage(records(count)):
            outcomes[str(getattr(result.outcome, "value", result.outcome))] += 1
        seconds = time.perf_counter() - started
        sampled = sampler.stop()
        hwm = _hwm_bytes() if hwm_reset else None
    peak = max(hwm or 0, sampled) if hwm_reset else max(sampled, _maxrss_bytes())
    return {
        "records": count,
        "results": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "requests": responder.calls - warmup_requests,
        "rss_before_bytes": before,
        "peak_bytes": peak,
        "growth_bytes": max(0, peak - before),
        "peak_method": "VmHWM reset" if hwm_reset else "sampling + ru_maxrss",
        "seconds": round(seconds, 2),
    }


def measure_in_child(count: int, *, timeout: float = 300.0) -> dict[str, Any]:
    """:func:`measure_in_process` in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.p3_memory", "--child", str(count)],
        env=child_env(),
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    loaded: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return loaded


SIZES: dict[str, tuple[int, ...]] = {
    "full": (50_000, 200_000),
    "quick": (5_000, 20_000),
    "smoke": (100, 200),
}
"""Record counts per mode, each streamed in its own fresh interpreter."""


def run(mode: str = "full") -> BenchmarkResult:
    """Run P3 over the record counts of ``mode`` (``full``: 50k and 200k)."""
    started = time.perf_counter()
    chosen = SIZES[mode]
    result = BenchmarkResult("P3", "iter_batch_meter_usage peak RSS growth")
    try:
        from agentcore_billing import MeteringClient  # noqa: F401
    except ImportError as err:
        result.skipped = f"MeteringClient not available ({err})"
        return result
    growth: dict[int, float] = {}
    for count in chosen:
        figures = measure_in_child(count)
        growth[count] = figures["growth_bytes"] / 2**20
        result.figures[str(count)] = figures
        if figures["results"] != count:
            result.notes.append(f"{count} records gave {figures['results']} results")
        result.checks.append(
            Check(
                name=f"peak RSS growth, {count:,} records",
                value=round(growth[count], 1),
                target=TARGET_MB,
                comparison="<=",
                unit="MB",
            )
        )
    smallest, largest = min(chosen), max(chosen)
    if largest != smallest:
        result.checks.append(
            Check(
                name=f"growth {largest:,} minus growth {smallest:,} (flat in N)",
                value=round(growth[largest] - growth[smallest], 1),
                target=FLAT_SLACK_MB,
                comparison="<=",
                unit="MB",
            )
        )
    result.seconds = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> None:
    """Child entry point: ``--child N`` prints one JSON line of figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.p3_memory")
    parser.add_argument("--child", type=int, required=True, help="records to stream")
    args = parser.parse_args(argv)
    print(json.dumps(measure_in_process(args.child)))


if __name__ == "__main__":
    main()
