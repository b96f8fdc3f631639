"""What the usage ledger takes in (``UsageEvent``) and reports (hours, flushes, status)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from agentcore_billing._core.models import AwareDatetime, InputModel, ResponseModel
from agentcore_billing._core.money import parse_decimal
from agentcore_billing._metering.records import (
    ACCOUNT_ID_PATTERN,
    LICENSE_ARN_PATTERN,
    PRODUCT_CODE,
)
from agentcore_billing._metering.results import StrEnum

MICROS = 1_000_000
"""Quantities are stored as exact integers of millionths (QuantityAsDecimal allows 6 places)."""
EVENT_QUANTITY_MAX = 10**10
"""One event's quantity stays below this (the widest QuantityAsDecimal has 10 integer digits)."""


class HourState(StrEnum):
    """Where one (buyer, dimension, hour) stands.

    ``open`` -> ``sealed`` (summed, record frozen) -> ``claimed`` (a worker holds the lease
    and may be sending) -> one terminal state. A claim whose lease ran out (the worker
    died) is claimable again and its identical record is resent.

    Example:
        >>> HourState("metered") is HourState.METERED, HourState.METERED.terminal
        (True, True)
    """

    OPEN = "open"
    """Events are still arriving: the hour's lateness window has not passed."""
    SEALED = "sealed"
    """Summed and frozen; waiting to be sent (or resent)."""
    CLAIMED = "claimed"
    """A flush worker holds the lease and may be sending it right now."""
    METERED = "metered"
    """Accepted: ``metering_record_id`` is the service's id."""
    NOT_SUBSCRIBED = "not_subscribed"
    """The buyer has no active subscription: not billed."""
    DUPLICATE = "duplicate"
    """DuplicateRecord: another quantity was already metered for this hour (an alarm)."""
    REJECTED = "rejected"
    """Refused for this record; ``reason`` says why."""
    EXPIRED = "expired"
    """Never sent, and now past the service's window: not billed."""
    UNCONFIRMED = "unconfirmed"
    """Sent, but no answer came before the window closed: it may or may not be billed."""

    @property
    def terminal(self) -> bool:
        """True for the states an hour never leaves."""
        return self not in (HourState.OPEN, HourState.SEALED, HourState.CLAIMED)


class UsageEvent(InputModel):
    """One unit of usage as an app server saw it.

    Buyers are named as on a usage record: ``customer_aws_account_id`` + ``license_arn``
    (new integrations; ``product_code`` optional, it lets licenses of one product share
    requests) or ``customer_identifier`` + ``product_code`` (legacy).

    Example:
        >>> from datetime import datetime, timezone
        >>> e = UsageEvent(dimension="tokens", quantity=Decimal("12.5"), event_id="req-42",
        ...     at=datetime(2026, 11, 23, 10, 5, tzinfo=timezone.utc),
        ...     customer_identifier="cust-1", product_code="prod-1")
        >>> e.micros, e.hour.isoformat()
        (12500000, '2026-11-23T10:00:00+00:00')
    """

    model_config = ConfigDict(loc_by_alias=False)

    dimension: str = Field(min_length=1, max_length=255)
    """The product dimension."""
    quantity: int | Decimal
    """Non-negative; an int, or a Decimal (or decimal string) with at most 6 places."""
    at: AwareDatetime
    """When the usage happened (timezone-aware; its UTC hour is the billing hour)."""
    event_id: str = Field(min_length=1, max_length=255)
    """The caller's idempotency key: the same event_id counts once."""
    customer_aws_account_id: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=ACCOUNT_ID_PATTERN
    )
    """The buyer's AWS account id (new integrations)."""
    license_arn: str | None = Field(default=None, pattern=LICENSE_ARN_PATTERN)
    """The buyer's license (new integrations)."""
    customer_identifier: str | None = Field(default=None, min_length=1, max_length=255)
    """The legacy buyer id."""
    product_code: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=PRODUCT_CODE.pattern
    )
    """Required with ``customer_identifier``; optional with a license."""

    @field_validator("quantity", mode="plain")
    @classmethod
    def _quantity(cls, value: object) -> int | Decimal:
        return check_event_quantity(value)

    @model_validator(mode="after")
    def _buyer(self) -> UsageEvent:
        legacy = self.customer_identifier is not None
        if legacy and (self.customer_aws_account_id or self.license_arn):
            raise ValueError(
                "customer_identifier (legacy) and customer_aws_account_id/license_arn are "
                "exclusive: use exactly one style per event"
            )
        if legacy and self.product_code is None:
            raise ValueError("product_code is required with customer_identifier (legacy)")
        if not legacy and (self.customer_aws_account_id is None or self.license_arn is None):
            raise ValueError(
                "buyer: give customer_aws_account_id and license_arn together, or "
                "customer_identifier with product_code (legacy)"
            )
        return self

    @property
    def micros(self) -> int:
        """The quantity in exact millionths."""
        return to_micros(self.quantity)

    @property
    def hour(self) -> datetime:
        """The start of the UTC hour the usage belongs to."""
        return self.at.replace(minute=0, second=0, microsecond=0)


def check_event_quantity(value: object) -> int | Decimal:
    """An event quantity: int or Decimal, 0 <= q < 10**10, at most 6 decimal places.

    Example:
        >>> check_event_quantity("0.000001"), check_event_quantity(3)
        (Decimal('0.000001'), 3)
    """
    if isinstance(value, (bool, float)):
        raise ValueError(
            f"quantity must be an int or a Decimal, not {type(value).__name__} ({value!r}): "
            "floats are inexact; pass Decimal('1.5') or the string '1.5'"
        )
    if isinstance(value, int):
        if not 0 <= value < EVENT_QUANTITY_MAX:
            shown = value if value.bit_length() <= 128 else f"an int of {value.bit_length()} bits"
            raise ValueError(f"quantity must be 0 <= q < {EVENT_QUANTITY_MAX}, got {shown}")
        return value
    if not isinstance(value, (str, Decimal)):
        raise ValueError(f"quantity must be an int or a Decimal, not {type(value).__name__}")
    number = parse_decimal(value, what="quantity")
    if number < 0 or number >= EVENT_QUANTITY_MAX:
        raise ValueError(f"quantity must be 0 <= q < {EVENT_QUANTITY_MAX}, got {number}")
    if number != number.quantize(Decimal("0.000001")):
        raise ValueError(f"quantity has more than 6 decimal places, got {number}")
    return number


def to_micros(quantity: int | Decimal) -> int:
    """Exact millionths of a checked quantity.

    Example:
        >>> to_micros(Decimal("1.25")), to_micros(2)
        (1250000, 2000000)
    """
    if isinstance(quantity, int):
        return quantity * MICROS
    return int(quantity.scaleb(6))


def from_micros(micros: int, whole: bool) -> int | Decimal:
    """The quantity for ``micros``: an int when every event was an int, else a Decimal.

    Example:
        >>> from_micros(12500000, False), from_micros(3000000, True)
        (Decimal('12.5'), 3)
    """
    if whole:
        return micros // MICROS
    value = Decimal(micros).scaleb(-6)
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal if isinstance(exponent, int) and exponent <= 0 else normal.quantize(Decimal(1))


class HourResult(ResponseModel):
    """One (buyer, dimension, hour): its summed quantity and where it stands.

    Example:
        >>> from datetime import datetime, timezone
        >>> HourResult(customer_identifier="c", product_code="p", dimension="d",
        ...     hour=datetime(2026, 11, 23, 10, tzinfo=timezone.utc), quantity=3,
        ...     state=HourState.METERED, metering_record_id="mr-1").state
        <HourState.METERED: 'metered'>
    """

    customer_identifier: str | None = None
    """The legacy buyer id, for legacy hours."""
    customer_aws_account_id: str | None = None
    """The buyer's account, for new-integration hours."""
    license_arn: str | None = None
    """The buyer's license, for new-integration hours."""
    product_code: str | None = None
    """The product (always for legacy hours)."""
    dimension: str
    """The dimension."""
    hour: datetime
    """The hour's start (aware, UTC): the record's timestamp."""
    quantity: int | Decimal
    """The exact sum of the hour's events."""
    state: HourState
    """Where the hour stands."""
    metering_record_id: str | None = None
    """The service's MeteringRecordId, once metered."""
    reason: str | None = None
    """Why the hour is not metered (rejected, duplicate, expired, ...)."""
    events: int = 0
    """How many events were summed."""
    attempts: int = 0
    """How many times a worker claimed the hour to send it."""


class FlushReport(ResponseModel):
    """What one ``flush()`` settled.

    Example:
        >>> FlushReport(hours=[]).counts[HourState.METERED]
        0
    """

    hours: list[HourResult] = Field(default_factory=list)
    """One result per hour this flush brought to a terminal state, in settling order."""
    sealed: int = 0
    """Hours this flush sealed (summed and froze)."""
    pending: int = 0
    """Hours still sealed or claimed when the flush returned (left for the next flush)."""
    late_carried: int = 0
    """Late events carried into the oldest open hour since the last flush."""
    late_rejected: int = 0
    """Late events refused with LateEventError since the last flush."""

    @property
    def counts(self) -> dict[HourState, int]:
        """Terminal state -> hours settled by this flush (zeros included)."""
        counts = {state: 0 for state in HourState if state.terminal}
        for hour in self.hours:
            counts[hour.state] = counts.get(hour.state, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        """True when every settled hour was metered and nothing is left pending."""
        return self.pending == 0 and all(h.state is HourState.METERED for h in self.hours)


class LedgerStatus(ResponseModel):
    """A snapshot of the ledger: hours per state and what needs attention.

    Example:
        >>> LedgerStatus(counts={}).oldest_unsent is None
        True
    """

    counts: dict[HourState, int]
    """State -> hours (every state present)."""
    oldest_unsent: datetime | None = None
    """The oldest hour not yet settled (open, sealed or claimed), if any."""
    near_deadline: list[HourResult] = Field(default_factory=list)
    """Unsettled hours within an hour of the service's 24-hour limit."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (for the CLI)."""
        return {
            "counts": {str(state): n for state, n in self.counts.items()},
            "oldest_unsent": None if self.oldest_unsent is None else _iso(self.oldest_unsent),
            "near_deadline": [
                {**h.model_dump(mode="json"), "hour": _iso(h.hour)} for h in self.near_deadline
            ],
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
