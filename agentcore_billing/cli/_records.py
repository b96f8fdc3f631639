"""Read usage records from CSV or JSON Lines, line by line, keeping line numbers.

Columns (CSV header) or keys (JSON Lines objects):

\b
  timestamp                ISO 8601 with a time zone, e.g. 2026-11-23T10:00:00Z (required)
  dimension                the product's usage dimension (required)
  quantity                 an integer, or a decimal string such as "12.5" (required)
  customer_aws_account_id  with license_arn: new integrations
  license_arn
  customer_identifier      legacy integrations (give --product-code)
  allocations              optional; JSON list of {"quantity": ..., "tags": {...}}
                           (a JSON string in a CSV cell)

A line that cannot be read becomes a :class:`ParsedLine` with an ``error`` naming the
field and the rule; reading goes on with the next line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ._output import describe_validation_error

if TYPE_CHECKING:
    from agentcore_billing import UsageRecord

Format = Literal["csv", "jsonl"]

COLUMNS = (
    "timestamp",
    "dimension",
    "quantity",
    "customer_aws_account_id",
    "license_arn",
    "customer_identifier",
    "allocations",
)
REQUIRED = ("timestamp", "dimension", "quantity")
_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


class InputFormatError(ValueError):
    """The input as a whole cannot be read (e.g. an unknown CSV column)."""


class LineError(ValueError):
    """One line cannot be read; the message names the field and the rule."""


@dataclass(frozen=True)
class ParsedLine:
    """One input line: a record, or the reason it could not be read.

    Attributes:
        line: the 1-based line number where the record starts.
        record: the usage record, when the line was valid.
        error: what is wrong with the line, when it was not.
    """

    line: int
    record: UsageRecord | None = None
    error: str | None = None


def format_for(filename: str) -> Format | None:
    """The input format implied by a file name, if any.

    Example:
        >>> format_for("usage.CSV"), format_for("usage.jsonl"), format_for("-")
        ('csv', 'jsonl', None)
    """
    lowered = filename.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    return None


def sniff_format(first_line: str) -> Format:
    """Guess the format from the first non-blank line: ``{`` means JSON Lines.

    Example:
        >>> sniff_format('{"dimension": "tokens"}'), sniff_format("timestamp,dimension")
        ('jsonl', 'csv')
    """
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def read_records(lines: Iterable[str], fmt: Format) -> Iterator[ParsedLine]:
    """Parse ``lines`` (an open text file) into records, one :class:`ParsedLine` each.

    The CSV header is read at once, so a bad header raises :class:`InputFormatError`
    here, before any record is produced; bad lines become ``ParsedLine.error``.

    Example:
        >>> rows = ["timestamp,dimension,quantity,customer_identifier",
        ...         "2026-11-23T10:00:00Z,tokens,12,cust-1", "oops,tokens,x,cust-1"]
        >>> [(p.line, p.error is None) for p in read_records(rows, "csv")]
        [(2, True), (3, False)]
    """
    if fmt == "csv":
        reader = csv.reader(iter(lines))
        header = _csv_header(reader)
        return _parse(_csv_rows(reader, header))
    return _parse(_jsonl_rows(lines))


def line_numbers(lines: Iterable[str], fmt: Format) -> Iterator[int]:
    """The number :func:`read_records` gives each record line, without building records.

    Example:
        >>> list(line_numbers(["timestamp,dimension", "", "a,b", "oops"], "csv"))
        [3, 4]
    """
    if fmt == "csv":
        reader = csv.reader(iter(lines))
        raw = _csv_rows(reader, _csv_header(reader))
    else:
        raw = _jsonl_rows(lines)
    return (line for line, _fields in raw)


def _parse(raw: Iterable[tuple[int, dict[str, Any] | LineError]]) -> Iterator[ParsedLine]:
    for line, fields in raw:
        if isinstance(fields, LineError):
            yield ParsedLine(line, error=str(fields))
            continue
        try:
            yield ParsedLine(line, record=build_record(fields))
        except LineError as err:
            yield ParsedLine(line, error=str(err))


def _csv_rows(reader: Any, header: list[str]) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            start, previous_end = previous_end + 1, reader.line_num
            yield start, LineError(f"not valid CSV ({err})")
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield start, LineError(f"expected {len(header)} fields, got {len(row)}")
            continue
        yield start, {k: v.strip() for k, v in zip(header, row, strict=True) if v.strip()}


def _csv_header(reader: Any) -> list[str]:
    for row in reader:
        if row and any(cell.strip() for cell in row):
            header = [cell.strip().lstrip("\ufeff").lower() for cell in row]
            _check_columns(header, where="CSV header")
            return header
    raise InputFormatError("the CSV input is empty (a header line is needed)")


def _check_columns(names: Iterable[str], *, where: str) -> None:
    unknown = sorted(set(names) - set(COLUMNS))
    if unknown:
        raise InputFormatError(
            f"{where}: unknown column(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(COLUMNS)}"
        )


def _jsonl_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    for number, text in enumerate(lines, start=1):
        stripped = text.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            loaded = json.loads(stripped, parse_float=Decimal)
        except ValueError as err:
            yield number, LineError(f"not valid JSON ({err.args[0].split(':')[0]})")
            continue
        if not isinstance(loaded, dict):
            yield number, LineError("expected a JSON object")
            continue
        unknown = sorted(set(loaded) - set(COLUMNS))
        if unknown:
            yield number, LineError(f"unknown key(s) {', '.join(unknown)}")
            continue
        yield number, {k: v for k, v in loaded.items() if v is not None and v != ""}


def build_record(fields: dict[str, Any]) -> UsageRecord:
    """Build a :class:`UsageRecord` from one line's fields (strings or JSON values).

    Raises:
        LineError: a field is missing or malformed; the message names it.
    """
    from pydantic import ValidationError

    from agentcore_billing import UsageRecord

    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise LineError(f"{', '.join(missing)}: required")
    try:
        kwargs: dict[str, Any] = {
            "timestamp": parse_timestamp(fields["timestamp"]),
            "dimension": str(fields["dimension"]),
            "quantity": parse_quantity(fields["quantity"], "quantity"),
        }
        for name in ("customer_aws_account_id", "license_arn", "customer_identifier"):
            if name in fields:
                kwargs[name] = str(fields[name])
        if "allocations" in fields:
            kwargs["allocations"] = parse_allocations(fields["allocations"])
        return UsageRecord(**kwargs)
    except LineError:
        raise
    except ValidationError as err:
        raise LineError(describe_validation_error(err)) from err
    except ValueError as err:
        raise LineError(str(err)) from err


def parse_timestamp(value: Any) -> datetime:
    """Parse an ISO 8601 timestamp that names its time zone (``Z`` allowed).

    Example:
        >>> parse_timestamp("2026-11-23T10:00:00Z").isoformat()
        '2026-11-23T10:00:00+00:00'
    """
    text = str(value).strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise LineError(
            f"timestamp: not ISO 8601 (got {str(value)[:40]!r}); e.g. 2026-11-23T10:00:00Z"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise LineError("timestamp: needs a time zone, e.g. 2026-11-23T10:00:00Z")
    return parsed.astimezone(timezone.utc)


def parse_quantity(value: Any, field: str) -> int | Decimal:
    """An integer, or a ``Decimal`` for a decimal string; floats are refused.

    Example:
        >>> parse_quantity("12", "quantity"), parse_quantity("2.50", "quantity")
        (12, Decimal('2.50'))
    """
    if isinstance(value, (bool, float)):
        raise LineError(f"{field}: expected an integer or a decimal string")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _NUMBER.match(text):
        raise LineError(f"{field}: expected an integer or a decimal string (got {text[:40]!r})")
    return int(text) if "." not in text else Decimal(text)


def parse_allocations(value: Any) -> list[Any]:
    """Allocations from a JSON list (or a JSON string holding one, as in CSV)."""
    from agentcore_billing import UsageAllocation

    if isinstance(value, str):
        try:
            value = json.loads(value, parse_float=Decimal)
        except ValueError:
            raise LineError("allocations: not valid JSON") from None
    if not isinstance(value, list):
        raise LineError('allocations: expected a JSON list of {"quantity": ..., "tags": {...}}')
    allocations = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or "quantity" not in item:
            raise LineError(f"allocations[{index}]: expected an object with quantity and tags")
        quantity = parse_quantity(item["quantity"], f"allocations[{index}].quantity")
        tags = item.get("tags")
        allocations.append(UsageAllocation(quantity=quantity, tags=tags))
    return allocations
