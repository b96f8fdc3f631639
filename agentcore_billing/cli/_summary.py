"""Counting metering outcomes, the outcome table and the progress bar (meter and demo)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
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
    from agentcore_billing import UsageRecord, UsageRecordResult

MALFORMED = "MALFORMED"
"""The pseudo-outcome of an input line that could not be read (never sent)."""

VALID = "VALID"
"""The pseudo-outcome of a record that passed validation in a dry run (nothing was sent)."""

OUTCOME_ORDER = (
    "SUCCESS",
    "DUPLICATE_RECORD",
    "CUSTOMER_NOT_SUBSCRIBED",
    "REJECTED",
    "UNPROCESSED",
)
"""The library's ``MeteringOutcome`` names, in the order tables show them."""


def outcome_name(outcome: Any) -> str:
    """The display name of a ``MeteringOutcome`` (its enum name)."""
    return str(getattr(outcome, "name", outcome))


@dataclass
class MeterTally:
    """Everything a metering run needs to report: counts, failures, per-line rows.

    Results are matched to input line numbers through the record object they carry.
    """

    keep_rows: bool = False
    malformed: list[tuple[int, str]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    valid: int = 0
    _lines: dict[int, int] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)

    def expect(self, record: UsageRecord, line: int) -> None:
        """Remember which input line ``record`` came from."""
        self._lines[id(record)] = line

    def add_valid(self, record: UsageRecord) -> None:
        """Count one record that passed validation (dry run)."""
        self.valid += 1
        line = self._lines.pop(id(record), None)
        if self.keep_rows:
            self.rows.append(_row(line, VALID, None, None))

    def add_malformed(self, line: int, error: str) -> None:
        """Count one input line that could not be read."""
        self.malformed.append((line, error))
        if self.keep_rows:
            self.rows.append(_row(line, MALFORMED, None, error))

    def add_result(self, result: UsageRecordResult) -> None:
        """Count one record's result and keep what the report and summary need."""
        line = self._lines.pop(id(result.record), None)
        name = outcome_name(result.outcome)
        self._counts[name] += 1
        row = _row(line, name, result.metering_record_id, result.reason)
        if name != "SUCCESS":
            self.failures.append(row)
        if self.keep_rows:
            self.rows.append(row)

    @property
    def total(self) -> int:
        """Records that got a result (malformed lines excluded)."""
        return sum(self._counts.values())

    @property
    def all_succeeded(self) -> bool:
        """True when nothing was malformed and every record succeeded."""
        return not self.malformed and self.total == self._counts["SUCCESS"]

    def counts(self) -> dict[str, int]:
        """Outcome counts in table order, malformed lines last (zeros included)."""
        counts = {name: self._counts[name] for name in OUTCOME_ORDER}
        counts.update((k, v) for k, v in self._counts.items() if k not in counts)
        counts[MALFORMED] = len(self.malformed)
        return counts

    def summary(self, *, dry_run: bool = False) -> dict[str, Any]:
        """The ``--json`` output: counts and every problem, by line."""
        if dry_run:
            return {
                "dry_run": True,
                "valid": self.valid,
                "malformed": [{"line": ln, "error": e} for ln, e in self.malformed],
            }
        return {
            "dry_run": False,
            "records": self.total,
            "counts": self.counts(),
            "failures": sorted(self.failures, key=_line_key),
            "malformed": [{"line": ln, "error": e} for ln, e in self.malformed],
        }

    def report(self, *, dry_run: bool = False) -> dict[str, Any]:
        """The ``--report`` file: the summary counts and one row per input record."""
        return {
            "dry_run": dry_run,
            "counts": {VALID: self.valid, MALFORMED: len(self.malformed)}
            if dry_run
            else self.counts(),
            "results": sorted(self.rows, key=_line_key),
        }


def _row(
    line: int | None, outcome: str, record_id: str | None, reason: str | None
) -> dict[str, Any]:
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
