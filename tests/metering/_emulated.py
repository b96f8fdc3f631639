"""Batch metering against the emulator over HTTP: a legacy product with many customers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from agentcore_billing import MeteringClient, RetryPolicy, UsageRecord
from agentcore_billing.emulator import Emulator

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
PRODUCT = "prod-interrupt"
HOUR = NOW.replace(minute=0) - timedelta(hours=1)
FAST = RetryPolicy(max_attempts=6, initial_delay=0.001, max_delay=0.01, deadline=None)


def seed(emu: Emulator, customers: int) -> None:
    """``customers`` subscribed legacy customers ``c-0``... of :data:`PRODUCT`."""
    for i in range(customers):
        emu.add_customer(
            customer_aws_account_id=str(100000000000 + i),
            product_code=PRODUCT,
            customer_identifier=f"c-{i}",
        )


def records(count: int, *, customers: int, hour: datetime = HOUR) -> Iterator[UsageRecord]:
    """``count`` distinct records: customer ``i % customers``, one hour each round."""
    for i in range(count):
        yield UsageRecord(
            timestamp=hour - timedelta(hours=i // customers),
            dimension="tokens",
            quantity=i + 1,
            customer_identifier=f"c-{i % customers}",
        )


def client(emu: Emulator, session: boto3.Session, **overrides: Any) -> MeteringClient:
    """A MeteringClient on ``emu`` (its time passed in ``overrides`` when fake)."""
    options: dict[str, Any] = {
        "session": session,
        "endpoint_url": emu.endpoint_url,
        "product_code": PRODUCT,
        "retry": FAST,
        "rng": random.Random(0),
        **overrides,
    }
    return MeteringClient(**options)


def billed(emu: Emulator) -> set[tuple[str, datetime]]:
    """(customer, timestamp) of every record the emulator stored."""
    return {(str(a.customer_identifier), a.timestamp) for a in emu.accepted_usage_records()}


def key(result: Any) -> tuple[str, datetime]:
    """The (customer, timestamp) of a result's record."""
    return str(result.record.customer_identifier), result.record.timestamp


def batch_requests(emu: Emulator) -> list[Any]:
    """The emulator's BatchMeterUsage requests."""
    return [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
