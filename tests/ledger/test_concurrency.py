"""Several flush workers in separate processes, with recorders writing at the same time.

The workers share one ledger (4 on PostgreSQL, 2 on SQLite) and the emulator's real
10 requests/s BatchMeterUsage quota; their clocks run in real time from one shared
origin. Two recorder processes write events meanwhile, some stamped in the hour the
workers are sealing (so each lands either in that hour's sum or, once it is sealed,
carried into the next). Afterwards: every hour metered once, the total billed equals
the total recorded, and throttled requests are a small share.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from agentcore_billing import HourState, MeteringClient, UsageEvent, UsageLedger
from agentcore_billing._core.clock import monotonic, real_sleep, utc_now
from agentcore_billing.emulator import Emulator

from .conftest import ACCOUNT, ACCOUNT_B, LICENSE, LICENSE_B, PRODUCT, seed

CHILD = Path(__file__).with_name("_child.py")
T0 = datetime(2026, 11, 23, 12, 30, tzinfo=timezone.utc)
RECORDED_PER_RECORDER = 120


def _backlog() -> list[UsageEvent]:
    """500 sealed hours: 2 buyers x 25 dimensions x hours 2..11 (20 full requests)."""
    return [
        UsageEvent(
            dimension=f"d{d}",
            quantity=hour + d,
            at=T0.replace(hour=hour),
            event_id=f"{account}-{d}-{hour}",
            customer_aws_account_id=account,
            license_arn=license_arn,
            product_code=PRODUCT,
        )
        for account, license_arn in ((ACCOUNT, LICENSE), (ACCOUNT_B, LICENSE_B))
        for d in range(25)
        for hour in range(2, 12)
    ]


@pytest.mark.parametrize("backend, workers", [("sqlite", 2), ("postgres", 4)])
def test_workers_meter_every_hour_once_under_the_shared_quota(
    backend: str,
    workers: int,
    request: pytest.FixtureRequest,
    make_emulator: Callable[..., Emulator],
    boto_session: object,
) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    origin = utc_now()

    def shared_now() -> datetime:
        return T0 + (utc_now() - origin)

    emu = seed(make_emulator(clock=shared_now, monotonic=monotonic, sleep=real_sleep))
    backlog = _backlog()
    with UsageLedger(url, clock=shared_now) as ledger:
        assert ledger.record_many(backlog).stored == 500
    env = {**os.environ, "LEDGER_REAL_TIME": str(origin.timestamp())}
    env.pop("LEDGER_CRASH_AT", None)

    def spawn(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(CHILD), *args],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    procs = [
        spawn("recorder", url, T0.isoformat(), f"r{n}", str(RECORDED_PER_RECORDER))
        for n in range(2)
    ]
    procs += [spawn("flush", url, emu.endpoint_url, T0.isoformat()) for _ in range(workers)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
    flushed = [json.loads(out) for out, _ in outputs[2:]]
    assert sum(f["hours"] for f in flushed) >= 500  # the backlog (+ hour 11 of "live")

    later = T0 + timedelta(hours=2)  # seal the hour the recorders wrote into
    metering = MeteringClient(
        session=boto_session,
        region_name="us-east-1",  # type: ignore[arg-type]
        endpoint_url=emu.endpoint_url,
        clock=lambda: later,
    )
    with UsageLedger(url, clock=lambda: later) as ledger:
        report = ledger.flush(metering)
        status = ledger.status()
    hours = status.counts[HourState.METERED]
    assert report.pending == 0 and hours in (501, 502) and sum(status.counts.values()) == hours

    accepted = emu.accepted_usage_records()
    keys = Counter((a.customer_aws_account_id, a.dimension, a.timestamp) for a in accepted)
    assert len(accepted) == hours and max(keys.values()) == 1
    recorded = sum((Decimal(e.quantity) for e in backlog), Decimal(0))
    recorded += 2 * sum(i % 7 + 1 for i in range(RECORDED_PER_RECORDER))
    assert sum(a.quantity for a in accepted) == recorded
    counts = emu.counts()["BatchMeterUsage"]
    throttled = counts.get("ThrottlingException", 0)
    assert throttled <= 0.1 * sum(counts.values()), counts
