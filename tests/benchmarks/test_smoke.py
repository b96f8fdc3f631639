"""The benchmarks run end to end on tiny sizes and report well-formed results.

No figure is asserted: on shared machines timings say nothing in a test. What is
checked is that every benchmark runs (``python -m benchmarks --smoke`` sizes), that the
results document has the machine description, and that every check carries a value,
a target and a pass flag consistent with them.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_main(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("benchmarks.__main__")


def _check_is_consistent(check: dict[str, Any]) -> None:
    assert check["comparison"] in ("<=", ">=")
    assert isinstance(check["target"], (int, float))
    value = check["value"]
    if value is None:
        assert check["passed"] is None
        return
    assert isinstance(value, (int, float))
    expected = value <= check["target"] if check["comparison"] == "<=" else value >= check["target"]
    assert check["passed"] is expected


def _run(bench_main: ModuleType, tmp_path: Path, bench_id: str) -> dict[str, Any]:
    output = tmp_path / "results.json"
    assert bench_main.main(["--smoke", "--only", bench_id, "--output", str(output)]) == 0
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert document["mode"] == "smoke"
    machine = document["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"] and machine["versions"]["botocore"]
    assert set(document["benchmarks"]) == {bench_id}
    result = document["benchmarks"][bench_id]
    assert result["id"] == bench_id
    assert result["skipped"] is None, result["skipped"]
    assert result["checks"], f"{bench_id} reported no checks"
    for check in result["checks"]:
        _check_is_consistent(check)
    figures: dict[str, Any] = result["figures"]
    return figures


# One test per benchmark, so the parallel runner spreads them over its workers.
def test_p1_per_call_runs_and_reports(bench_main: ModuleType, tmp_path: Path) -> None:
    per_call = _run(bench_main, tmp_path, "P1")
    operations = {"create_payment_session", "get_payment_session", "batch_meter_usage_25"}
    assert set(per_call) == operations
    for figures in per_call.values():
        assert {"raw", "typed", "typed_injected"} <= set(figures["sides"])
        assert figures["sides"]["raw"]["median"] > 0
        assert figures["ratios"]["typed/raw"]["median"] > 0
        assert figures["profile"]["typed"]["total_us"] > 0


def test_p2_throughput_runs_and_reports(bench_main: ModuleType, tmp_path: Path) -> None:
    throughput = _run(bench_main, tmp_path, "P2")
    assert {"typed", "naive"} == set(throughput["runs"])


def test_p3_memory_runs_and_reports(bench_main: ModuleType, tmp_path: Path) -> None:
    memory = _run(bench_main, tmp_path, "P3")
    assert memory and all(run["results"] == run["records"] for run in memory.values())


@pytest.mark.parametrize("bench_id", ["P4", "P5", "P6"])
def test_the_other_benchmarks_run_and_report(
    bench_main: ModuleType, tmp_path: Path, bench_id: str
) -> None:
    assert _run(bench_main, tmp_path, bench_id)


def test_only_and_table(bench_main: ModuleType) -> None:
    assert bench_main.parse_only("p4, P1") == ["P4", "P1"]
    with pytest.raises(SystemExit):
        bench_main.parse_only("P9")
    harness = importlib.import_module("benchmarks._harness")
    result = harness.BenchmarkResult("PX", "example")
    result.checks.append(harness.Check("ratio", 0.5, 0.9, "<=", "x", detail="peer 1.00x"))
    text = bench_main.table([result])
    assert "0.50x" in text and "<= 0.90x" in text and "yes" in text and "peer 1.00x" in text
