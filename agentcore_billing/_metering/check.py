"""Checking records as a batch call would before sending, and sending nothing.

``MeteringClient.check_batch`` runs the batch path's own admission (the
:class:`~.plan.Admitter`: field rules, time window, product code, request size) and its
same-hour book (:class:`~.plan.HourBook`, sized as a batch call sizes it), in the same
order, so a record it passes is one a batch call would send, and a record it refuses is
one a batch call would report REJECTED with the same reason.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Generic, cast

from pydantic import Field, SerializeAsAny, SkipValidation

from agentcore_billing._core.clock import Clock
from agentcore_billing._core.models import ResponseModel

from .plan import Admitter, HourBook, hour_key, repeat_note
from .results import InputRecord, RecordT_co


class RecordCheck(ResponseModel, Generic[RecordT_co]):
    """What a batch call would do with one record before sending it.

    Example:
        >>> check = RecordCheck(record={"dimension": ""}, index=0, reason="dimension: too short")
        >>> check.ok, check.reason
        (False, 'dimension: too short')
    """

    # Kept as given, never validated or copied: the input's identity is the correlation.
    record: SerializeAsAny[SkipValidation[RecordT_co]]
    """The very object you passed in."""
    index: int = Field(ge=0)
    """The record's position in the input."""
    reason: str | None = None
    """Why a batch call would refuse it before sending (its result would be REJECTED
    with this reason); ``None`` when it would be sent."""
    conflicts_with: int | None = None
    """For a same-hour conflict: the index of the earlier record with the same
    customer, dimension and hour."""
    repeat_of: int | None = None
    """For a true repeat (identical, timestamp included): the index of the earlier
    record; it is sent once and this one shares its outcome."""
    note: str | None = None
    """For a true repeat: what its result would say (``repeat of record #3 ...``)."""

    @property
    def ok(self) -> bool:
        """True when a batch call would send it (or, for a repeat, count it once)."""
        return self.reason is None


def check_records(
    records: Iterable[object], *, admitter: Admitter, book: HourBook, clock: Clock, every: int
) -> Generator[RecordCheck, None, None]:
    """One :class:`RecordCheck` per record, in order; "now" is read every ``every`` records,
    as a batch call reads it once per read-ahead."""
    now = clock()
    for index, item in enumerate(records):
        if index and index % every == 0:
            now = clock()
        given = cast(InputRecord, item)  # garbage from untyped callers is refused
        entry, record, reason = admitter(index, item, now)
        if entry is None or record is None:
            yield RecordCheck(record=given, index=index, reason=reason)
            continue
        hour = hour_key(entry, record)
        verdict, info = book.check(hour, index, entry.key, record.quantity)
        if verdict == "conflict":
            first = book.first_index(hour)
            yield RecordCheck(record=given, index=index, reason=info, conflicts_with=first)
        elif verdict == "repeat":
            note = repeat_note(info.index, book.name)
            yield RecordCheck(record=given, index=index, repeat_of=info.index, note=note)
        else:
            yield RecordCheck(record=given, index=index)
