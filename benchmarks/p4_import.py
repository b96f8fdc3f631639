"""P4: import time of the package vs ``import boto3, pydantic``, in fresh interpreters.

Each run is a new interpreter (``python -c "..."``) timed from the parent, the cases
interleaved (rotating order), with the speed probe before and after each run. A third
case, ``python -c "pass"``, gives the interpreter's own start-up so the net import
times can be shown too; the target is on the gross ratio.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

from ._harness import (
    BenchmarkResult,
    Block,
    Check,
    Interleaved,
    child_env,
    classify,
    probe,
    rounded,
    series_json,
)

TARGET = 1.1
DEPENDENCIES = (
    "import pydantic, tenacity, botocore.config, botocore.parsers, botocore.exceptions, "
    "concurrent.futures, decimal, uuid, json, logging"
)
OWN_COST = (
    f"{DEPENDENCIES}; import time; t = time.perf_counter(); import agentcore_billing; "
    "print(time.perf_counter() - t)"
)
"""The package's own import cost: its modules (and their model classes) on top of
dependencies that are already imported."""

CASES = {
    "agentcore_billing": "import agentcore_billing",
    "boto3_pydantic": "import boto3, pydantic",
    "bare_interpreter": "pass",
}


def _time_once(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    return time.perf_counter() - started


def own_cost_ms(env: dict[str, str], runs: int) -> float:
    """Median milliseconds of :data:`OWN_COST` over ``runs`` fresh interpreters."""
    times = []
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-c", OWN_COST],
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
            text=True,
        )
        times.append(float(completed.stdout.strip().splitlines()[-1]))
    return round(statistics.median(times) * 1e3, 1)


def importtime_top(code: str, env: dict[str, str], *, top: int = 12) -> dict[str, Any]:
    """``-X importtime`` of ``code``: top modules by own time and our package's entries."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    rows: list[tuple[int, int, str]] = []
    top_level: dict[str, int] = {}
    by_package: dict[str, int] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        name = parts[2].strip()
        rows.append((int(parts[0]), int(parts[1]), name))
        root = name.split(".")[0]
        by_package[root] = by_package.get(root, 0) + int(parts[0])
        if len(parts[2]) - len(parts[2].lstrip()) <= 1:  # one space: imported by -c itself
            top_level[name] = int(parts[1])
    by_own = sorted(rows, key=lambda r: r[0], reverse=True)[:top]
    ours = sorted(
        (r for r in rows if r[2].startswith("agentcore_billing")), key=lambda r: r[1], reverse=True
    )[:top]
    heaviest = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return {
        "total_self_ms": round(sum(r[0] for r in rows) / 1000, 1),
        "self_ms_by_package": {name: round(us / 1000, 1) for name, us in heaviest},
        "top_level_cumulative_ms": {
            k: round(v / 1000, 1) for k, v in top_level.items() if v >= 1000
        },
        "top_own_ms": [{"module": name, "own_ms": round(own / 1000, 1)} for own, _, name in by_own],
        "package_cumulative_ms": [
            {"module": name, "cumulative_ms": round(cum / 1000, 1)} for _, cum, name in ours
        ],
        "imports_boto3": any(name == "boto3" for _, _, name in rows),
        "imports_botocore": any(name == "botocore" for _, _, name in rows),
        "modules_imported": len(rows),
    }


SIZES: dict[str, tuple[int, float]] = {"full": (25, 150.0), "quick": (5, 20.0), "smoke": (1, 10.0)}
"""Fresh interpreters per case, and seconds at most (once three rounds are done)."""


def run(mode: str = "full") -> BenchmarkResult:
    """Run P4 at the sizes of ``mode`` (``full``: 25 interpreters per case)."""
    started = time.perf_counter()
    n_runs, budget = SIZES[mode]
    env = child_env()
    result = BenchmarkResult("P4", "import time in a fresh interpreter")
    if mode != "smoke":
        for code in CASES.values():  # warm the bytecode caches
            _time_once(code, env)
    measured = Interleaved()
    names = list(CASES)
    deadline = time.perf_counter() + budget
    for rnd in range(n_runs):
        if rnd >= 3 and time.perf_counter() > deadline:
            result.notes.append(f"stopped after {rnd} rounds (time budget)")
            break
        shift = rnd % len(names)
        for name in names[shift:] + names[:shift]:
            before = probe()
            value = _time_once(CASES[name], env)
            after = probe()
            measured.blocks.append(Block(name, rnd, value, before, after))
    classify(measured)
    result.figures["runs"] = {name: series_json(measured.series(name), 1e3, "ms") for name in names}
    bare = measured.series("bare_interpreter")
    result.figures["net_of_interpreter_ms"] = {
        name: round((measured.series(name).median - bare.median) * 1e3, 1)
        for name in names
        if name != "bare_interpreter"
    }
    result.figures["paired_ratio"] = rounded(
        measured.paired_ratio("agentcore_billing", "boto3_pydantic")
    )
    result.checks.append(
        Check(
            name="import agentcore_billing / import boto3, pydantic",
            value=rounded(measured.ratio("agentcore_billing", "boto3_pydantic")),
            normal_value=rounded(
                measured.ratio("agentcore_billing", "boto3_pydantic", normal_only=True)
            ),
            target=TARGET,
            comparison="<=",
            unit="x",
        )
    )
    result.figures["package_own_import_ms"] = own_cost_ms(env, 3 if mode == "smoke" else 9)
    result.figures["importtime"] = importtime_top(CASES["agentcore_billing"], env)
    result.seconds = round(time.perf_counter() - started, 1)
    return result
