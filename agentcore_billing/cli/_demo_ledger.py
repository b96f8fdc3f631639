"""Demo step 4: app servers record usage in a ledger; two flush workers meter it once."""

from __future__ import annotations

import random
import tempfile
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

if TYPE_CHECKING:
    from agentcore_billing import FlushReport

    from ._demo import Demo

ACCOUNT = "121212121212"
LICENSE = "arn:aws:license-manager::121212121212:license:l-3d4e5f60718293a4b5c6d7e8f90a1b2c"
EVENTS = 600
RATE = 100.0
"""The demo's emulator quota (AWS allows 10 requests/s; the workers share whichever)."""


def run_ledger(tour: Demo, *, rng: random.Random) -> None:
    """Record events from three app servers, flush with two workers at once, show it."""
    from agentcore_billing import HourState, UsageLedger

    tour.step("4. A usage ledger: app servers record, two workers meter each hour once")
    product = tour.data.saas_product_code
    tour.emulator.add_customer(
        customer_aws_account_id=ACCOUNT, product_code=product, license_arn=LICENSE
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'usage.db'}"
        with UsageLedger(url, clock=tour.clock) as ledger:
            _record(ledger, product, rng, tour.clock() - timedelta(hours=3))
            opened = ledger.status().counts
        reports = _flush_twice_at_once(tour, url)
        with UsageLedger(url, clock=tour.clock) as ledger:
            again = ledger.flush(_client(tour), max_requests_per_second=RATE)
            status = ledger.status()
    settled = [hour for report in reports for hour in report.hours]
    accepted = [a for a in tour.emulator.accepted_usage_records() if a.license_arn == LICENSE]
    tour.say(
        f"{EVENTS} events from 3 app servers (30 retried requests counted once) in "
        f"{opened[HourState.OPEN]} buyer-dimension-hours; at {tour.clock():%H:%M} the hours before "
        "11:00 are past their 15-minute lateness window."
    )
    table = Table(title="Two workers flushing at the same time", title_justify="left")
    for column in ("worker", "hours metered"):
        table.add_column(column)
    for n, report in enumerate(reports, 1):
        table.add_row(f"worker {n}", str(len(report.hours)))
    tour.say(table)
    tour.say(
        f"Marketplace accepted {len(accepted)} records for {len(settled)} settled hours, "
        f"each once; a third flush sent {len(again.hours)}. Still open: "
        f"{status.counts[HourState.OPEN]} hour(s) (sealed at 12:15)."
    )
    tour.results["ledger"] = {
        "events": EVENTS,
        "settled": len(settled),
        "accepted": len(accepted),
        "open": status.counts[HourState.OPEN],
    }


def _record(ledger: Any, product: str, rng: random.Random, start: datetime) -> None:
    servers = []
    for server in range(3):
        events = [
            (
                server,
                n,
                rng.randrange(3 * 3600),
                rng.choice(("tokens", "requests")),
                Decimal(rng.randrange(1, 5000)) / 100,
            )
            for n in range(EVENTS // 3)
        ]
        servers.append(threading.Thread(target=_serve, args=(ledger, product, start, events)))
    for thread in servers:
        thread.start()
    for thread in servers:
        thread.join()


def _serve(ledger: Any, product: str, start: datetime, events: list[Any]) -> None:
    for server, n, offset, dimension, quantity in events:
        for _attempt in range(2 if n % 20 == 0 else 1):  # a retried request: same event_id
            ledger.record(
                dimension=dimension,
                quantity=quantity,
                at=start + timedelta(seconds=offset),
                event_id=f"app-{server}-req-{n}",
                customer_aws_account_id=ACCOUNT,
                license_arn=LICENSE,
                product_code=product,
            )


def _flush_twice_at_once(tour: Demo, url: str) -> list[FlushReport]:
    from agentcore_billing import UsageLedger

    reports: list[FlushReport] = []

    def worker() -> None:
        with UsageLedger(url, clock=tour.clock) as mine:
            reports.append(mine.flush(_client(tour), max_requests_per_second=RATE))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reports


def _client(tour: Demo) -> Any:
    from agentcore_billing import MeteringClient

    return MeteringClient(
        session=tour.session(),
        endpoint_url=tour.emulator.endpoint_url,
        clock=tour.clock,
        max_workers=1,
    )
