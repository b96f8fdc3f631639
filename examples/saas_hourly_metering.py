"""A SaaS backend's hourly job: aggregate the last hour of usage and meter it.

Usage events are summed per customer and dimension for the previous full hour (one
record per customer, dimension and hour, as Marketplace expects), sent with
``MeteringClient.batch_meter_usage``, and every record's outcome is acted on:

* SUCCESS: mark the hour billed;
* DUPLICATE_RECORD: that hour was already metered with another quantity; only the
  first is billed, so alert someone instead of resending;
* CUSTOMER_NOT_SUBSCRIBED: the buyer has no agreement (any more): suspend access;
* REJECTED: the record breaks a rule (``reason`` says which): fix the data;
* UNPROCESSED: the service did not get to it in time: safe to send again next run.

Run it::

    python examples/saas_hourly_metering.py                    # starts its own local emulator
    agentcore-billing emulator --demo-data --port 4566 &
    python examples/saas_hourly_metering.py http://127.0.0.1:4566   # against that emulator
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import boto3

from agentcore_billing import BatchMeterReport, MeteringClient, MeteringOutcome, UsageRecord
from agentcore_billing.emulator import Emulator


@dataclass(frozen=True)
class Customer:
    """A row of the SaaS's customer table, stored at sign-up (see ``saas_signup.py``)."""

    aws_account_id: str
    license_arn: str


# The license-based customers of the emulator's demo data set; the last one has no agreement.
CUSTOMERS = (
    Customer(
        "111122223333",
        "arn:aws:license-manager::111122223333:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    ),
    Customer(
        "444455556666",
        "arn:aws:license-manager::444455556666:license:l-1b2c3d4e5f60718293a4b5c6d7e8f90a",
    ),
    Customer(
        "777788889999",
        "arn:aws:license-manager::777788889999:license:l-2c3d4e5f60718293a4b5c6d7e8f90a1b",
    ),
)


@dataclass(frozen=True)
class UsageEvent:
    """One thing a customer did (what the application logs)."""

    customer: Customer
    dimension: str
    at: datetime
    quantity: int


def last_hours_events(hour: datetime, rng: random.Random) -> list[UsageEvent]:
    """Stand-in for the application's event log: a few hundred events in ``hour``."""
    return [
        UsageEvent(
            customer=rng.choice(CUSTOMERS),
            dimension=rng.choice(("tokens", "requests")),
            at=hour + timedelta(seconds=rng.randrange(3600)),
            quantity=rng.randint(1, 400),
        )
        for _ in range(500)
    ]


def aggregate(events: list[UsageEvent], hour: datetime) -> list[UsageRecord]:
    """One record per customer and dimension for ``hour``."""
    totals: Counter[tuple[Customer, str]] = Counter()
    for event in events:
        totals[event.customer, event.dimension] += event.quantity
    return [
        UsageRecord(
            timestamp=hour,
            dimension=dimension,
            quantity=quantity,
            customer_aws_account_id=customer.aws_account_id,
            license_arn=customer.license_arn,
        )
        for (customer, dimension), quantity in sorted(
            totals.items(), key=lambda item: (item[0][0].aws_account_id, item[0][1])
        )
    ]


def act_on(report: BatchMeterReport[UsageRecord]) -> None:
    """Do what each outcome calls for (here: say it)."""
    for result in report.results:
        record = result.record
        who = f"{record.customer_aws_account_id} {record.dimension}={record.quantity}"
        if result.outcome is MeteringOutcome.SUCCESS:
            print(f"billed     {who} ({result.metering_record_id})")
        elif result.outcome is MeteringOutcome.DUPLICATE_RECORD:
            print(f"ALERT      {who}: hour already metered with another quantity")
        elif result.outcome is MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED:
            print(f"suspend    {record.customer_aws_account_id}: no active agreement")
        elif result.outcome is MeteringOutcome.UNPROCESSED:
            print(f"retry      {who} next run")
        else:
            print(f"fix data   {who}: {result.reason}")


def main(endpoint_url: str) -> BatchMeterReport:
    """Meter the previous full hour against ``endpoint_url``; returns the report."""
    metering = MeteringClient(
        # The emulator checks no signature: placeholder credentials are enough.
        session=boto3.Session(
            aws_access_key_id="emulator", aws_secret_access_key="emulator", region_name="us-east-1"
        ),
        endpoint_url=endpoint_url,
    )
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    hour -= timedelta(hours=1)
    records = aggregate(last_hours_events(hour, random.Random(hour.hour)), hour)
    report = metering.batch_meter_usage(records)
    counts = {outcome.name: n for outcome, n in report.counts.items() if n}
    print(f"{len(records)} records for {hour:%Y-%m-%d %H}:00 UTC: {counts}")
    act_on(report)
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with Emulator(demo_data=True) as emulator:
            main(emulator.endpoint_url)
