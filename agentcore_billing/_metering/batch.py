"""The streaming BatchMeterUsage pipeline: admit, pack, send, settle, yield in order.

The calling thread runs the whole pipeline; worker threads only send requests. Input is
read lazily while fewer than ``window`` records are unanswered, each record is admitted
(see :mod:`.plan`) into a lane (see :mod:`.dispatch`), full requests go out as soon as a
worker is free, and short ones only when the input is exhausted or the window is full.
Every outcome is passed to ``on_result`` the moment it is final (always from the calling
thread, so never two calls at once), and results are yielded in input order as soon as
every earlier record is final: per answered request, not per chunk.

Ending early:

* an interruption (KeyboardInterrupt, SystemExit, an exception from the input, the
  consumer or ``on_result``, the iterator closed) stops the gate at once (no attempt
  starts afterwards, waits wake up), waits for the requests already on the wire, passes
  their outcomes to ``on_result`` (a failure of ``on_result`` then is logged, not
  raised: the interruption propagates unchanged);
* a failure no record caused aborts: the same, then ``MeteringAborted`` whose report
  holds every record not yet yielded, answered ones with their outcomes and the rest
  UNPROCESSED (``maybe_billed`` when an attempt that carried it went unanswered); when
  the very first request found no credentials or Region, that ``ConfigurationError``
  is raised itself (no request was sent);
* the breaker (``breaker`` requests in a row failed on throttling, 5xx or transport
  errors) or the batch deadline halts sending: every record still waiting, and every
  record read afterwards, is reported UNPROCESSED at once.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from agentcore_billing._core.clock import Clock, Monotonic, Sleep
from agentcore_billing._core.clock import monotonic as real_monotonic
from agentcore_billing._core.errors import ConfigurationError, MeteringAborted
from agentcore_billing._core.retry import RetryPolicy

from .dispatch import Job, Lanes, Workers
from .gate import Gate
from .packing import MAX_RECORDS_PER_REQUEST, GroupKey, halves
from .plan import Admitter, Entry, HourBook, RecordName, Settled, hour_key, repeat_of
from .results import BatchMeterReport, InputRecord, MeteringOutcome, UsageRecordResult
from .send import Sent

logger = logging.getLogger(__name__)

MAX_SPLIT_CALLS = 2 * MAX_RECORDS_PER_REQUEST - 2
"""Extra calls bisection may spend on one packed request (a full tree over 25 records)."""

SHUTDOWN_WAIT = 75.0
"""Most seconds an ending call waits for requests already on the wire (a read timeout)."""

OnResult = Callable[[UsageRecordResult], object]


def hour_book(window: int, name: RecordName | None = None) -> HourBook:
    """The same-hour book of a call reading ``window`` records ahead (also for checks)."""
    return HourBook(max(8192, 4 * window), name=name)


@dataclass(slots=True)
class _Slot:
    index: int
    item: object
    result: UsageRecordResult | None = None
    hour: tuple[object, ...] | None = None
    entry: Entry | None = None


@dataclass(frozen=True)
class Settings:
    """How one batch call runs."""

    window: int
    max_workers: int
    policy: RetryPolicy
    breaker: int = 3
    deadline: float | None = None


class BatchRun:
    """One batch call; iterate :meth:`results` once."""

    def __init__(
        self,
        records: Iterable[object],
        *,
        admitter: Admitter,
        send: Callable[[Job], Sent],
        gate: Gate,
        settings: Settings,
        clock: Clock,
        monotonic: Monotonic,
        sleep: Sleep,
        backoff: Callable[[int], float],
        on_result: OnResult | None = None,
        record_name: RecordName | None = None,
    ) -> None:
        self._input = iter(records)
        self._admit = admitter
        self._send = send
        self._gate = gate
        self._settings = settings
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._backoff = backoff
        self._on_result = on_result
        self._slots: deque[_Slot] = deque()
        self._pending: dict[int, _Slot] = {}
        self._book = hour_book(settings.window, record_name)
        self._lanes = Lanes(max_records=admitter.max_records)
        self._workers = Workers(settings.max_workers, send)
        self._refused: dict[GroupKey, str] = {}
        self._read = 0
        self._exhausted = False
        self._halted: str | None = None
        self._failures = 0
        self._abort: Sent | None = None
        self._stopping = False
        self._answers = 0
        self._started = monotonic()

    def results(self) -> Generator[UsageRecordResult, None, None]:
        """Yield one result per input record, in input order."""
        finished = False
        try:
            while self._slots or not self._exhausted:
                self._gate.renew()
                self._fill()
                self._dispatch()
                while self._slots and self._slots[0].result is not None:
                    slot = self._slots.popleft()
                    del self._pending[slot.index]
                    assert slot.result is not None
                    yield slot.result
                    self._gate.renew()
                if self._abort is not None:
                    self._raise_abort()
                self._wait()
            finished = True
        finally:
            self._shutdown(finished)

    # -- reading and admitting ------------------------------------------------------

    def _fill(self) -> None:
        if self._exhausted or len(self._slots) >= self._settings.window:
            return
        if self._abort is not None:
            return
        now = self._clock()
        while len(self._slots) < self._settings.window:
            try:
                item = next(self._input)
            except StopIteration:
                self._exhausted = True
                return
            self._add(self._read, item, now)
            self._read += 1

    def _add(self, index: int, item: object, now: datetime) -> None:
        slot = _Slot(index, item)
        self._slots.append(slot)
        self._pending[index] = slot
        entry, record, reason = self._admit(index, item, now)
        if entry is None or record is None:
            self._settle(slot, Settled(MeteringOutcome.REJECTED, reason=reason))
            return
        refused = self._refused.get(entry.group)
        if refused is not None:
            self._settle(slot, _group_refused(refused))
            return
        hour = hour_key(entry, record)
        verdict, info = self._book.check(hour, index, entry.key, record.quantity)
        if verdict == "conflict":
            self._settle(slot, Settled(MeteringOutcome.REJECTED, reason=info))
        elif verdict == "repeat":
            if info.settled is not None:
                self._settle(slot, repeat_of(info.index, info.settled, self._book.name))
            else:
                info.repeats.append(index)
        else:
            slot.hour, slot.entry = hour, entry
            if self._halted is not None:
                self._settle(slot, _unsent(self._halted, entry))
            else:
                self._lanes.add(entry)

    # -- sending --------------------------------------------------------------------

    def _dispatch(self) -> None:
        self._check_deadline()
        while self._halted is None and self._abort is None:
            if self._workers.in_flight >= self._settings.max_workers:
                return
            job = self._lanes.take(self._monotonic(), partial=self._may_send_short())
            if job is None:
                return
            if self._settings.max_workers == 1 or self._alone():
                self._handle(job, self._send(job))
                return  # hand its results out before the next request
            else:
                self._workers.submit(job)

    def _may_send_short(self) -> bool:
        """A short request goes only when no record can join it: the input is exhausted
        (or the window full), no resend is waiting for its back-off and no request is
        on the wire (its unprocessed records would come back to fill it)."""
        if not (self._exhausted or len(self._slots) >= self._settings.window):
            return False
        return self._lanes.next_due() is None and not self._workers.in_flight

    def _alone(self) -> bool:
        """One request and nothing else to do: a thread would cost more than it saves."""
        return self._exhausted and not self._workers.in_flight and not self._lanes.waiting

    def _wait(self) -> None:
        done = self._workers.collect(timeout=0.25)
        if done is not None:
            self._handle(*done)
            while (done := self._workers.collect(timeout=None)) is not None:
                self._handle(*done)
            return
        due = self._lanes.next_due()
        if due is not None and not self._workers.in_flight:
            self._gate.sleep(due - self._monotonic(), self._sleep)

    def _check_deadline(self) -> None:
        deadline = self._settings.deadline
        elapsed = self._monotonic() - self._started
        if self._halted is None and deadline is not None and elapsed > deadline:
            self._halt(f"batch deadline of {deadline:g}s passed")

    # -- settling -------------------------------------------------------------------

    def _handle(self, job: Job, sent: Sent) -> None:
        self._answers += sent.kind in ("answered", "record", "group", "transient")
        if sent.unanswered:
            for entry in job.batch:
                entry.unanswered = True
        if sent.kind == "answered":
            self._failures = 0
            self._answered(job, sent)
        elif sent.kind == "record":
            self._failures = 0
            self._bisect(job, sent)
        elif sent.kind == "group":
            self._refused.setdefault(job.group, sent.code)
            self._settle_all(job.batch, Settled(MeteringOutcome.REJECTED, reason=sent.reason))
            self._settle_all(self._lanes.drop_group(job.group), _group_refused(sent.code))
        elif sent.kind == "transient":
            self._transient(job, sent)
        elif sent.kind in ("abort", "crash"):
            self._abort = self._abort or sent
            self._gate.stop()

    def _answered(self, job: Job, sent: Sent) -> None:
        for entry in job.batch:
            settled = sent.finals.get(entry.index)
            if settled is not None:
                self._settle_entry(entry, settled)
        now = self._monotonic()
        for entry in sent.unprocessed:
            entry.rounds += 1
            entry.started = now if entry.started is None else entry.started
            wait = self._backoff(entry.rounds)
            if self._halted is not None:
                self._settle_entry(entry, _unsent(self._halted, entry))
            elif self._spent(entry, now + wait):
                reason = (
                    f"UnprocessedRecords: still unprocessed after {entry.rounds} submissions "
                    "(retry budget exhausted); resending it is safe"
                )
                self._settle_entry(entry, _unprocessed(reason, entry))
            else:
                self._lanes.resend_at(entry, now + wait)

    def _spent(self, entry: Entry, resend: float) -> bool:
        """Whether resending ``entry`` at ``resend`` would break the retry policy."""
        policy = self._settings.policy
        if entry.rounds >= policy.max_attempts:
            return True
        started = entry.started if entry.started is not None else resend
        return policy.deadline is not None and resend - started > policy.deadline

    def _bisect(self, job: Job, sent: Sent) -> None:
        if len(job.batch) == 1:
            self._settle_all(job.batch, Settled(MeteringOutcome.REJECTED, reason=sent.reason))
        elif job.budget.calls + 2 > MAX_SPLIT_CALLS:
            reason = (
                f"{sent.code}: the refused record was not isolated within "
                f"{MAX_SPLIT_CALLS} extra calls"
            )
            self._settle_all(job.batch, Settled(MeteringOutcome.UNPROCESSED, reason=reason))
        else:
            job.budget.calls += 2
            left, right = halves(job.batch)
            logger.debug(
                "BatchMeterUsage: %s for %d records, splitting %d + %d",
                sent.code,
                len(job.batch),
                len(left),
                len(right),
            )
            self._lanes.split(Job(job.group, right, job.budget))
            self._lanes.split(Job(job.group, left, job.budget))

    def _transient(self, job: Job, sent: Sent) -> None:
        reason = f"{sent.reason} (retry budget exhausted)"
        for entry in job.batch:
            self._settle_entry(entry, _unprocessed(reason, entry))
        self._failures += 1
        if self._failures >= self._settings.breaker and self._halted is None:
            self._halt(
                f"{self._failures} requests in a row failed ({sent.code}): sending stopped "
                "(circuit breaker)"
            )

    def _halt(self, why: str) -> None:
        logger.debug("BatchMeterUsage: halting: %s", why)
        self._halted = why
        for entry in self._lanes.drain():
            self._settle_entry(entry, _unsent(why, entry))

    def _settle_all(self, entries: Iterable[Entry], settled: Settled) -> None:
        for entry in entries:
            self._settle_entry(entry, settled)

    def _settle_entry(self, entry: Entry, settled: Settled) -> None:
        slot = self._pending.get(entry.index)
        if slot is None or slot.result is not None:
            return
        self._settle(slot, settled)
        if slot.hour is not None:
            for index in self._book.settle(slot.hour, entry.index, settled):
                repeat = self._pending.get(index)
                if repeat is not None and repeat.result is None:
                    self._settle(repeat, repeat_of(entry.index, settled, self._book.name))

    def _settle(self, slot: _Slot, settled: Settled) -> None:
        slot.result = UsageRecordResult(
            record=cast(InputRecord, slot.item),  # garbage from untyped callers is REJECTED
            outcome=settled.outcome,
            metering_record_id=settled.metering_record_id,
            reason=settled.reason,
            index=slot.index,
            maybe_billed=settled.maybe_billed,
        )
        if self._on_result is None:
            return
        if not self._stopping:
            self._on_result(slot.result)
            return
        try:  # while an interruption propagates, a failing callback must not replace it
            self._on_result(slot.result)
        except Exception:
            logger.debug("BatchMeterUsage: on_result failed while stopping", exc_info=True)

    # -- ending ---------------------------------------------------------------------

    def _raise_abort(self) -> None:
        sent = self._abort
        assert sent is not None
        self._drain_in_flight()
        if sent.error is not None and (sent.kind == "crash" or self._setup_error(sent)):
            raise sent.error
        reason = f"not sent: the batch was aborted ({sent.reason})"
        for slot in self._slots:
            if slot.result is None:
                entry = slot.entry
                self._settle(
                    slot,
                    _unprocessed(reason, entry)
                    if entry is not None
                    else Settled(MeteringOutcome.UNPROCESSED, reason=reason),
                )
        report = BatchMeterReport(results=[slot.result for slot in self._slots if slot.result])
        self._slots.clear()
        self._pending.clear()
        raise MeteringAborted(
            f"BatchMeterUsage aborted: {sent.reason}; no record caused it "
            f"({len(report.results)} records not yet returned are in .report)",
            report,
        ) from sent.error

    def _setup_error(self, sent: Sent) -> bool:
        """No credentials or Region before any answer: nothing was sent, so the setup
        error itself is the clearest thing to raise (there is nothing to report)."""
        return isinstance(sent.error, ConfigurationError) and not self._answers

    def _drain_in_flight(self) -> None:
        waited_until = real_monotonic() + SHUTDOWN_WAIT
        while self._workers.in_flight and real_monotonic() < waited_until:
            done = self._workers.collect(timeout=0.25)
            if done is not None:
                self._handle(*done)

    def _shutdown(self, finished: bool) -> None:
        self._gate.stop()
        self._workers.close()
        if not finished:
            self._stopping = True
            self._drain_in_flight()


def _unprocessed(reason: str, entry: Entry | None) -> Settled:
    maybe = entry is not None and entry.unanswered
    if maybe:
        reason += (
            "; an attempt went unanswered, so it may have been billed: resending the "
            "identical record settles it"
        )
    return Settled(MeteringOutcome.UNPROCESSED, reason=reason, maybe_billed=maybe)


def _unsent(why: str, entry: Entry) -> Settled:
    return _unprocessed(f"not sent: {why}; resending it is safe", entry)


def _group_refused(code: str) -> Settled:
    return Settled(
        MeteringOutcome.REJECTED,
        reason=f"{code}: the service refused this product's requests earlier in this call",
    )
