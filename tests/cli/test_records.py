"""Reading usage records from CSV and JSON Lines: line numbers, field rules, formats."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from agentcore_billing.cli._records import (
    InputFormatError,
    format_for,
    parse_quantity,
    parse_timestamp,
    read_records,
    sniff_format,
)

LICENSE = "arn:aws:license-manager::111122223333:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
HEADER = "timestamp,dimension,quantity,customer_aws_account_id,license_arn,allocations"


def _csv(*rows: str) -> list[str]:
    return [HEADER + "\n", *(row + "\n" for row in rows)]


def test_csv_records_carry_their_line_numbers_and_skip_blank_lines() -> None:
    rows = _csv(
        f"2026-11-23T10:00:00Z,tokens,12,111122223333,{LICENSE},",
        "",
        f"2026-11-23T10:00:00+01:00,gb_hours,2.5,111122223333,{LICENSE},",
    )
    parsed = list(read_records(rows, "csv"))
    assert [(p.line, p.error) for p in parsed] == [(2, None), (4, None)]
    first, second = (p.record for p in parsed)
    assert first is not None and second is not None
    assert first.quantity == 12 and first.timestamp == datetime(
        2026, 11, 23, 10, tzinfo=timezone.utc
    )
    assert second.quantity == Decimal("2.5") and second.timestamp.hour == 9


def test_a_quoted_multi_line_cell_reports_the_line_the_record_starts_on() -> None:
    allocations = '"[{""quantity"": 5, ""tags"": {""team"": ""a""}},\n {""quantity"": 7}]"'
    rows = _csv(
        f"2026-11-23T10:00:00Z,tokens,12,111122223333,{LICENSE},{allocations}",
        f"2026-11-23T10:00:00Z,tokens,x,111122223333,{LICENSE},",
    )
    parsed = list(read_records("".join(rows).splitlines(keepends=True), "csv"))
    assert parsed[0].error is None and parsed[0].line == 2
    record = parsed[0].record
    assert record is not None and record.allocations is not None
    assert [a.quantity for a in record.allocations] == [5, 7]
    assert parsed[1].line == 4
    assert parsed[1].error is not None and parsed[1].error.startswith("quantity:")


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (f"2026-11-23T10:00:00,tokens,1,111122223333,{LICENSE},", "time zone"),
        (f"yesterday,tokens,1,111122223333,{LICENSE},", "timestamp: not ISO 8601"),
        (f"2026-11-23T10:00:00Z,tokens,1.5e3,111122223333,{LICENSE},", "quantity"),
        (f"2026-11-23T10:00:00Z,tokens,1,111122223333,{LICENSE},[oops", "allocations: not valid"),
        (f"2026-11-23T10:00:00Z,tokens,10,111122223333,{LICENSE},[{{}}]", "allocations[0]"),
        ("2026-11-23T10:00:00Z,tokens,1,111122223333,,", "buyer"),
        (",tokens,1,111122223333,x,", "timestamp: required"),
        ("2026-11-23T10:00:00Z,tokens,1", "expected 6 fields, got 3"),
    ],
)
def test_a_malformed_csv_line_names_the_field(row: str, fragment: str) -> None:
    good = f"2026-11-23T10:00:00Z,tokens,1,111122223333,{LICENSE},"
    parsed = list(read_records(_csv(good, row, good), "csv"))
    assert [p.line for p in parsed] == [2, 3, 4]
    assert parsed[0].error is None and parsed[2].error is None
    assert parsed[1].record is None
    assert parsed[1].error is not None and fragment in parsed[1].error


def test_an_unknown_csv_column_is_refused_before_any_record() -> None:
    with pytest.raises(InputFormatError, match="unknown column"):
        read_records(["timestamp,dimension,quantity,licence_arn\n"], "csv")
    with pytest.raises(InputFormatError, match="empty"):
        read_records(["\n", "  \n"], "csv")


def test_json_lines_with_exact_decimals_and_bad_lines() -> None:
    good = (
        '{"timestamp": "2026-11-23T10:00:00Z", "dimension": "gb_hours", "quantity": 1.25, '
        f'"customer_aws_account_id": "111122223333", "license_arn": "{LICENSE}", '
        '"allocations": [{"quantity": 1.25, "tags": {"team": "a"}}]}'
    )
    rows = [good, "", "{not json", "[1, 2]", '{"timestamp": "x", "colour": "red"}', good]
    parsed = list(read_records(rows, "jsonl"))
    assert [p.line for p in parsed] == [1, 3, 4, 5, 6]
    record = parsed[0].record
    assert record is not None and record.quantity == Decimal("1.25")
    assert [p.error for p in parsed[1:4]] == [
        "not valid JSON (Expecting property name enclosed in double quotes)",
        "expected a JSON object",
        "unknown key(s) colour",
    ]
    assert parsed[4].error is None


def test_formats_from_extension_and_first_line() -> None:
    assert format_for("usage.CSV") == "csv"
    assert format_for("usage.ndjson") == "jsonl"
    assert format_for("usage.txt") is None
    assert sniff_format('  {"a": 1}') == "jsonl"
    assert sniff_format("timestamp,dimension") == "csv"


def test_quantities_and_timestamps() -> None:
    assert parse_quantity("007", "quantity") == 7
    assert parse_quantity(Decimal("0.5"), "quantity") == Decimal("0.5")
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(1.5, "quantity")
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(True, "quantity")
    assert parse_timestamp("2026-11-23T10:00:00z").tzinfo == timezone.utc
