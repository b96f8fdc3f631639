"""Admitting input records one at a time, and the same-hour book that keeps outcomes honest.

For each input item, in order:

1. Validate it into a :class:`UsageRecord` (dicts are validated; anything that fails is
   ``REJECTED`` with the field and rule as the reason).
2. Check its timestamp against the :class:`TimeWindow` (future timestamps are refused,
   as the service refuses them). A record within a few minutes of either edge of the
   window is *suspect*: it is packed only with other suspects, so if the service's clock
   disagrees with ours, bisection runs among the suspects and not among good records.
3. Find its group: legacy records go with the request ``ProductCode`` (the call's, else
   the client's; none at all is a rejection); new-integration records go without one.
   A LicenseArn does not spell out its product, so new-integration records share
   requests only when the call names their product (the call's ``product_code``: used
   for grouping, never sent with them). Otherwise each license is its own group.
4. Refuse a record too large to fit in any request.
5. Check it against the :class:`HourBook`, the bounded memory of the first record seen
   for each customer, dimension and hour of this call: a true repeat (identical wire
   content, timestamp included) is not sent again and shares the first one's outcome;
   any other record for that hour is refused as a same-hour conflict, whether its
   quantity differs (the service would answer DuplicateRecord) or not (the service
   would answer Success with the first record's id and bill only the first).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import ValidationError

from agentcore_billing._core.validation import describe_validation_error

from .packing import (
    MAX_RECORDS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    PLAIN_RECORD_MAX_BYTES,
    GroupKey,
    request_overhead,
    wire_json,
)
from .records import UsageRecord
from .results import MeteringOutcome
from .window import BATCH_MAX_AGE, TimeWindow

SUSPECT_MARGIN = timedelta(minutes=2)
"""Records this close to an edge of the time window are packed apart (see step 2)."""

MAX_REASON = 2000
"""The longest reason a result carries; longer text is cut (input-driven sizes stay bounded)."""


class Settled(NamedTuple):
    """The settled outcome of one sent or refused record (a tuple: cheap to build)."""

    outcome: MeteringOutcome
    metering_record_id: str | None = None
    reason: str | None = None
    maybe_billed: bool = False


@dataclass(eq=False, slots=True)
class Entry:
    """One admitted record on its way to the service; ``wire`` is sent as is on every try."""

    index: int
    wire: dict[str, Any]
    group: GroupKey
    suspect: bool = False
    second: int = 0
    """The timestamp as whole epoch seconds (what the wire carries)."""
    sized: bool = True
    """Whether its bytes must be counted when packing a request (see ``sizes_matter``)."""
    rounds: int = 0
    """How many times it came back unprocessed."""
    started: float | None = None
    """When it first came back unprocessed (resends stop at the retry deadline)."""
    unanswered: bool = False
    """Whether an attempt that carried it went without an answer (it may be billed)."""
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The canonical JSON of ``wire`` (computed on first use)."""
        if self._text is None:
            self._text = wire_json(self.wire)
        return self._text

    @property
    def size(self) -> int:
        """Bytes of this record in the request body."""
        return len(self.text)

    @property
    def key(self) -> Hashable:
        """Equal for two entries exactly when their wire content is equal."""
        if "UsageAllocations" in self.wire:
            return self.text
        return tuple(self.wire.items())

    @property
    def lane(self) -> tuple[GroupKey, bool]:
        """Entries of one lane may share a request."""
        return self.group, self.suspect


def product_group(product_code: str) -> GroupKey:
    """The group of legacy records sent with request-level ``product_code``."""
    return ("product", product_code)


def request_product_code(group: GroupKey) -> str | None:
    """The request-level ProductCode for a group (``None`` for license groups)."""
    kind, value = group
    return value if kind == "product" else None


def short_text(text: str, limit: int = MAX_REASON) -> str:
    """``text`` cut to ``limit`` characters (with ``...``).

    Example:
        >>> short_text("abcdef", 5)
        'ab...'
    """
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Admitter:
    """Validates one input item into an :class:`Entry`, or says why it is refused.

    Example:
        >>> from datetime import datetime, timezone
        >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
        >>> admit = Admitter(window=TimeWindow(), product_code="prod-1")
        >>> entry, record, _ = admit(0, {"timestamp": now.replace(minute=0), "dimension": "d",
        ...                              "quantity": 1, "customer_identifier": "c"}, now)
        >>> entry.group, admit(1, "junk", now)[2][:20]
        (('product', 'prod-1'), 'UsageRecord: Input s')
    """

    def __init__(
        self,
        *,
        window: TimeWindow,
        product_code: str | None,
        licensed_product_code: str | None = None,
        max_records: int = MAX_RECORDS_PER_REQUEST,
        max_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.window = window
        self.product_code = product_code
        self.licensed_product_code = licensed_product_code
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._span: _Span | None = None
        self._sizes_matter: dict[GroupKey, bool] = {}

    def __call__(
        self, index: int, item: object, now: datetime
    ) -> tuple[Entry | None, UsageRecord | None, str | None]:
        """``(entry, record, None)`` when admitted, else ``(None, None, reason)``."""
        record, reason = (item, None) if isinstance(item, UsageRecord) else _as_record(item)
        if record is None:
            return None, None, reason
        group, reason = self._group(record)
        if group is None:
            return None, None, reason
        ts = record.timestamp
        epoch = ts.timestamp() if ts.tzinfo is not None else None
        suspect = self._suspect(epoch, now)
        if epoch is None or suspect is None:
            reason = self.window.violation(ts, now) or "is outside the accepted window"
            return None, None, f"timestamp: {ts.isoformat()} {reason}"
        entry = Entry(index, record.to_wire(), group, suspect, math.floor(epoch))
        reason = self._size_reason(entry)
        return (None, None, reason) if reason is not None else (entry, record, None)

    def _suspect(self, epoch: float | None, now: datetime) -> bool | None:
        """Whether an accepted timestamp is suspect; ``None`` when it is refused."""
        span = self._span
        if span is None or (span.now is not now and span.now != now):
            span = self._span = _Span.at(now, self.window)
        if epoch is None or not (span.too_old < epoch <= span.latest and span.floor <= epoch):
            return None
        return epoch > span.recent or epoch < span.near_limit

    def _group(self, record: UsageRecord) -> tuple[GroupKey | None, str | None]:
        if not record.is_legacy:
            if self.licensed_product_code is not None:
                return ("licensed-product", self.licensed_product_code), None
            return ("license", str(record.license_arn)), None
        if self.product_code is None:
            return None, (
                "product_code: a legacy record (customer_identifier) needs a product code "
                "on the call or the client"
            )
        return product_group(self.product_code), None

    def sizes_matter(self, group: GroupKey, entry: Entry | None = None) -> bool:
        """Whether request byte sizes must be counted for records of ``group``."""
        if entry is not None and "UsageAllocations" in entry.wire:
            return True
        matters = self._sizes_matter.get(group)
        if matters is None:
            overhead = request_overhead(request_product_code(group))
            full = self.max_records * (PLAIN_RECORD_MAX_BYTES + len(", "))
            matters = self._sizes_matter[group] = overhead + full >= self.max_bytes
        return matters

    def _size_reason(self, entry: Entry) -> str | None:
        entry.sized = self.sizes_matter(entry.group, entry)
        if not entry.sized:
            return None
        overhead = request_overhead(request_product_code(entry.group))
        if overhead + entry.size < self.max_bytes:
            return None
        return (
            f"record: {entry.size} bytes serialized; a BatchMeterUsage request must stay "
            f"under {self.max_bytes} bytes (fewer or smaller allocations)"
        )


class _Span(NamedTuple):
    """The accepted window at one ``now``, in epoch seconds (compared once per record)."""

    now: datetime
    too_old: float
    floor: float
    latest: float
    recent: float
    """Later than this is near "now"."""
    near_limit: float
    """Earlier than this is near the service's 24-hour limit."""

    @classmethod
    def at(cls, now: datetime, window: TimeWindow) -> _Span:
        too_old, floor, latest = window.span(now)
        # Near "now" or near the service's 24-hour limit (whatever window was
        # configured): a clock apart from the service's may see it outside.
        stale = max(too_old, now - BATCH_MAX_AGE)
        return cls(
            now,
            too_old.timestamp(),
            floor.timestamp(),
            latest.timestamp(),
            (now - SUSPECT_MARGIN).timestamp(),
            (stale + SUSPECT_MARGIN).timestamp(),
        )


def _as_record(item: object) -> tuple[UsageRecord | None, str | None]:
    if isinstance(item, UsageRecord):
        return item, None
    try:
        return UsageRecord.model_validate(item), None
    except ValidationError as err:
        return None, short_text(describe_validation_error(err))


@dataclass(slots=True)
class _First:
    """The first record of one customer, dimension and hour in this call."""

    index: int
    key: Hashable
    quantity: int | Decimal
    settled: Settled | None = None
    repeats: list[int] = field(default_factory=list)


HourKey = tuple[Any, ...]

RecordName = Callable[[int], str]
"""How a reason names an input record by its index (``record #N`` when none is given)."""


def record_name(index: int, name: RecordName | None = None) -> str:
    """The name a reason gives input record ``index``.

    Example:
        >>> record_name(3), record_name(3, lambda i: f"line {i + 2}")
        ('record #3', 'line 5')
    """
    return f"record #{index}" if name is None else name(index)


class HourBook:
    """The first record of each customer, dimension and hour seen in this call (bounded).

    At most ``capacity`` hours are remembered (oldest forgotten first, never one still
    waiting for its answer while fewer than ``capacity`` records are unanswered): past
    that, the service's own answers decide (an identical resend answers Success, a
    different quantity DuplicateRecord).

    Example:
        >>> book = HourBook(capacity=10)
        >>> book.check(("k",), 0, "wire-a", 1), book.check(("k",), 1, "wire-a", 1)[0]
        (('first', None), 'repeat')
    """

    def __init__(self, capacity: int, *, name: RecordName | None = None) -> None:
        self.capacity = max(1, capacity)
        self.name = name
        """How conflict reasons name records (see :func:`record_name`)."""
        self._firsts: OrderedDict[HourKey, _First] = OrderedDict()

    def check(
        self, hour: HourKey, index: int, key: Hashable, quantity: int | Decimal
    ) -> tuple[str, Any]:
        """``("first", None)``, ``("repeat", first)`` or ``("conflict", reason)``."""
        first = self._firsts.get(hour)
        if first is None:
            self._firsts[hour] = _First(index, key, quantity)
            if len(self._firsts) > self.capacity:
                self._firsts.popitem(last=False)
            return "first", None
        if first.key == key:
            return "repeat", first
        return "conflict", _conflict_reason(hour, first, index, quantity, self.name)

    def first_index(self, hour: HourKey) -> int | None:
        """The index of the first record remembered for ``hour``, if any."""
        first = self._firsts.get(hour)
        return None if first is None else first.index

    def settle(self, hour: HourKey, index: int, settled: Settled) -> list[int]:
        """Record the outcome of first record ``index``; return its waiting repeats."""
        first = self._firsts.get(hour)
        if first is None or first.index != index:
            return []
        first.settled = settled
        repeats, first.repeats = first.repeats, []
        return repeats


def hour_key(entry: Entry, record: UsageRecord) -> HourKey:
    """Who, what and which hour a record bills (the service's deduplication key); the
    hour is counted in hours since the epoch."""
    return (
        entry.group,
        record.customer_identifier,
        record.customer_aws_account_id,
        record.license_arn,
        record.dimension,
        entry.second // 3600,
    )


def repeat_of(first_index: int, settled: Settled, name: RecordName | None = None) -> Settled:
    """The outcome of a true repeat of record ``first_index``: the first one's, said so."""
    note = repeat_note(first_index, name)
    reason = note if settled.reason is None else f"{settled.reason}; {note}"
    return Settled(settled.outcome, settled.metering_record_id, reason, settled.maybe_billed)


def repeat_note(first_index: int, name: RecordName | None = None) -> str:
    """What a result says of a true repeat of record ``first_index``.

    Example:
        >>> repeat_note(0)
        'repeat of record #0 (identical, timestamp included): sent once and counted once'
    """
    return (
        f"repeat of {record_name(first_index, name)} (identical, timestamp included): sent "
        "once and counted once"
    )


def _conflict_reason(
    hour: HourKey, first: _First, index: int, quantity: int | Decimal, name: RecordName | None
) -> str:
    when = f"{datetime.fromtimestamp(hour[-1] * 3600, timezone.utc):%Y-%m-%dT%H}:00Z"
    this = record_name(index, name)
    if first.quantity != quantity:
        what = (
            f"with quantity {first.quantity}, {this} with {quantity}; the service "
            f"would bill only the first (DuplicateRecord)"
        )
    else:
        what = (
            f"and the same quantity {quantity} but not identical (time or allocations "
            f"differ); the service keeps one record per hour and would answer Success for "
            f"{this} without billing it"
        )
    both = (
        f"records #{first.index} and #{index}"
        if name is None
        else f"{name(first.index)} and {this}"
    )
    return (
        f"conflict: {both} have the same customer, dimension and hour ({when}) {what}. "
        "Send one record per customer, dimension and hour: sum the hour first "
        "(UsageLedger aggregates events into hours)"
    )
