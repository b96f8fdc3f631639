"""``agentcore-billing ledger record|flush|status --db URL``: the usage ledger from a shell.

``record`` stores events from CSV or JSON Lines (all of a file or none of it), ``flush``
seals what is due and meters every sealed hour once (run it from cron or a systemd
timer, on one host or several), ``status`` shows hours per state and what needs
attention.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from ._meter import _open
from ._options import aws_options, metering_client, output_options, settings_of
from ._output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CommandError, emit_json, stdout_console
from ._records import format_for, parse_quantity, parse_timestamp, sniff_format
from ._summary import progress_bar

if TYPE_CHECKING:
    from agentcore_billing import FlushReport, HourResult, LedgerStatus, UsageEvent, UsageLedger

DB_ENV = "AGENTCORE_BILLING_LEDGER_URL"
EVENT_FIELDS = (
    "at",
    "dimension",
    "quantity",
    "event_id",
    "customer_aws_account_id",
    "license_arn",
    "customer_identifier",
    "product_code",
)
_SHOWN = 20

db_option = click.option(
    "--db",
    "db",
    envvar=DB_ENV,
    required=True,
    metavar="URL",
    help=f"The ledger: sqlite:///usage.db, sqlite:////abs/usage.db or "
    f"postgresql://user@host:5432/db (env {DB_ENV}).",
)
lateness_option = click.option(
    "--lateness",
    type=click.IntRange(0, 720),
    default=15,
    show_default=True,
    metavar="MINUTES",
    help="How long after an hour ends its events may still arrive (same on every host).",
)


@click.group("ledger")
def ledger() -> None:
    """The durable usage ledger: record events, flush hours to Marketplace, show status."""


def _open_ledger(db: str, *, lateness: int = 15, late_events: str = "carry") -> UsageLedger:
    from agentcore_billing import UsageLedger

    return UsageLedger(
        db,
        lateness=timedelta(minutes=lateness),
        late_events=late_events,  # type: ignore[arg-type]
    )


RECORD_HELP = """Record usage events from FILE (CSV or JSON Lines; - reads stdin).

All events of the file are stored in one transaction, or none: a malformed line is
reported with its number and nothing is stored. A repeated event_id counts once.

\b
Columns (CSV header) or keys (JSON Lines):
  at                       ISO 8601 with a zone, e.g. 2026-11-23T10:05:00Z (required)
  dimension                usage dimension (required)
  quantity                 integer, or decimal string such as "12.5" (required)
  event_id                 your idempotency key (required)
  customer_aws_account_id  + license_arn: new integrations (product_code optional)
  license_arn
  customer_identifier      + product_code: legacy integrations
  product_code
"""


@ledger.command("record", help=RECORD_HELP)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Input format (default: from the extension).",
)
@click.option(
    "--late-events",
    type=click.Choice(["carry", "reject"]),
    default="carry",
    show_default=True,
    help="An event for a sealed hour: carry it, or refuse.",
)
@output_options
@click.pass_context
def record(ctx: click.Context, *, file: str, db: str, fmt: str | None, late_events: str) -> None:
    """Read FILE and record its events in one transaction."""
    settings = settings_of(ctx)
    with _open(file) as stream:
        events, problems = _read_events(stream, fmt or format_for(file))
    if problems:
        for line, error in problems[:_SHOWN]:
            click.echo(f"line {line}: {error}", err=True)
        raise CommandError(
            f"{len(problems)} malformed line(s); nothing was recorded", exit_code=EXIT_BAD_INPUT
        )
    with _open_ledger(db, late_events=late_events) as opened:
        summary = opened.record_many(events)
    result = {
        "stored": summary.stored,
        "duplicates": summary.duplicates,
        "carried": summary.carried,
    }
    if settings.json:
        emit_json(result)
    else:
        stdout_console().print(
            f"recorded {summary.stored} event(s); {summary.duplicates} repeated event_id(s) "
            f"ignored; {summary.carried} late event(s) carried into the oldest open hour"
        )


def _read_events(stream: Iterable[str], fmt: str | None) -> tuple[list[UsageEvent], list[Any]]:
    lines = list(stream)
    if fmt is None:
        first = next((line for line in lines if line.strip()), "")
        fmt = sniff_format(first)
    rows = _csv_rows(lines) if fmt == "csv" else _jsonl_rows(lines)
    events: list[UsageEvent] = []
    problems: list[tuple[int, str]] = []
    for number, fields in rows:
        try:
            events.append(_event(fields))
        except (ValueError, TypeError) as err:
            problems.append((number, _first_line(err)))
    return events, problems


def _csv_rows(lines: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(lines)
    for row in reader:
        yield (
            reader.line_num,
            {k.strip().lower(): v.strip() for k, v in row.items() if k and v and v.strip()},
        )


def _jsonl_rows(lines: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    from decimal import Decimal

    for number, text in enumerate(lines, start=1):
        if text.strip():
            try:
                loaded = json.loads(text, parse_float=Decimal)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict):
                yield number, {"__error__": "not a JSON object"}
                continue
            yield number, {k: v for k, v in loaded.items() if v not in (None, "")}


def _event(fields: dict[str, Any]) -> UsageEvent:
    from agentcore_billing import UsageEvent

    if "__error__" in fields:
        raise ValueError(fields["__error__"])
    unknown = sorted(set(fields) - set(EVENT_FIELDS))
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}")
    missing = [name for name in ("at", "dimension", "quantity", "event_id") if name not in fields]
    if missing:
        raise ValueError(f"{', '.join(missing)}: required")
    values = {k: str(v) for k, v in fields.items()}
    values["at"] = parse_timestamp(fields["at"])  # type: ignore[assignment]
    values["quantity"] = parse_quantity(fields["quantity"], "quantity")  # type: ignore[assignment]
    return UsageEvent.model_validate(values)


def _first_line(err: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(err, ValidationError):
        first = err.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'event'}: {first['msg']}"
    return str(err).splitlines()[0]


FLUSH_HELP = """Seal the hours that are due and meter every sealed hour exactly once.

Run it on a schedule (cron, a systemd timer), on one host or several: workers that
flush the same ledger at once never meter an hour twice and share the 10 requests/s
quota through the database. A progress bar shows on a terminal, then a table of the
hours' outcomes.

\b
Exit codes:
  0  every hour this run settled was metered, and none is left waiting
  1  some hour ended otherwise (not subscribed, rejected, duplicate, expired,
     unconfirmed) or is still waiting for the next run
  2  bad usage or configuration
"""


@ledger.command("flush", help=FLUSH_HELP)
@db_option
@lateness_option
@click.option(
    "--deadline",
    type=click.IntRange(1, 86400),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="Stop sending after this long; the rest waits.",
)
@click.option(
    "--rate",
    type=click.FloatRange(0.1, 1000),
    default=10.0,
    show_default=True,
    help="BatchMeterUsage requests/s for all workers together.",
)
@aws_options
@click.pass_context
def flush(ctx: click.Context, *, db: str, lateness: int, deadline: int, rate: float) -> None:
    """Flush the ledger once and print what became of each hour."""
    settings = settings_of(ctx)
    metering = metering_client(settings)
    show = not settings.json
    with (
        _open_ledger(db, lateness=lateness) as opened,
        progress_bar(None, enabled=show, description="Metering hours") as advance,
    ):
        report = opened.flush(
            metering,
            deadline=timedelta(seconds=deadline),
            max_requests_per_second=rate,
            on_hour=lambda _hour: advance(1),
        )
    _print_flush(report, json_output=settings.json)
    ctx.exit(EXIT_OK if report.ok else EXIT_FAILED)


def _print_flush(report: FlushReport, *, json_output: bool) -> None:
    if json_output:
        emit_json(
            {
                "counts": {str(k): v for k, v in report.counts.items()},
                "sealed": report.sealed,
                "pending": report.pending,
                "late_carried": report.late_carried,
                "late_rejected": report.late_rejected,
                "hours": [_hour_json(h) for h in report.hours],
            }
        )
        return
    out = stdout_console()
    table = Table(title=f"Flushed {len(report.hours)} hour(s)", title_justify="left")
    table.add_column("state")
    table.add_column("hours", justify="right")
    for state, count in report.counts.items():
        table.add_row(str(state), str(count), style=None if count else "dim")
    table.add_row("still waiting", str(report.pending), style=None if report.pending else "dim")
    out.print(table)
    out.print(
        f"sealed {report.sealed} hour(s); late events: {report.late_carried} carried, "
        f"{report.late_rejected} refused"
    )
    for hour in [h for h in report.hours if str(h.state) != "metered"][:_SHOWN]:
        out.print(f"{hour.state} {_hour_text(hour)}: {hour.reason or '-'}")


STATUS_HELP = """Show hours per state, the oldest unsent hour, and hours near the 24 h limit."""


@ledger.command("status", help=STATUS_HELP)
@db_option
@output_options
@click.pass_context
def status(ctx: click.Context, *, db: str) -> None:
    """Print the ledger's status."""
    settings = settings_of(ctx)
    with _open_ledger(db) as opened:
        snapshot = opened.status()
    if settings.json:
        emit_json(snapshot.as_dict())
        return
    _print_status(snapshot)


def _print_status(snapshot: LedgerStatus) -> None:
    out = stdout_console()
    table = Table(title="Usage ledger", title_justify="left")
    table.add_column("state")
    table.add_column("hours", justify="right")
    for state, count in snapshot.counts.items():
        table.add_row(str(state), str(count), style=None if count else "dim")
    out.print(table)
    oldest = snapshot.oldest_unsent
    out.print(
        "oldest unsent hour: " + ("none" if oldest is None else f"{oldest:%Y-%m-%d %H:00} UTC")
    )
    if snapshot.near_deadline:
        out.print(
            f"[bold red]{len(snapshot.near_deadline)} hour(s) within an hour of the "
            "24-hour limit:[/]"
        )
        for hour in snapshot.near_deadline[:_SHOWN]:
            out.print(f"  {hour.state} {_hour_text(hour)}")


def _hour_text(hour: HourResult) -> str:
    who = (
        f"{hour.product_code}/{hour.customer_identifier}"
        if hour.customer_identifier
        else f"{hour.customer_aws_account_id}"
    )
    return f"{hour.hour:%Y-%m-%d %H:00} {who} {hour.dimension} = {hour.quantity}"


def _hour_json(hour: HourResult) -> dict[str, Any]:
    data = hour.model_dump(mode="json")
    data["hour"] = hour.hour.isoformat().replace("+00:00", "Z")
    return data
