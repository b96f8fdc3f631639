"""Running ``meter``: input lines to the library, its answers to the tally and the progress bar.

Results are counted, written to the report and shown on the progress bar from
``on_result``, the moment each one is final, not when the iterator reaches it (it
yields in input order, so one slow request would hold back every later answer).

Ctrl-C while sending goes through :class:`Interrupts`: the run stops at its next safe
point, so every answer that arrived is in the report.
"""

from __future__ import annotations

import _thread
import signal
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, NoReturn

import click

from agentcore_billing import ConfigurationError

from ._output import EXIT_INTERRUPTED
from ._records import Format, ParsedLine, line_numbers
from ._report import ReportFile
from ._summary import UNKNOWN, UNPROCESSED, MeterTally, ProgressHandle

if TYPE_CHECKING:
    from agentcore_billing import MeteringClient, UsageRecord, UsageRecordResult

ESCALATE_AFTER = 1.0
"""Seconds a stop request waits for a safe point before the run is interrupted anyway."""


class Interrupts:
    """Ctrl-C while metering: stop at the next safe point, or a second later.

    A KeyboardInterrupt raised at an arbitrary instant can land while the library is
    handing one request's answers to ``on_result``, and the rest of them would then be
    missing from the report although billed. So the first SIGINT only asks to stop;
    :meth:`check` raises KeyboardInterrupt at the next safe point (between results, or
    before the next input line is handed over). When no safe point comes within
    :data:`ESCALATE_AFTER` seconds (a slow request at the head of the input), or at a
    second Ctrl-C, it is raised at once. Outside the main thread signals are left alone.

    Example:
        >>> stop = Interrupts()
        >>> stop.check()  # nothing was asked: returns
    """

    def __init__(self, escalate_after: float = ESCALATE_AFTER) -> None:
        self.escalate_after = escalate_after
        self.requested = False
        self._raised = False
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None
        self._previous: object = None
        self._installed = False
        self._main = threading.main_thread().ident or 0

    def __enter__(self) -> Interrupts:
        try:
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
            self._installed = True
        except ValueError:  # not the main thread
            pass
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._raised = True  # a late escalation must not interrupt what follows
            if self._timer is not None:
                self._timer.cancel()
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def check(self) -> None:
        """Raise KeyboardInterrupt when a stop was asked for (a safe point)."""
        if self.requested:
            self._raise()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        if self._raised:
            return
        if self.requested:
            self._raise()
        self.requested = True
        self._timer = threading.Timer(self.escalate_after, self._escalate)
        self._timer.daemon = True
        self._timer.start()

    def _escalate(self) -> None:
        with self._lock:
            if self._raised:
                return
            if hasattr(signal, "pthread_kill"):  # a real signal also ends a blocking wait
                signal.pthread_kill(self._main, signal.SIGINT)
            else:  # pragma: no cover - Windows
                _thread.interrupt_main(signal.SIGINT)

    def _raise(self) -> None:
        with self._lock:
            if self._raised:
                return
            self._raised = True
            if self._timer is not None:
                self._timer.cancel()
        raise KeyboardInterrupt


class Feed:
    """The good records of the parsed input, in order; malformed lines go to the tally.

    ``lines[index]`` is the input line of the record handed over at ``index``, so
    reasons can name lines (:meth:`name`).
    """

    def __init__(
        self,
        parsed: Iterable[ParsedLine],
        tally: MeterTally,
        *,
        advance: Callable[[int], None] | None = None,
        stop: Interrupts | None = None,
    ) -> None:
        self._parsed = parsed
        self._tally = tally
        self.advance: Callable[[int], None] = advance or _no_progress
        """Called with 1 for every malformed line (records advance on their results)."""
        self._stop = stop
        self.lines = array("L")
        self.read_to = 0
        """The last input line handed over (or found malformed)."""

    def __iter__(self) -> Iterator[UsageRecord]:
        for item in self._parsed:
            if self._stop is not None:
                self._stop.check()
            self.read_to = item.line
            if item.record is None:
                self._tally.add_malformed(item.line, item.error or "malformed")
                self.advance(1)
                continue
            self._tally.expect(len(self.lines), item.line)
            self.lines.append(item.line)
            yield item.record

    def name(self, index: int) -> str:
        """How reasons name the record handed over at ``index``: by its line."""
        return f"line {self.lines[index]}"


def _no_progress(_count: int) -> None:
    pass


def send(
    metering: MeteringClient,
    feed: Feed,
    tally: MeterTally,
    advance: Callable[[int], None],
    stop: Interrupts | None = None,
) -> None:
    """Meter every record of ``feed``; each result is counted and shown once final."""

    def on_result(result: UsageRecordResult[UsageRecord]) -> None:
        tally.add_result(result)
        advance(1)

    results = metering.iter_batch_meter_usage(feed, on_result=on_result, record_name=feed.name)
    with closing(results):  # closing hands the answers on the wire to on_result
        for _ in results:
            if stop is not None:
                stop.check()


def check(
    metering: MeteringClient, feed: Feed, tally: MeterTally, advance: Callable[[int], None]
) -> None:
    """Check every record of ``feed`` as sending would (nothing is sent)."""
    for result in metering.check_batch(feed, record_name=feed.name):
        tally.add_check(result)
        advance(1)


UNANSWERED = (
    "interrupted before its answer arrived: it may have been billed; metering the "
    "identical record again is safe (it is billed once)"
)
NOT_READ = "not sent: the run stopped before this line was read; metering it again is safe"
NOT_SENT = "not sent: the run stopped before this record was sent; metering it again is safe"


@dataclass(frozen=True)
class Source:
    """Where the input came from (to find the lines an interrupted run never read)."""

    file: str
    fmt: Format


class MeterRun:
    """One metering run with its report; an interrupted run still finishes the report."""

    def __init__(self, source: Source, report: str | None) -> None:
        self._source = source
        self._report = ReportFile(report) if report is not None else None
        on_row = self._report.add if self._report is not None else None
        self.tally = MeterTally(keep_rows=report is not None, on_row=on_row)

    def send(
        self,
        metering: MeteringClient,
        parsed: Iterable[ParsedLine],
        bar: AbstractContextManager[ProgressHandle],
    ) -> MeterTally:
        stop = Interrupts()
        feed = Feed(parsed, self.tally, stop=stop)
        try:
            with bar as advance, stop:
                feed.advance = advance
                send(metering, feed, self.tally, advance, stop)
        except KeyboardInterrupt:
            self._interrupted(feed)
        except Exception as err:
            if self._report is not None:
                if isinstance(err, ConfigurationError):  # raised before anything was sent
                    self._stopped(feed, NOT_SENT, UNPROCESSED, error=err)
                else:
                    self._stopped(feed, UNANSWERED, UNKNOWN, error=err)
            raise
        if self._report is not None:
            self._report.finish(self.tally.report())
        return self.tally

    def _interrupted(self, feed: Feed) -> NoReturn:
        """Say in one line what became of the records; exit 130."""
        tally = self.tally
        answered, unanswered = tally.total, tally.unanswered
        if self._report is None:
            click.echo(
                f"interrupted: {answered} record(s) answered, {unanswered} without an answer "
                "(--report keeps every record's result)",
                err=True,
            )
        else:
            unread = self._stopped(feed, UNANSWERED, UNKNOWN)
            click.echo(
                f"interrupted: {answered} record(s) answered, {unanswered} without an answer "
                f"({UNKNOWN}), {unread} line(s) not read ({UNPROCESSED}); "
                f"report written to {self._report.path}",
                err=True,
            )
        raise click.exceptions.Exit(EXIT_INTERRUPTED)

    def _stopped(
        self, feed: Feed, reason: str, outcome: str, error: BaseException | None = None
    ) -> int:
        """Give every input line without a row one and finish the report; returns how
        many lines were never read."""
        assert self._report is not None
        self._report.close()
        self.tally.add_unanswered(reason, outcome)
        unread = self._unread()
        self.tally.add_unread(unread, NOT_READ)
        document = self.tally.report(interrupted=error is None)
        if error is not None:
            document["aborted"] = str(error)
        if self._source.file == "-":
            document["stdin_read_to_line"] = feed.read_to
        self._report.finish(document)
        return len(unread)

    def _unread(self) -> list[int]:
        """Input lines the run never got to (a file is read again; stdin cannot be)."""
        if self._source.file == "-":
            return []
        have = {row["line"] for row in self.tally.rows}
        with open(self._source.file, encoding="utf-8-sig", newline="") as again:
            return [n for n in line_numbers(again, self._source.fmt) if n not in have]
