"""Writing events: ``record_many`` in one transaction, ``record`` by group commit.

Durable on return means a commit per call, and a commit costs a disk flush: 2-3k per
second on SQLite. So concurrent ``record()`` calls share commits: the first caller to
find no write in progress becomes the leader, takes every event queued so far (its own
and those of the threads waiting behind it), writes them in one transaction and wakes
them all; while it writes, the next callers queue up for the following commit. Nobody
returns before the commit that holds their event, and no background thread exists
that a crash could strand events in.

Each writing transaction reads the sealing watermark first (PostgreSQL: ``FOR SHARE``;
the sealer takes it ``FOR UPDATE``), so an event is either in an hour before the sealer
sums it or, if the hour is sealed, carried or refused - never stored where no seal will
ever count it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from pydantic import ValidationError

from agentcore_billing._core.errors import InvalidInputError, LateEventError

from .hooks import crash_point
from .models import UsageEvent
from .rows import EVENT_COLUMNS, EventRow, at_epoch, carried, event_row
from .store import Store, Tx

CHUNK = 2000
"""Events converted and inserted per ``executemany`` inside one record_many transaction."""
GROUP_MAX = 500
"""Most events one group commit writes (11 parameters each stays under SQLite's limit)."""
GATHER_S = 0.0005
"""How long a group-commit leader waits for the callers of the last group to queue again."""
FUTURE_SLACK_US = 5 * 60 * 1_000_000
"""Events stamped more than five minutes ahead of the clock are refused."""

_INSERT = f"INSERT INTO ledger_events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_ON_CONFLICT = " ON CONFLICT (event_id) DO NOTHING"
_ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class RecordSummary:
    """What one ``record_many`` call stored.

    Attributes:
        stored: events stored now.
        duplicates: events whose event_id was already recorded (silent no-ops).
        carried: late events carried into the oldest open hour.

    Example:
        >>> RecordSummary(stored=3, duplicates=1, carried=0).total
        4
    """

    stored: int
    duplicates: int
    carried: int

    @property
    def total(self) -> int:
        """Every event the call received."""
        return self.stored + self.duplicates


def watermark(tx: Tx) -> int | None:
    """The sealing watermark (epoch seconds), read with a share lock."""
    rows = tx.execute("SELECT sealed_before FROM ledger_meta WHERE id = 1{for_share}")
    value = rows[0][0] if rows else None
    return None if value is None else int(value)


def to_event(item: object, index: int) -> UsageEvent:
    """A :class:`UsageEvent` from an event or a mapping of its fields."""
    if isinstance(item, UsageEvent):
        return item
    if isinstance(item, Mapping):
        try:
            return UsageEvent.model_validate(item)
        except ValidationError as err:
            raise invalid_event(err, f"events[{index}]") from None
    raise InvalidInputError(
        f"events[{index}]", "a UsageEvent or a dict of its fields", type(item).__name__
    )


def invalid_event(err: ValidationError, where: str) -> InvalidInputError:
    """One InvalidInputError naming the first broken field of ``err``."""
    first = err.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "event"
    value = first.get("input")
    shown = None if isinstance(value, Mapping) else repr(value)[:80]
    return InvalidInputError(f"{where}.{field}" if where else field, first["msg"], shown)


class Ingest:
    """The write side of a ledger."""

    def __init__(self, store: Store, *, reject_late: bool, now_us: Any) -> None:
        self._store = store
        self._reject_late = reject_late
        self._now_us = now_us
        self._cond = threading.Condition()
        self._queue: list[_Ticket] = []
        self._writing = False
        self._gathering = False
        self._last_group = 1

    # -- record_many -------------------------------------------------------------

    def record_many(self, events: Iterable[UsageEvent | Mapping[str, Any]]) -> RecordSummary:
        """Store ``events`` in one transaction, all or nothing."""
        if isinstance(events, (str, bytes, Mapping, UsageEvent)) or not isinstance(
            events, Iterable
        ):
            raise InvalidInputError("events", "an iterable of UsageEvent", type(events).__name__)
        try:
            return self._store_all(events)
        except _Refused as refused:
            raise self._refused(refused.late, refused.first, refused.mark) from None

    def _store_all(self, events: Iterable[UsageEvent | Mapping[str, Any]]) -> RecordSummary:
        stored = total = late = 0
        first_late: EventRow | None = None
        with self._store.write() as tx:
            mark = watermark(tx)
            for rows in _row_chunks(events, self._now_us()):
                total += len(rows)
                chunk = rows
                if mark is not None and min(row[7] for row in rows) < mark:
                    chunk, moved, first = _place(rows, mark)
                    late += moved
                    first_late = first_late or first
                if not (self._reject_late and late):
                    stored += tx.executemany(_INSERT + _ON_CONFLICT, chunk)
            if late and self._reject_late:
                raise _Refused(late, first_late, mark)  # rolls the whole call back
            if late:
                tx.execute("INSERT INTO ledger_late (kind, n) VALUES ('carried', ?)", (late,))
            crash_point("record_many.before_commit")
        return RecordSummary(stored=stored, duplicates=total - stored, carried=late)

    def _refused(self, late: int, first: EventRow | None, mark: int | None) -> LateEventError:
        with self._store.write() as tx:
            tx.execute("INSERT INTO ledger_late (kind, n) VALUES ('rejected', ?)", (late,))
        assert first is not None and mark is not None
        return LateEventError(
            f"event {first[0]!r}: its hour {_hour_text(first)} is already sealed (every hour "
            f"before {_iso(at_epoch(mark))} is); late_events='reject' refused {late} late "
            "event(s) and stored none of this call"
        )

    # -- record (group commit) -----------------------------------------------------

    def record(self, event: UsageEvent) -> bool:
        """Store one event durably; True when new, False for a repeated event_id."""
        row = event_row(event)
        _check_future(row, self._now_us(), 0)
        ticket = _Ticket(row)
        with self._cond:
            self._queue.append(ticket)
            if self._gathering:
                self._cond.notify_all()  # the leader is waiting for the group to form
            while not ticket.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                self._gather()
                batch, self._queue = self._queue[:GROUP_MAX], self._queue[GROUP_MAX:]
                self._cond.release()
                try:
                    self._write_group(batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._last_group = len(batch)
                    self._cond.notify_all()
        return ticket.outcome()

    def _gather(self) -> None:
        # The callers the last commit released come back a few microseconds apart; the
        # first of them would otherwise commit alone and the rest wait a whole commit.
        # So when the last group had company, the leader waits (at most GATHER_S, far
        # below one commit) until as many callers have queued again.
        wanted = min(self._last_group, GROUP_MAX)
        if wanted > 1 and len(self._queue) < wanted:
            self._gathering = True
            self._cond.wait_for(lambda: len(self._queue) >= wanted, timeout=GATHER_S)
            self._gathering = False

    def _write_group(self, batch: list[_Ticket]) -> None:
        try:
            with self._store.write() as tx:
                mark = watermark(tx)
                keep = self._sort_late(batch, mark)
                inserted = _insert_returning(tx, [t.row for t in keep]) if keep else set()
                for ticket in keep:
                    ticket.stored = ticket.row[0] in inserted
                    inserted.discard(ticket.row[0])  # a repeat within the group is a duplicate
                self._log_late(tx, batch)
                crash_point("record.before_commit")
        except BaseException as err:
            for ticket in batch:
                ticket.error = ticket.error or err
            raise_if_interrupt(err)
        finally:
            for ticket in batch:
                ticket.done = True

    def _sort_late(self, batch: list[_Ticket], mark: int | None) -> list[_Ticket]:
        keep = []
        for ticket in batch:
            if mark is not None and ticket.row[7] < mark:
                if self._reject_late:
                    ticket.error = LateEventError(
                        f"event {ticket.row[0]!r}: its hour {_hour_text(ticket.row)} is already "
                        f"sealed (late_events='reject'); not stored"
                    )
                    ticket.late = True
                    continue
                ticket.row, ticket.late = carried(ticket.row, mark), True
            keep.append(ticket)
        return keep

    def _log_late(self, tx: Tx, batch: Sequence[_Ticket]) -> None:
        late = sum(1 for t in batch if t.late)
        if late:
            kind = "rejected" if self._reject_late else "carried"
            tx.execute("INSERT INTO ledger_late (kind, n) VALUES (?, ?)", (kind, late))


class _Refused(Exception):  # noqa: N818 - internal signal, never escapes
    def __init__(self, late: int, first: EventRow | None, mark: int | None) -> None:
        self.late, self.first, self.mark = late, first, mark


class _Ticket:
    __slots__ = ("done", "error", "late", "row", "stored")

    def __init__(self, row: EventRow) -> None:
        self.row = row
        self.done = False
        self.stored = False
        self.late = False
        self.error: BaseException | None = None

    def outcome(self) -> bool:
        if self.error is not None:
            raise self.error
        return self.stored


def raise_if_interrupt(err: BaseException) -> None:
    """Let KeyboardInterrupt and SystemExit through at once (other errors go to tickets)."""
    if not isinstance(err, Exception):
        raise err


def _insert_returning(tx: Tx, rows: Sequence[EventRow]) -> set[str]:
    values = ", ".join([_ROW_VALUES] * len(rows))
    sql = f"INSERT INTO ledger_events ({EVENT_COLUMNS}) VALUES {values}{_ON_CONFLICT}"
    sql += " RETURNING event_id"
    flat = [value for row in rows for value in row]
    return {str(r[0]) for r in tx.execute(sql, flat)}


def _row_chunks(
    events: Iterable[UsageEvent | Mapping[str, Any]], now_us: int
) -> Iterator[list[EventRow]]:
    """Rows of ``events``, CHUNK at a time (one list comprehension per chunk: the
    per-event cost is what separates record_many from the raw driver)."""
    source = iter(events)
    index = 0
    while chunk := list(islice(source, CHUNK)):
        if all(type(item) is UsageEvent for item in chunk):
            rows = [event_row(item) for item in chunk]  # type: ignore[arg-type]
        else:
            rows = [event_row(to_event(item, index + n)) for n, item in enumerate(chunk)]
        latest = max(row[6] for row in rows)
        if latest > now_us + FUTURE_SLACK_US:
            first = next(n for n, row in enumerate(rows) if row[6] == latest)
            _check_future(rows[first], now_us, index + first)
        index += len(chunk)
        yield rows


def _check_future(row: EventRow, now_us: int, index: int) -> None:
    if row[6] > now_us + FUTURE_SLACK_US:
        raise InvalidInputError(
            f"events[{index}].at",
            "must not lie more than 5 minutes in the future",
            _iso(at_epoch(row[6] / 1_000_000)),
        )


def _place(chunk: list[EventRow], mark: int) -> tuple[list[EventRow], int, EventRow | None]:
    late = 0
    first: EventRow | None = None
    placed = []
    for row in chunk:
        if row[7] < mark:
            late += 1
            first = first or row
            placed.append(carried(row, mark))
        else:
            placed.append(row)
    return placed, late, first


def _hour_text(row: EventRow) -> str:
    return _iso(at_epoch(row[6] // 3_600_000_000 * 3600))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
