"""A SaaS backend with a usage ledger: app servers record, a scheduled worker flushes.

Every app server writes each billable event to the ledger the moment it happens
(``UsageLedger.record``: durable when it returns, a retried request with the same
``event_id`` counts once). A worker, run from cron or a systemd timer on one host or
several, calls ``flush``: it seals each hour once its lateness window has passed, sums
it exactly and meters one record per buyer, dimension and hour - exactly once, even if
it crashes halfway or two workers run at the same time.

Here three "app servers" are threads of one process writing to a SQLite file; with
``postgresql://...`` they could be processes on many hosts.

Run it::

    python examples/saas_usage_ledger.py                       # own emulator, temp SQLite file
    agentcore-billing emulator --demo-data --port 4566 &
    python examples/saas_usage_ledger.py http://127.0.0.1:4566 sqlite:///usage.db
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import boto3

from agentcore_billing import FlushReport, HourState, MeteringClient, UsageLedger
from agentcore_billing.emulator import Emulator

PRODUCT = "demo-saas-product"
# License-based buyers of the emulator's demo data set; the last one has no agreement.
_LICENSE = "arn:aws:license-manager::{}:license:l-{}"
BUYERS = tuple(
    (account, _LICENSE.format(account, suffix))
    for account, suffix in (
        ("111122223333", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ("444455556666", "1b2c3d4e5f60718293a4b5c6d7e8f90a"),
        ("777788889999", "2c3d4e5f60718293a4b5c6d7e8f90a1b"),
    )
)


def app_server(ledger: UsageLedger, name: str, now: datetime, requests: int = 150) -> None:
    """One app server's request handlers: each request records what it used."""
    rng = random.Random(name)
    for n in range(requests):
        account, license_arn = rng.choice(BUYERS)
        event_id = f"{name}-req-{n}"  # the request id: retries of it count once
        for attempt in range(2 if n % 50 == 0 else 1):  # some requests are retried
            ledger.record(
                dimension=rng.choice(("tokens", "gb_hours")),
                quantity=Decimal(rng.randrange(1, 40_000)) / 1000 if attempt == 0 else 1,
                at=now - timedelta(seconds=rng.randrange(3 * 3600)),
                event_id=event_id,
                customer_aws_account_id=account,
                license_arn=license_arn,
                product_code=PRODUCT,  # lets the buyers' hours share requests
            )


def flush_worker(db_url: str, endpoint_url: str) -> FlushReport:
    """What the scheduled job runs: flush once, act on every hour's state."""
    metering = MeteringClient(
        # The emulator checks no signature: placeholder credentials are enough.
        session=boto3.Session(
            aws_access_key_id="emulator", aws_secret_access_key="emulator", region_name="us-east-1"
        ),
        endpoint_url=endpoint_url,
    )
    with UsageLedger(db_url) as ledger:
        report = ledger.flush(metering)
    for hour in report.hours:
        what = f"{hour.hour:%H}:00 {hour.customer_aws_account_id} {hour.dimension}={hour.quantity}"
        if hour.state is HourState.METERED:
            print(f"billed     {what}")
        elif hour.state is HourState.NOT_SUBSCRIBED:
            print(f"suspend    {hour.customer_aws_account_id}: no active agreement")
        else:  # duplicate, rejected, expired, unconfirmed: a person should look
            print(f"ALERT      {what}: {hour.state} ({hour.reason})")
    return report


def main(endpoint_url: str, db_url: str | None = None) -> FlushReport:
    """Record from three app servers at once, then flush twice; returns the first report."""
    folder = tempfile.TemporaryDirectory()
    db_url = db_url or f"sqlite:///{Path(folder.name) / 'usage.db'}"
    now = datetime.now(timezone.utc)
    with UsageLedger(db_url) as ledger:
        servers = [
            threading.Thread(target=app_server, args=(ledger, f"app-{n}", now)) for n in range(3)
        ]
        for server in servers:
            server.start()
        for server in servers:
            server.join()
        print(f"recorded; open hours: {ledger.status().counts[HourState.OPEN]}")
    report = flush_worker(db_url, endpoint_url)
    print(
        f"flush: {report.sealed} hours sealed, {len(report.hours)} settled, "
        f"{report.pending} waiting"
    )
    again = flush_worker(db_url, endpoint_url)
    print(f"second flush: {len(again.hours)} hours settled (each hour is metered once)")
    with UsageLedger(db_url) as ledger:
        status = ledger.status()
    print(f"status: { {str(k): v for k, v in status.counts.items() if v} }")
    folder.cleanup()
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    else:
        with Emulator(demo_data=True) as emulator:
            main(emulator.endpoint_url)
