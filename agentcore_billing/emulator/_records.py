"""Immutable snapshots of the emulator's state, for tests and tools to inspect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._faults import FaultKind


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator received, in arrival order.

    ``status`` is None when the connection was closed without an answer (a reset,
    or a drop after commit); ``committed`` tells whether the request changed state.
    """

    sequence: int
    operation: str
    client_token: str | None
    status: int | None
    error_code: str | None
    fault: FaultKind | None
    committed: bool
    received_at: datetime
    params: Mapping[str, Any] = field(repr=False, compare=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The request's headers (names lower-cased), as received."""
    unprocessed_records: int = 0
    """BatchMeterUsage: how many records the answer listed in ``UnprocessedRecords``."""


@dataclass(frozen=True)
class UsageAllocationRecord:
    """One allocation of an accepted usage record."""

    quantity: Decimal
    tags: Mapping[str, str]


@dataclass(frozen=True)
class AcceptedUsageRecord:
    """Usage the metering emulator stored (what would be billed)."""

    metering_record_id: str
    operation: str
    product_code: str
    dimension: str
    timestamp: datetime
    quantity: Decimal
    customer_identifier: str | None = None
    customer_aws_account_id: str | None = None
    license_arn: str | None = None
    allocations: tuple[UsageAllocationRecord, ...] = ()


@dataclass(frozen=True)
class SessionSnapshot:
    """A payment session as the emulator holds it."""

    payment_session_id: str
    payment_manager_arn: str
    user_id: str
    expiry_time_in_minutes: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    max_spend: Decimal | None
    available_spend: Decimal | None
    client_token: str | None


@dataclass(frozen=True)
class InstrumentSnapshot:
    """A payment instrument (deleted ones included, with status DELETED)."""

    payment_instrument_id: str
    payment_manager_arn: str
    payment_connector_id: str
    user_id: str
    network: str
    wallet_address: str
    status: str
    balance: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentRecord:
    """A processed payment: what it charged against its session."""

    process_payment_id: str
    payment_session_id: str
    payment_instrument_id: str
    payment_manager_arn: str
    user_id: str
    payment_type: str
    amount: Decimal
    currency: str
    client_token: str | None
    created_at: datetime
