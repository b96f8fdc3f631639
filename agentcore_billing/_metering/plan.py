"""Turning one chunk of input into BatchMeterUsage requests, and the answers back into results.

For each input item, in order:

1. Validate it into a :class:`UsageRecord` (dicts are validated; anything that fails is
   ``REJECTED`` with the field and rule as the reason).
2. Check its timestamp against the :class:`TimeWindow`.
3. Find its group: legacy records go with the request ``ProductCode`` (the call's, else
   the client's; none at all is a rejection); new-integration records go without one.
   A LicenseArn does not spell out its product, so new-integration records share
   requests only when the call names their product (the call's ``product_code``: used
   for grouping, never sent with them). Otherwise each license is its own group, which
   is always safe but packs fewer records a request. The client's default product code
   is not used for this: it often names a legacy product, and grouping other products'
   licenses under it would mix products in one request.
4. Refuse a record too large to fit in any request.
5. Within the chunk, an exact duplicate (same wire content, same group) is sent once and
   reported with the first copy's outcome; a record for the same customer, dimension and
   hour as an earlier one but with a different quantity is ``REJECTED`` as conflicting
   (the service would answer DuplicateRecord and bill only the first). Across chunks the
   service's own DuplicateRecord answer reports such conflicts.

Each group is then packed, in input order, into requests of at most 25 records and less
than 1 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from pydantic import ValidationError

from agentcore_billing._core.validation import describe_validation_error

from .packing import (
    MAX_RECORDS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    PLAIN_RECORD_MAX_BYTES,
    GroupKey,
    pack,
    request_overhead,
    wire_json,
)
from .records import UsageRecord
from .results import InputRecord, MeteringOutcome, UsageRecordResult
from .window import TimeWindow


@dataclass(frozen=True)
class Settled:
    """The settled outcome of one sent or refused record."""

    outcome: MeteringOutcome
    metering_record_id: str | None = None
    reason: str | None = None


@dataclass
class Entry:
    """One admitted record on its way to the service; ``wire`` is sent as is on every try."""

    index: int
    wire: dict[str, Any]
    group: GroupKey
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
        """Equal for two entries exactly when their wire content is equal.

        A record without allocations is keyed on its wire values (cheaper than JSON);
        datetimes compare by instant, as their epoch seconds on the wire do.
        """
        if "UsageAllocations" in self.wire:
            return self.text
        return tuple(self.wire.items())


Request = tuple[GroupKey, list[Entry]]


@dataclass
class ChunkPlan:
    """What to send for one chunk and what was already decided locally."""

    inputs: list[tuple[int, object]]
    finals: dict[int, Settled] = field(default_factory=dict)
    copies: dict[int, int] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def results(self, answers: Mapping[int, Settled]) -> Iterator[UsageRecordResult]:
        """One result per input, in input order, from local decisions and ``answers``."""
        for index, item in self.inputs:
            source = self.copies.get(index, index)
            final = self.finals.get(source) or answers.get(source) or _NO_ANSWER
            yield UsageRecordResult(
                record=cast(InputRecord, item),  # garbage from untyped callers is REJECTED
                outcome=final.outcome,
                metering_record_id=final.metering_record_id,
                reason=final.reason,
                index=index,
            )


_NO_ANSWER = Settled(MeteringOutcome.UNPROCESSED, reason="no answer was recorded for this record")


def product_group(product_code: str) -> GroupKey:
    """The group of legacy records sent with request-level ``product_code``."""
    return ("product", product_code)


def request_product_code(group: GroupKey) -> str | None:
    """The request-level ProductCode for a group (``None`` for license groups)."""
    kind, value = group
    return value if kind == "product" else None


class ChunkPlanner:
    """Validates, deduplicates, groups and packs one chunk at a time.

    Example:
        >>> from datetime import datetime, timezone
        >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
        >>> planner = ChunkPlanner(window=TimeWindow(), product_code="prod-1")
        >>> plan = planner.plan([(0, {"timestamp": now, "dimension": "d", "quantity": 1,
        ...                          "customer_identifier": "c"}), (1, "junk")], now=now)
        >>> len(plan.requests), plan.finals[1].outcome
        (1, <MeteringOutcome.REJECTED: 'Rejected'>)
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

    def plan(
        self,
        items: Sequence[tuple[int, object]],
        *,
        now: datetime,
        refused_groups: Callable[[GroupKey], str | None] = lambda group: None,
    ) -> ChunkPlan:
        """Plan one chunk; ``refused_groups`` names groups already refused as a whole."""
        plan = ChunkPlan(inputs=list(items))
        moment = _Moment(now, *self.window.span(now))
        seen: dict[tuple[GroupKey, Hashable], int] = {}
        hours: dict[tuple[Any, ...], tuple[int, int | Decimal]] = {}
        groups: dict[GroupKey, list[Entry]] = {}
        for index, item in plan.inputs:
            admitted = self._admit(plan, index, item, moment, refused_groups)
            if admitted is None:
                continue
            entry, record = admitted
            first = seen.setdefault((entry.group, entry.key), index)
            if first != index:
                plan.copies[index] = first
                continue
            conflict = _conflict(hours, entry, record)
            if conflict is not None:
                plan.finals[index] = Settled(MeteringOutcome.REJECTED, reason=conflict)
                continue
            groups.setdefault(entry.group, []).append(entry)
        for group, entries in groups.items():
            plan.requests.extend((group, batch) for batch in self._pack(group, entries))
        return plan

    def _pack(self, group: GroupKey, entries: list[Entry]) -> Iterator[list[Entry]]:
        overhead = request_overhead(request_product_code(group))
        sized = self._sizes_matter(overhead) or any(_allocated(entry) for entry in entries)
        return pack(
            entries,
            _entry_size if sized else _no_size,
            overhead=overhead,
            max_items=self.max_records,
            max_bytes=self.max_bytes,
        )

    def _sizes_matter(self, overhead: int) -> bool:
        """Whether a request of records without allocations could reach the byte limit."""
        full = self.max_records * (PLAIN_RECORD_MAX_BYTES + len(", "))
        return overhead + full >= self.max_bytes

    def _admit(
        self,
        plan: ChunkPlan,
        index: int,
        item: object,
        moment: _Moment,
        refused_groups: Callable[[GroupKey], str | None],
    ) -> tuple[Entry, UsageRecord] | None:
        record, reason = _as_record(item)
        if record is not None:
            group, reason = self._group(record)
            reason = reason or _window_reason(self.window, record, moment)
            if group is not None and reason is None:
                entry = Entry(index, record.to_wire(), group)
                reason = self._size_reason(entry) or _refused_reason(refused_groups(group))
                if reason is None:
                    return entry, record
        plan.finals[index] = Settled(MeteringOutcome.REJECTED, reason=reason)
        return None

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

    def _size_reason(self, entry: Entry) -> str | None:
        overhead = request_overhead(request_product_code(entry.group))
        if not (_allocated(entry) or self._sizes_matter(overhead)):
            return None
        if overhead + entry.size < self.max_bytes:
            return None
        return (
            f"record: {entry.size} bytes serialized; a BatchMeterUsage request must stay "
            f"under {self.max_bytes} bytes (fewer or smaller allocations)"
        )


@dataclass(frozen=True)
class _Moment:
    """The current time for one chunk, with the accepted timestamp span worked out once."""

    now: datetime
    too_old: datetime
    floor: datetime
    latest: datetime


def _allocated(entry: Entry) -> bool:
    return "UsageAllocations" in entry.wire


def _entry_size(entry: Entry) -> int:
    return entry.size


def _no_size(entry: Entry) -> int:
    return 0


def _as_record(item: object) -> tuple[UsageRecord | None, str | None]:
    if isinstance(item, UsageRecord):
        return item, None
    try:
        return UsageRecord.model_validate(item), None
    except ValidationError as err:
        return None, describe_validation_error(err)


def _window_reason(window: TimeWindow, record: UsageRecord, moment: _Moment) -> str | None:
    ts = record.timestamp
    if ts.tzinfo is not None and moment.too_old < ts <= moment.latest and moment.floor <= ts:
        return None
    reason = window.violation(ts, moment.now)
    return None if reason is None else f"timestamp: {ts.isoformat()} {reason}"


def _refused_reason(code: str | None) -> str | None:
    if code is None:
        return None
    return f"{code}: the service refused this product's requests earlier in this call"


def _conflict(
    hours: dict[tuple[Any, ...], tuple[int, int | Decimal]], entry: Entry, record: UsageRecord
) -> str | None:
    hour = record.hour
    key = (
        entry.group,
        record.customer_identifier,
        record.customer_aws_account_id,
        record.license_arn,
        record.dimension,
        hour,
    )
    # Quantities compare by value as they are: 17 == Decimal("17.00").
    value = record.quantity
    first_index, first_value = hours.setdefault(key, (entry.index, value))
    if first_index == entry.index or first_value == value:
        return None
    return (
        f"conflict: record #{first_index} has the same customer, dimension and hour "
        f"({hour:%Y-%m-%dT%H}:00Z) with quantity {first_value}, this one {value}; "
        "the service would bill only the first (DuplicateRecord)"
    )
