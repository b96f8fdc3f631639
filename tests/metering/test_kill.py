"""SIGKILL in the middle of a batch: every billed record reached on_result (a journal),
except those of the requests on the wire at the moment of the kill.

A child process meters against the emulator (over HTTP, in this process) and appends
one line per result to a journal with a plain ``os.write`` (no buffer to lose). It is
killed once the journal has a few hundred lines; the emulator's accepted set is then
compared with the journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig

from . import _emulated as e

CHILD = textwrap.dedent(
    """
    import json, os, sys
    from datetime import datetime, timedelta, timezone
    from agentcore_billing import MeteringClient, UsageRecord

    endpoint, journal, product, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    hour -= timedelta(hours=1)

    def on_result(result):
        line = {"c": result.record.customer_identifier, "t": result.record.timestamp.isoformat(),
                "o": str(result.outcome)}
        os.write(fd, (json.dumps(line) + "\\n").encode())

    records = (
        UsageRecord(timestamp=hour - timedelta(hours=i // 100), dimension="tokens",
                    quantity=i + 1, customer_identifier=f"c-{i % 100}")
        for i in range(2000)
    )
    metering = MeteringClient(endpoint_url=endpoint, region_name="us-east-1",
                              product_code=product, max_workers=workers,
                              max_requests_per_second=40)
    metering.batch_meter_usage(records, on_result=on_result)
    """
)


@pytest.mark.parametrize("workers", [1, 4])
def test_sigkill_loses_no_billed_record_outside_the_requests_in_flight(
    tmp_path: Path, workers: int
) -> None:
    # Before: 400-925 billed records the journal never saw (results came per 500-record chunk).
    faults = {"BatchMeterUsage": FaultConfig(latency=0.005)}
    with Emulator(quotas=NO_QUOTAS, faults=faults) as emu:
        e.seed(emu, 100)
        journal = tmp_path / "journal.jsonl"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, emu.endpoint_url, str(journal), e.PRODUCT, str(workers)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and child.poll() is None:
                if journal.exists() and journal.read_bytes().count(b"\n") >= 300:
                    break
                threading.Event().wait(0.01)
            assert child.poll() is None, "the child ended before it could be killed"
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=30)
        lines = [json.loads(line) for line in journal.read_text().splitlines() if line]
        billed = {(a.customer_identifier, a.timestamp) for a in emu.accepted_usage_records()}
    journaled = {
        (line["c"], datetime.fromisoformat(line["t"])) for line in lines if line["o"] == "Success"
    }
    assert journaled <= billed
    assert 300 <= len(billed) < 2000
    assert len(billed - journaled) <= 25 * workers  # at most the requests on the wire
