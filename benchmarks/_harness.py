"""Measuring on a noisy machine: interleaved blocks, medians, and a speed probe.

The machines these run on alternate for seconds at a time between normal speed and
about half speed. So every comparison here is made inside one run: the cases are
timed in short blocks, A B C, then B C A, and so on; a tiny fixed workload (the
*probe*) is timed before and after every block; a block counts as *normal speed* when
neither probe was slower than 1.3x the run's fast probe time. Figures are medians of
per-block values and ratios of those medians; the median over normal-speed blocks is
reported beside the overall one.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import Any, Literal

SLOW_PROBE_FACTOR = 1.3
"""A block is slow when a probe around it took more than this times the fast probe."""

_PROBE_LOOPS = 20_000


def probe() -> float:
    """Seconds one tiny fixed CPU workload takes now (best of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(_PROBE_LOOPS):
            total += i * i
        best = min(best, time.perf_counter() - started)
    return best


@dataclass
class Block:
    """One timed block of one case."""

    case: str
    round: int
    value: float
    """The per-unit figure of this block (seconds per call, or seconds per run)."""
    probe_before: float
    probe_after: float
    normal: bool = True


@dataclass
class Series:
    """Median figures of one case over all its blocks, and over its normal-speed blocks."""

    case: str
    median: float
    normal_median: float | None
    p25: float
    p75: float
    blocks: int
    normal_blocks: int


@dataclass
class Interleaved:
    """The blocks of every case of one interleaved measurement."""

    blocks: list[Block] = field(default_factory=list)
    fast_probe: float = 0.0

    def values(self, case: str, *, normal_only: bool = False) -> list[float]:
        """Per-block values of ``case`` (only normal-speed blocks if asked)."""
        return [b.value for b in self.blocks if b.case == case and (b.normal or not normal_only)]

    def series(self, case: str) -> Series:
        """Summary statistics of ``case``."""
        values = self.values(case)
        normal = self.values(case, normal_only=True)
        quartiles = statistics.quantiles(values, n=4) if len(values) >= 2 else values * 3
        return Series(
            case=case,
            median=statistics.median(values),
            normal_median=statistics.median(normal) if normal else None,
            p25=quartiles[0],
            p75=quartiles[2],
            blocks=len(values),
            normal_blocks=len(normal),
        )

    def ratio(self, case: str, baseline: str, *, normal_only: bool = False) -> float | None:
        """Median of ``case`` over median of ``baseline`` (same run, same blocks kind)."""
        mine = self.values(case, normal_only=normal_only)
        theirs = self.values(baseline, normal_only=normal_only)
        if not mine or not theirs:
            return None
        return statistics.median(mine) / statistics.median(theirs)

    def paired_ratio(self, case: str, baseline: str) -> float | None:
        """Median over rounds of (case block / baseline block of the same round)."""
        by_round = {b.round: b.value for b in self.blocks if b.case == baseline}
        ratios = [
            b.value / by_round[b.round]
            for b in self.blocks
            if b.case == case and b.round in by_round and by_round[b.round] > 0
        ]
        return statistics.median(ratios) if ratios else None


def interleave(
    cases: Mapping[str, Callable[[], None]],
    *,
    units_per_block: int,
    rounds: int,
    max_seconds: float,
    min_rounds: int = 3,
) -> Interleaved:
    """Time ``cases`` in interleaved blocks of ``units_per_block`` calls each.

    Every round runs each case once, the order rotated by one each round. Stops after
    ``rounds`` rounds, or after ``max_seconds`` once ``min_rounds`` are done.
    """
    names = list(cases)
    result = Interleaved()
    deadline = time.perf_counter() + max_seconds
    for rnd in range(rounds):
        if rnd >= min_rounds and time.perf_counter() > deadline:
            break
        shift = rnd % len(names)
        for name in names[shift:] + names[:shift]:
            fn = cases[name]
            gc.collect()
            before = probe()
            started = time.perf_counter()
            for _ in range(units_per_block):
                fn()
            elapsed = time.perf_counter() - started
            after = probe()
            result.blocks.append(Block(name, rnd, elapsed / units_per_block, before, after))
    classify(result)
    return result


def classify(result: Interleaved) -> None:
    """Mark blocks whose probes show a slow phase; the fast probe is the 10th percentile."""
    probes = sorted(p for b in result.blocks for p in (b.probe_before, b.probe_after))
    if not probes:
        return
    result.fast_probe = probes[len(probes) // 10]
    limit = result.fast_probe * SLOW_PROBE_FACTOR
    for block in result.blocks:
        block.normal = max(block.probe_before, block.probe_after) <= limit


@dataclass
class Check:
    """One figure compared with its target."""

    name: str
    value: float | None
    target: float
    comparison: Literal["<=", ">="]
    unit: str
    passed: bool | None = None
    normal_value: float | None = None
    """The same figure over normal-speed blocks only, where that applies."""
    detail: str = ""
    """The peer's figure or other context, for the table."""

    def __post_init__(self) -> None:
        if self.value is None:
            self.passed = None
        elif self.comparison == "<=":
            self.passed = self.value <= self.target
        else:
            self.passed = self.value >= self.target


@dataclass
class BenchmarkResult:
    """What one benchmark reports: checks against targets, raw figures, notes."""

    id: str
    title: str
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def series_json(series: Series, scale: float, unit: str) -> dict[str, Any]:
    """A :class:`Series` as JSON, values multiplied by ``scale`` and tagged with ``unit``."""

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value * scale, 3)

    return {
        "unit": unit,
        "median": scaled(series.median),
        "normal_median": scaled(series.normal_median),
        "p25": scaled(series.p25),
        "p75": scaled(series.p75),
        "blocks": series.blocks,
        "normal_blocks": series.normal_blocks,
    }


def rounded(value: float | None, digits: int = 3) -> float | None:
    """``round`` that lets ``None`` through."""
    return None if value is None else round(value, digits)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """The machine and versions, read now."""
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {
            name: _version(name)
            for name in (
                "agentcore-billing",
                "boto3",
                "botocore",
                "pydantic",
                "pydantic-core",
                "tenacity",
                "bedrock-agentcore",
            )
        },
        "executable_is_venv": sys.prefix != sys.base_prefix,
    }


AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""Dummy credentials and no profile files: nothing can reach a real account."""

_AWS_CLEARED = ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


@contextmanager
def aws_test_env() -> Iterator[None]:
    """Set :data:`AWS_TEST_ENV` (and clear profile and endpoint overrides) for a block."""
    saved = {key: os.environ.get(key) for key in (*AWS_TEST_ENV, *_AWS_CLEARED)}
    try:
        for key in _AWS_CLEARED:
            os.environ.pop(key, None)
        os.environ.update(AWS_TEST_ENV)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def child_env() -> dict[str, str]:
    """The environment for benchmark subprocesses: ours plus :data:`AWS_TEST_ENV`."""
    env = {k: v for k, v in os.environ.items() if k not in _AWS_CLEARED}
    env.update(AWS_TEST_ENV)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
