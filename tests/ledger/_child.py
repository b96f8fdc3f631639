"""A ledger process for crash and concurrency tests (run as a script by the tests).

    python _child.py flush URL ENDPOINT NOW_ISO            # flush once, print a JSON summary
    python _child.py record URL NOW_ISO EVENTS.jsonl       # record_many the file's events
    python _child.py recorder URL NOW_ISO PREFIX COUNT     # record() COUNT events from 4 threads

Environment: LEDGER_CRASH_AT names a crash point (agentcore_billing._ledger.hooks) at
which the process SIGKILLs itself. LEDGER_REAL_TIME=<epoch> makes the clock run in real
time from NOW_ISO, counted from that shared wall-clock epoch (so processes agree), with
real sleeps; without it the clock is a ManualClock fixed at NOW_ISO.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from agentcore_billing import MeteringClient, UsageLedger
from agentcore_billing._core.clock import real_sleep, utc_now
from agentcore_billing._ledger import hooks
from agentcore_billing.testing import ManualClock


def _crash_hook() -> None:
    target = os.environ.get("LEDGER_CRASH_AT")
    if not target:
        return

    def hook(point: str) -> None:
        if point == target:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    hooks.set_crash_hook(hook)


def _clocks(now_iso: str) -> tuple[Callable[[], datetime], Callable[[float], None], Any]:
    start = datetime.fromisoformat(now_iso)
    base = os.environ.get("LEDGER_REAL_TIME")
    if base is None:
        manual = ManualClock(start)
        return manual.now, manual.sleep, manual.monotonic
    origin = datetime.fromtimestamp(float(base), tz=start.tzinfo)

    def now() -> datetime:
        return start + (utc_now() - origin)

    import time

    return now, real_sleep, time.monotonic


def flush(url: str, endpoint: str, now_iso: str) -> None:
    now, sleep, monotonic = _clocks(now_iso)
    metering = MeteringClient(
        region_name="us-east-1",
        endpoint_url=endpoint,
        clock=now,
        sleep=sleep,
        monotonic=monotonic,
        max_workers=1,
    )
    with UsageLedger(url, clock=now, sleep=sleep) as ledger:
        report = ledger.flush(metering, deadline=timedelta(seconds=60))
    print(
        json.dumps(
            {
                "hours": len(report.hours),
                "pending": report.pending,
                "counts": {str(k): v for k, v in report.counts.items() if v},
            }
        )
    )


def record(url: str, now_iso: str, path: str) -> None:
    now, sleep, _ = _clocks(now_iso)
    with open(path) as handle:
        events = [json.loads(line) for line in handle]
    for event in events:
        if isinstance(event["quantity"], str):
            event["quantity"] = Decimal(event["quantity"])
    with UsageLedger(url, clock=now, sleep=sleep) as ledger:
        summary = ledger.record_many(events)
    print(json.dumps({"stored": summary.stored, "duplicates": summary.duplicates}))


def recorder(url: str, now_iso: str, prefix: str, count: int) -> None:
    now, sleep, _ = _clocks(now_iso)
    with UsageLedger(url, clock=now, sleep=sleep) as ledger:

        def work(worker: int) -> None:
            for i in range(worker, count, 4):
                # Odd events are stamped in hour 11, which the flush workers are
                # sealing meanwhile: each lands in hour 11's sum or is carried into 12.
                at = now() if i % 2 == 0 else now().replace(hour=11, minute=59)
                ledger.record(
                    dimension="live",
                    quantity=i % 7 + 1,
                    at=at,
                    event_id=f"{prefix}-{i}",
                    customer_aws_account_id="111122223333",
                    license_arn="arn:aws:license-manager::111122223333:license:l-1",
                    product_code="prod-ledger",
                )

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    print(json.dumps({"recorded": count}))


def main(argv: list[str]) -> None:
    _crash_hook()
    command, *args = argv
    if command == "flush":
        flush(*args)
    elif command == "record":
        record(*args)
    elif command == "recorder":
        recorder(args[0], args[1], args[2], int(args[3]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
