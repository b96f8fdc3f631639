"""Counting metering outcomes, the outcome table and the progress bar (meter and demo)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ._output import stderr_console

if TYPE_CHECKING:
    from agentcore_billing import RecordCheck, UsageRecordResult

MALFORMED = "MALFORMED"
"""The pseudo-outcome of an input line that could not be read (never sent)."""

VALID = "VALID"
"""The pseudo-outcome of a record that passed every check in a dry run (nothing was sent)."""

UNKNOWN = "UNKNOWN"
"""The pseudo-outcome of a record handed to the library whose answer had not arrived when
the run was interrupted: it may have been billed (metering it again is safe)."""

REJECTED = "REJECTED"
UNPROCESSED = "UNPROCESSED"

OUTCOME_ORDER = (
    "SUCCESS",
    "DUPLICATE_RECORD",
    "CUSTOMER_NOT_SUBSCRIBED",
    REJECTED,
    UNPROCESSED,
)
"""The library's ``MeteringOutcome`` names, in the order tables show them."""

_ACCEPTED = frozenset({"SUCCESS", VALID})

Row = dict[str, Any]


def outcome_name(outcome: Any) -> str:
    """The display name of a ``MeteringOutcome`` (its enum name)."""
    return str(getattr(outcome, "name", outcome))


@dataclass
class MeterTally:
    """Everything a metering run needs to report: counts, failures, per-line rows.

    Results are matched to input line numbers through their ``index`` (the position of
    the record in what was handed to the library; see :meth:`expect`). Every row is
    passed to ``on_row`` as it is made (the report file is written as results arrive).
    """

    keep_rows: bool = False
    on_row: Callable[[Row], None] | None = None
    malformed: list[tuple[int, str]] = field(default_factory=list)
    failures: list[Row] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    _pending: dict[int, int] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)

    def expect(self, index: int, line: int) -> None:
        """Record ``index`` (handed to the library) comes from input line ``line``."""
        self._pending[index] = line

    def add_malformed(self, line: int, error: str) -> None:
        """Count one input line that could not be read."""
        self.malformed.append((line, error))
        self._keep(_row(line, MALFORMED, None, error), failure=False)

    def add_result(self, result: UsageRecordResult) -> None:
        """Count one record's result and keep what the report and summary need."""
        line = self._pending.pop(result.index, None)
        self._add(
            _row(line, outcome_name(result.outcome), result.metering_record_id, result.reason)
        )

    def add_check(self, check: RecordCheck) -> None:
        """Count one record checked in a dry run: VALID, or REJECTED with the reason."""
        line = self._pending.pop(check.index, None)
        reason = check.reason if check.reason is not None else check.note
        self._add(_row(line, VALID if check.ok else REJECTED, None, reason))

    def add_unanswered(self, reason: str, outcome: str = UNKNOWN) -> None:
        """Give every record handed over and not answered a row (an interrupted run)."""
        for line in sorted(self._pending.values()):
            self._add(_row(line, outcome, None, reason))
        self._pending.clear()

    @property
    def unanswered(self) -> int:
        """Records handed over whose answer has not arrived."""
        return len(self._pending)

    def add_unread(self, lines: Iterable[int], reason: str) -> None:
        """Mark input lines never handed over UNPROCESSED (an interrupted run)."""
        for line in lines:
            self._add(_row(line, UNPROCESSED, None, reason))

    def _add(self, row: Row) -> None:
        self._counts[row["outcome"]] += 1
        self._keep(row, failure=row["outcome"] not in _ACCEPTED)

    def _keep(self, row: Row, *, failure: bool) -> None:
        if failure:
            self.failures.append(row)
        if self.keep_rows:
            self.rows.append(row)
        if self.on_row is not None:
            self.on_row(row)

    @property
    def total(self) -> int:
        """Records that got a result or a check (malformed lines excluded)."""
        return sum(self._counts.values())

    @property
    def valid(self) -> int:
        """Records that passed every check (dry run)."""
        return self._counts[VALID]

    @property
    def refused(self) -> int:
        """Records a dry run found that sending would refuse."""
        return self._counts[REJECTED]

    @property
    def all_succeeded(self) -> bool:
        """True when nothing was malformed and every record succeeded (or was valid)."""
        return not self.malformed and not self.failures

    def counts(self) -> dict[str, int]:
        """Outcome counts in table order, malformed lines last (zeros included)."""
        counts = {name: self._counts[name] for name in OUTCOME_ORDER}
        counts.update((k, v) for k, v in self._counts.items() if k not in counts)
        counts[MALFORMED] = len(self.malformed)
        return counts

    def summary(self, *, dry_run: bool = False) -> dict[str, Any]:
        """The ``--json`` output: counts and every problem, by line."""
        malformed = [{"line": ln, "error": e} for ln, e in self.malformed]
        if dry_run:
            refused = [{"line": r["line"], "reason": r["reason"]} for r in self.failures]
            return {
                "dry_run": True,
                "valid": self.valid,
                "refused": sorted(refused, key=_line_key),
                "malformed": malformed,
            }
        return {
            "dry_run": False,
            "records": self.total,
            "counts": self.counts(),
            "failures": sorted(self.failures, key=_line_key),
            "malformed": malformed,
        }

    def report(self, *, dry_run: bool = False, interrupted: bool = False) -> dict[str, Any]:
        """The ``--report`` file: the summary counts and one row per input record."""
        counts = (
            {VALID: self.valid, REJECTED: self.refused, MALFORMED: len(self.malformed)}
            if dry_run
            else self.counts()
        )
        document: dict[str, Any] = {
            "dry_run": dry_run,
            "counts": counts,
            "results": sorted(self.rows, key=_line_key),
        }
        if interrupted:
            document["interrupted"] = True
        return document


def _row(line: int | None, outcome: str, record_id: str | None, reason: str | None) -> Row:
    return {"line": line, "outcome": outcome, "metering_record_id": record_id, "reason": reason}


def _line_key(row: Mapping[str, Any]) -> int:
    line = row.get("line")
    return line if isinstance(line, int) else 0


def outcome_table(counts: Mapping[str, int], *, title: str) -> Table:
    """A table of outcome counts (rows with a zero count are shown dimmed)."""
    table = Table(title=title, title_justify="left")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count), style=None if count else "dim")
    return table


class ProgressHandle:
    """What :func:`progress_bar` yields: advance the bar, or change what it says."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, count: int) -> None:
        """Advance the bar by ``count`` records."""
        self._progress.advance(self._task, count)

    def describe(self, text: str) -> None:
        """Replace the bar's description."""
        self._progress.update(self._task, description=text)


@contextmanager
def progress_bar(total: int | None, *, enabled: bool, description: str) -> Iterator[ProgressHandle]:
    """A rich progress bar on stderr, shown only on a terminal; call the handle to advance."""
    console = stderr_console()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not (enabled and console.is_terminal),
    )
    with progress:
        yield ProgressHandle(progress, progress.add_task(description, total=total))
