"""``python -m benchmarks [--quick | --smoke] [--only P1,P3] [--output FILE]``.

Runs the chosen benchmarks one after the other in this process tree (P3 and P4 start
fresh interpreters of their own), prints one table, and writes the machine
description, versions and every figure to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import p1_per_call, p2_throughput, p3_memory, p4_import, p5_pay_for, p6_ledger
from ._harness import BenchmarkResult, machine

RUNNERS: dict[str, Callable[[str], BenchmarkResult]] = {
    "P1": p1_per_call.run,
    "P2": p2_throughput.run,
    "P3": p3_memory.run,
    "P4": p4_import.run,
    "P5": p5_pay_for.run,
    "P6": p6_ledger.run,
}

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:,.1f} {unit}".rstrip()


def table(results: list[BenchmarkResult]) -> str:
    """The checks of every result as a fixed-width text table."""
    rows = [("id", "figure", "value", "normal-speed", "target", "pass", "peer / context")]
    for result in results:
        if result.skipped:
            rows.append((result.id, f"skipped: {result.skipped}", "", "", "", "", ""))
            continue
        for check in result.checks:
            rows.append(
                (
                    result.id,
                    check.name,
                    _fmt(check.value, check.unit),
                    _fmt(check.normal_value, check.unit) if check.normal_value is not None else "",
                    f"{check.comparison} {_fmt(check.target, check.unit)}",
                    {True: "yes", False: "NO", None: "-"}[check.passed],
                    check.detail,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def parse_only(text: str | None) -> list[str]:
    """``"P1,p3"`` -> ``["P1", "P3"]``; all benchmarks when empty."""
    if not text:
        return list(RUNNERS)
    chosen = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in RUNNERS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {list(RUNNERS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON; exit status 0 whatever the figures are."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes that only check the harness runs"
    )
    parser.add_argument("--only", help="comma-separated subset, e.g. P1,P3")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON path")
    args = parser.parse_args(argv)
    chosen = parse_only(args.only)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    started = time.perf_counter()
    description = machine()
    print(
        f"{description['date_utc']}  {description['platform']}  cpus={description['cpu_count']}  "
        f"{description['python']}  botocore {description['versions']['botocore']}",
        flush=True,
    )
    results: list[BenchmarkResult] = []
    for name in chosen:
        print(f"running {name} ...", flush=True)
        result = RUNNERS[name](mode)
        results.append(result)
        print(f"  {name} done in {result.seconds:.1f} s", flush=True)
    print()
    print(table(results))
    for result in results:
        for note in result.notes:
            print(f"note {result.id}: {note}")
    document: dict[str, Any] = {
        "machine": description,
        "mode": mode,
        "seconds": round(time.perf_counter() - started, 1),
        "benchmarks": {result.id: result.to_json() for result in results},
    }
    args.output.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
