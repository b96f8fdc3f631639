"""The demo's metering data set: hourly usage of many customers, with a few planted problems.

Everything is drawn from one ``random.Random(seed)``, so a seed always produces the
same records in the same order. The set holds, besides ordinary hourly usage:

* records of customers who are not subscribed (CUSTOMER_NOT_SUBSCRIBED);
* revised quantities for an hour already metered (REJECTED before sending as a same-hour
  conflict: first write wins, as the service's DuplicateRecord would say);
* exactly one record from 30 hours ago, outside the 24-hour window (REJECTED before
  anything is sent);
* tagged allocations on some records and decimal quantities on others.

All customers are license-based buyers of the demo SaaS product (new integrations).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentcore_billing import UsageRecord
    from agentcore_billing.emulator import Customer, DemoData, Emulator

DIMENSIONS = ("tokens", "requests", "gb_hours")
HOURS = 22
"""Hours of usage before the demo clock (all inside the 24-hour window)."""
KEYS_PER_CUSTOMER = len(DIMENSIONS) * HOURS
BAD_RECORD_AGE = timedelta(hours=30)


@dataclass(frozen=True)
class DemoUsage:
    """The generated records and where the planted problems are.

    Attributes:
        records: every record, in the order they are sent.
        buyers: the customers the records belong to.
        bad_index: the position of the one out-of-window record.
        duplicate_count: how many records revise an hour already metered.
    """

    records: list[UsageRecord]
    buyers: list[Customer]
    bad_index: int
    duplicate_count: int


def seed_buyers(emu: Emulator, demo: DemoData, count: int, rng: random.Random) -> list[Customer]:
    """The demo SaaS product's customers plus enough generated ones for ``count`` records."""
    buyers = [c for c in demo.customers if c.product_code == demo.saas_product_code]
    subscribed_needed = max(4, math.ceil(count / (KEYS_PER_CUSTOMER - 6)))
    index = 0
    while sum(b.subscribed for b in buyers) < subscribed_needed:
        index += 1
        subscribed = index % 50 != 0  # one in fifty new customers has no agreement
        account = f"{500000000000 + index * 7919:012d}"
        license_arn = f"arn:aws:license-manager::{account}:license:l-{rng.getrandbits(128):032x}"
        customer = emu.add_customer(
            customer_aws_account_id=account,
            product_code=demo.saas_product_code,
            license_arn=license_arn,
            subscribed=subscribed,
        )
        buyers.append(customer)
    return buyers


def build_usage(
    buyers: list[Customer], count: int, now: datetime, rng: random.Random, *, gap: int
) -> DemoUsage:
    """``count`` records: hourly usage, about 1% revisions and one out-of-window record.

    Like an hourly job's output, records come customer by customer (which lets the
    library pack full requests). A revision comes at least ``gap`` records after the
    record it revises (the library still recognises it as a same-hour conflict).
    """
    fresh = count - 1 - max(1, count // 100)
    top_of_hour = now.replace(minute=0, second=0, microsecond=0)
    keys = [
        (buyer, dimension, hour)
        for buyer in buyers
        for hour in range(HOURS, 0, -1)
        for dimension in DIMENSIONS
    ]
    chosen = sorted(rng.sample(range(len(keys)), fresh))
    placed = [(float(i), _record(*_at(keys[k], top_of_hour), rng)) for i, k in enumerate(chosen)]
    billable = {b.license_arn for b in buyers if b.subscribed}
    revisable = [i for i in range(max(0, fresh - gap)) if placed[i][1].license_arn in billable]
    for i in rng.sample(revisable, min(count - 1 - fresh, len(revisable))):
        placed.append((rng.uniform(i + gap, fresh), _revised(placed[i][1])))
    records = [record for _, record in sorted(placed, key=lambda item: item[0])]
    bad_index = len(records) // 2
    buyer = next(b for b in buyers if b.subscribed and b.license_arn)
    records.insert(bad_index, _record(buyer, "requests", now - BAD_RECORD_AGE, rng))
    return DemoUsage(records, buyers, bad_index, len(records) - fresh - 1)


def _at(key: tuple[Customer, str, int], top_of_hour: datetime) -> tuple[Customer, str, datetime]:
    buyer, dimension, hours_ago = key
    return buyer, dimension, top_of_hour - timedelta(hours=hours_ago)


def _record(buyer: Customer, dimension: str, hour: datetime, rng: random.Random) -> UsageRecord:
    from agentcore_billing import UsageAllocation, UsageRecord

    timestamp = hour + timedelta(minutes=rng.randint(0, 59))
    quantity: int | Decimal
    allocations = None
    if dimension == "gb_hours":
        quantity = Decimal(rng.randint(1, 250_000)) / 1000
    elif dimension == "tokens":
        quantity = rng.randint(1_000, 90_000)
        if rng.random() < 0.1:
            chat = rng.randint(0, quantity)
            allocations = [
                UsageAllocation(quantity=chat, tags={"feature": "chat"}),
                UsageAllocation(quantity=quantity - chat, tags={"feature": "search"}),
            ]
    else:
        quantity = rng.randint(1, 500)
    return UsageRecord(
        timestamp=timestamp,
        dimension=dimension,
        quantity=quantity,
        customer_aws_account_id=buyer.customer_aws_account_id,
        license_arn=buyer.license_arn,
        allocations=allocations,
    )


def _revised(original: UsageRecord) -> UsageRecord:
    """The same customer, dimension and hour with another quantity (a late correction)."""
    from agentcore_billing import UsageRecord

    return UsageRecord(
        timestamp=original.timestamp,
        dimension=original.dimension,
        quantity=original.quantity + 1,
        customer_aws_account_id=original.customer_aws_account_id,
        license_arn=original.license_arn,
    )
