"""Conversions between the ledger's models and its table rows, and the frozen record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .models import HourResult, HourState, UsageEvent, from_micros

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
HOUR_S = 3600

EVENT_COLUMNS = (
    "event_id, account, license_arn, customer, product, dimension, at_us, hour, micros, whole, late"
)
EventRow = tuple[str, Any, Any, Any, Any, str, int, int, int, int, int]
HOUR_COLUMNS = (
    "id, account, license_arn, customer, product, dimension, hour, micros, whole, events, "
    "state, attempts, metering_record_id, reason, record, record_hash, grp, deadline, sent"
)


def event_row(event: UsageEvent) -> EventRow:
    """The ``ledger_events`` row of an event (``late`` 0; the hour is its own).

    Example:
        >>> e = UsageEvent(dimension="d", quantity=2, event_id="e1", customer_identifier="c",
        ...     product_code="p", at=datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc))
        >>> event_row(e)[6:]
        (1795429800000000, 1795428000, 2000000, 1, 0)
    """
    at_us = (event.at - EPOCH) // _US
    quantity = event.quantity
    if isinstance(quantity, int):
        micros, whole = quantity * 1_000_000, 1
    else:
        micros, whole = int(quantity.scaleb(6)), 0
    return (
        event.event_id,
        event.customer_aws_account_id,
        event.license_arn,
        event.customer_identifier,
        event.product_code,
        event.dimension,
        at_us,
        at_us // _HOUR_US * HOUR_S,
        micros,
        whole,
        0,
    )


def carried(row: EventRow, hour: int) -> EventRow:
    """``row`` moved into ``hour`` (a late event carried into the oldest open hour)."""
    return (*row[:7], hour, row[8], row[9], 1)


def at_epoch(seconds: int | float) -> datetime:
    """An aware UTC datetime for epoch seconds."""
    return EPOCH + timedelta(seconds=seconds)


def epoch(moment: datetime) -> float:
    """Epoch seconds of an aware datetime."""
    return (moment - EPOCH) / timedelta(seconds=1)


def deadline_of(hour: int) -> int:
    """When the service stops accepting a record stamped ``hour`` (epoch seconds): 24
    hours after it, or 06:00 UTC on the 1st for an hour of the month before.

    Example:
        >>> at_epoch(deadline_of(int(epoch(datetime(2026, 11, 30, 23, tzinfo=timezone.utc)))))
        datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.timezone.utc)
    """
    start = at_epoch(hour)
    first = (start.replace(day=1) + timedelta(days=32)).replace(day=1, hour=6)
    return int(epoch(min(start + timedelta(hours=24), first)))


def frozen_record(key: Sequence[Any], micros: int, whole: bool) -> tuple[str, str, str, str]:
    """Freeze one hour: (hour_key, group, record JSON, its SHA-256).

    ``key`` is (account, license_arn, customer, product, dimension, hour). The record
    holds ``UsageRecord`` fields; its JSON is canonical (sorted keys, no spaces), so the
    hash proves on every resend that the bytes are the ones frozen at sealing.

    Example:
        >>> frozen_record((None, None, "c", "p", "d", 0), 2500000, False)[2]
        '{"customer_identifier":"c","dimension":"d","quantity":"2.5","timestamp":"1970-01-01T00:00:00Z"}'
    """
    account, license_arn, customer, product, dimension, hour = key
    quantity = from_micros(micros, whole)
    record: dict[str, Any] = {
        "timestamp": _iso(at_epoch(hour)),
        "dimension": dimension,
        "quantity": quantity if isinstance(quantity, int) else format(quantity, "f"),
    }
    if customer is not None:
        record["customer_identifier"] = customer
        group = f"legacy:{product}"
        hour_key = "\x1f".join(("legacy", product, customer, dimension, str(hour)))
    else:
        record["customer_aws_account_id"] = account
        record["license_arn"] = license_arn
        group = f"product:{product}" if product else f"license:{license_arn}"
        hour_key = "\x1f".join(("license", license_arn, account, dimension, str(hour)))
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hour_key, group, text, record_hash(text)


def record_hash(text: str) -> str:
    """SHA-256 (hex) of a frozen record."""
    return hashlib.sha256(text.encode()).hexdigest()


def record_fields(text: str) -> dict[str, Any]:
    """The frozen record as ``UsageRecord`` fields (timestamp and quantity typed)."""
    fields: dict[str, Any] = json.loads(text)
    fields["timestamp"] = datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00"))
    if isinstance(fields["quantity"], str):
        fields["quantity"] = Decimal(fields["quantity"])
    return fields


def hour_result(row: Sequence[Any], **changes: Any) -> HourResult:
    """An :class:`HourResult` from a ``HOUR_COLUMNS`` row (``changes`` override)."""
    values: dict[str, Any] = {
        "customer_aws_account_id": row[1],
        "license_arn": row[2],
        "customer_identifier": row[3],
        "product_code": row[4],
        "dimension": row[5],
        "hour": at_epoch(int(row[6])),
        "quantity": from_micros(int(row[7]), bool(row[8])),
        "events": int(row[9]),
        "state": HourState(row[10]),
        "attempts": int(row[11]),
        "metering_record_id": row[12],
        "reason": row[13],
    }
    values.update(changes)
    return HourResult(**values)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
