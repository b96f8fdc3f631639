"""``agentcore-billing meter FILE``: send usage records from CSV or JSON Lines.

The input is read line by line and streamed through
``MeteringClient.iter_batch_meter_usage`` (bounded memory); a malformed line is reported
with its line number and the good lines are metered anyway.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click
from rich.text import Text

from ._meter_run import Feed, MeterRun, Source, check
from ._options import aws_options, checking_client, metering_client, settings_of
from ._output import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    emit_json,
    stderr_console,
    stdout_console,
)
from ._records import Format, InputFormatError, format_for, read_records
from ._report import write_json
from ._summary import MeterTally, outcome_table, progress_bar

HELP = """Meter usage records from FILE (CSV or JSON Lines; - reads stdin).

Each record goes to BatchMeterUsage (25 per request, paced, retried, unprocessed
records resent); a progress bar shows on a terminal, moving as answers arrive, then a
table of outcomes: SUCCESS, DUPLICATE_RECORD, CUSTOMER_NOT_SUBSCRIBED, REJECTED (refused
before sending or by the service; the reason names lines, e.g. a same-hour conflict
names both), UNPROCESSED, and MALFORMED for lines that could not be read (reported by
line number on stderr; the other lines are still metered).

\b
Columns (CSV header) or keys (JSON Lines):
  timestamp                ISO 8601 with a zone, e.g. 2026-11-23T10:00:00Z (required)
  dimension                usage dimension (required)
  quantity                 integer, or decimal string such as "12.5" (required)
  customer_aws_account_id  + license_arn: new integrations
  license_arn
  customer_identifier      legacy integrations (needs --product-code)
  allocations              optional JSON list of {"quantity": 3, "tags": {"k": "v"}}

The format comes from the extension (.csv, .jsonl, .ndjson, .json) or --format;
for stdin it is guessed from the first line.

--report is written as answers arrive. Ctrl-C stops sending (the requests already on
the wire are answered first), finishes the report with one row per input line and
exits 130: a record whose answer had not arrived is UNKNOWN (it may have been billed;
metering the identical record again is safe, it is billed once), a line not read yet
is UNPROCESSED (not sent). A second Ctrl-C stops at once.

\b
Exit codes:
  0  every record was accepted (SUCCESS; with --dry-run: valid)
  1  some records were not accepted (any other outcome; with --dry-run: some
     would be refused)
  2  bad input: a malformed line (the rest were still sent), a usage error,
     or missing configuration (region, credentials)
  130 interrupted (Ctrl-C)
"""

_SHOWN_PROBLEMS = 20


@click.command("meter", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Input format (default: from the extension).",
)
@click.option(
    "--product-code",
    default=None,
    help="The product: needed for customer_identifier (legacy) records; lets records of "
    "different licenses share requests.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write per-record results (line, outcome, metering_record_id, reason) as JSON, "
    "row by row as answers arrive.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every record as sending would (field rules, the 24-hour window, a "
    "product code for legacy records, same-hour conflicts between lines) and send "
    "nothing; needs no credentials.",
)
@aws_options
@click.pass_context
def meter(
    ctx: click.Context,
    *,
    file: str,
    fmt: Format | None,
    product_code: str | None,
    report: str | None,
    dry_run: bool,
) -> None:
    """Read FILE, meter its records, print a summary and exit with the documented code."""
    settings = settings_of(ctx)
    with _open(file) as stream:
        show_progress = not settings.json and stderr_console().is_terminal
        lines, fmt, total = _prepare(stream, file, fmt, count=show_progress)
        try:
            parsed = read_records(lines, fmt)
        except InputFormatError as err:
            raise CommandError(str(err), exit_code=EXIT_BAD_INPUT) from err
        bar = progress_bar(
            total, enabled=show_progress, description="Checking" if dry_run else "Metering"
        )
        if dry_run:
            tally = MeterTally(keep_rows=report is not None)
            with bar as advance:
                feed = Feed(parsed, tally, advance=advance)
                check(checking_client(product_code), feed, tally, advance)
            if report is not None:
                write_json(report, tally.report(dry_run=True))
        else:
            metering = metering_client(settings, product_code=product_code)
            tally = MeterRun(Source(file, fmt), report).send(metering, parsed, bar)
    _print_summary(tally, json_output=settings.json, dry_run=dry_run)
    ctx.exit(exit_code(tally))


def exit_code(tally: MeterTally) -> int:
    """0 when every record succeeded, 2 when a line was malformed, else 1."""
    if tally.malformed:
        return EXIT_BAD_INPUT
    return EXIT_OK if tally.all_succeeded else EXIT_FAILED


@contextmanager
def _open(file: str) -> Iterator[TextIO]:
    """The input as UTF-8 text (a BOM is skipped); stdin is left open afterwards."""
    if file == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.detach()
        return
    with open(file, encoding="utf-8-sig", newline="") as handle:
        yield handle


def _prepare(
    stream: TextIO, file: str, fmt: Format | None, *, count: bool
) -> tuple[Iterable[str], Format, int | None]:
    """Choose the format and, for a real file shown with a progress bar, count its records."""
    from ._records import sniff_format

    fmt = fmt or format_for(file)
    lines: Iterable[str] = stream
    if fmt is None:
        first, rest = _peek(stream)
        fmt = sniff_format(first)
        lines = _chain(first, rest)
    total = None
    if count and file != "-":
        with open(file, encoding="utf-8-sig", newline="") as counter:
            total = sum(1 for line in counter if line.strip()) - (1 if fmt == "csv" else 0)
    return lines, fmt, total


def _peek(stream: TextIO) -> tuple[str, TextIO]:
    for line in stream:
        if line.strip():
            return line, stream
    return "", stream


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _print_summary(tally: MeterTally, *, json_output: bool, dry_run: bool) -> None:
    if json_output:
        emit_json(tally.summary(dry_run=dry_run))
        return
    err = stderr_console()
    for line, error in tally.malformed[:_SHOWN_PROBLEMS]:
        err.print(Text.assemble((f"line {line}", "yellow"), f": {error}"))
    if len(tally.malformed) > _SHOWN_PROBLEMS:
        err.print(f"... and {len(tally.malformed) - _SHOWN_PROBLEMS} more malformed lines")
    out = stdout_console()
    if dry_run:
        out.print(
            f"dry run: {tally.valid} valid record(s), {tally.refused} refused, "
            f"{len(tally.malformed)} malformed line(s); nothing was sent"
        )
    else:
        out.print(outcome_table(tally.counts(), title=f"Metered {tally.total} record(s)"))
    for (outcome, reason), numbers in _grouped(tally.failures)[:_SHOWN_PROBLEMS]:
        out.print(f"{outcome} x{len(numbers)} ({_lines_text(numbers)}): {reason or '-'}")


def _grouped(rows: Iterable[dict[str, Any]]) -> list[tuple[tuple[str, str | None], list[int]]]:
    """Failures grouped by outcome and reason, in order of first appearance."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for row in rows:
        groups.setdefault((row["outcome"], row["reason"]), []).append(row["line"] or 0)
    return list(groups.items())


def _lines_text(numbers: list[int], shown: int = 5) -> str:
    """``line 7`` or ``lines 7, 9, 12, ...``.

    Example:
        >>> _lines_text([3]), _lines_text([1, 2, 3, 4, 5, 6, 7])
        ('line 3', 'lines 1, 2, 3, 4, 5, ...')
    """
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    text = ", ".join(str(n) for n in numbers[:shown])
    return f"lines {text}{', ...' if len(numbers) > shown else ''}"
