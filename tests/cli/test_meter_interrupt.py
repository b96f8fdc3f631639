"""Ctrl-C during ``meter --report``: the report is written as results arrive and finished.

The command runs as a real process against the emulator (over HTTP, served by this
process, slowed so that the interruption lands mid-batch) and gets a real SIGINT once
its report holds a few hundred rows; the report is then compared with the emulator's
accepted set.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from agentcore_billing._core.clock import utc_now
from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig

PRODUCT = "prod-interrupted"
CUSTOMERS = 100
RECORDS = 2000


def _usage_file(path: Path) -> dict[int, tuple[str, datetime]]:
    """RECORDS JSON Lines, one per customer and hour; line number -> (customer, time)."""
    top = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    keys: dict[int, tuple[str, datetime]] = {}
    with path.open("w", encoding="utf-8") as out:
        for i in range(RECORDS):
            customer, moment = f"c-{i % CUSTOMERS}", top - timedelta(hours=i // CUSTOMERS)
            row = {"timestamp": moment.isoformat(), "dimension": "tokens", "quantity": i + 1}
            out.write(json.dumps({**row, "customer_identifier": customer}) + "\n")
            keys[i + 1] = (customer, moment)
    return keys


def _rows_written(report: Path) -> int:
    if not report.exists():
        return 0
    return report.read_bytes().count(b'"line"')


def _interrupt_when_rows(child: subprocess.Popen[bytes], report: Path, rows: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if _rows_written(report) >= rows:
            break
        threading.Event().wait(0.01)
    assert child.poll() is None, "meter ended before it could be interrupted"
    child.send_signal(signal.SIGINT)


def _default_sigint() -> None:
    # A test runner started as a background job hands SIGINT down as ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_finishes_a_report_with_one_row_per_line(tmp_path: Path) -> None:
    # Before: no report at all (it was written only at the end); exit 130.
    faults = {"BatchMeterUsage": FaultConfig(latency=0.02)}
    with Emulator(quotas=NO_QUOTAS, faults=faults) as emu:
        for i in range(CUSTOMERS):
            emu.add_customer(
                customer_aws_account_id=str(100000000000 + i),
                product_code=PRODUCT,
                customer_identifier=f"c-{i}",
            )
        usage, report = tmp_path / "usage.jsonl", tmp_path / "out.json"
        keys = _usage_file(usage)
        argv = [sys.executable, "-m", "agentcore_billing", "meter", str(usage)]
        argv += ["--report", str(report), "--product-code", PRODUCT]
        argv += ["--endpoint-url", emu.endpoint_url, "--region", "us-east-1"]
        child = subprocess.Popen(
            argv,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_default_sigint,  # noqa: PLW1509 - only resets one signal
        )
        try:
            _interrupt_when_rows(child, report, 300)
            _out, err = child.communicate(timeout=60)
        finally:
            child.kill()
            child.wait(timeout=30)
        billed = {(a.customer_identifier, a.timestamp) for a in emu.accepted_usage_records()}
    assert child.returncode == 130, err.decode()
    message = err.decode().strip().splitlines()
    assert len(message) == 1 and str(report) in message[0], message
    content = json.loads(report.read_text(encoding="utf-8"))
    assert content["interrupted"] is True
    rows = content["results"]
    assert [row["line"] for row in rows] == list(keys)  # one row per input line, in order
    succeeded = {keys[row["line"]] for row in rows if row["outcome"] == "SUCCESS"}
    assert succeeded == billed
    assert 300 <= len(billed) < RECORDS
    unanswered = {row["outcome"] for row in rows if row["outcome"] != "SUCCESS"}
    assert unanswered <= {"UNKNOWN", "UNPROCESSED"}
    assert sum(content["counts"].values()) == RECORDS
