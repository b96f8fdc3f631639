"""``agentcore-billing meter`` against the emulator: outcomes, line numbers, exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentcore_billing._core.clock import utc_now
from agentcore_billing.cli import cli
from agentcore_billing.emulator import DemoData, Emulator

from .conftest import Cli, lines

HEADER = "timestamp,dimension,quantity,customer_aws_account_id,license_arn,customer_identifier"


def _hours_ago(hours: float) -> str:
    moment: datetime = utc_now() - timedelta(hours=hours)
    return moment.replace(microsecond=0).isoformat()


def _csv_row(demo: DemoData, who: int, dimension: str, quantity: str, hours: float = 1) -> str:
    customer = demo.customers[who]
    if customer.license_arn is None:
        buyer = f",,{customer.customer_identifier}"
    else:
        buyer = f"{customer.customer_aws_account_id},{customer.license_arn},"
    return f"{_hours_ago(hours)},{dimension},{quantity},{buyer}"


def _jsonl_row(demo: DemoData, who: int, dimension: str, quantity: int, hours: float = 1) -> str:
    customer = demo.customers[who]
    return json.dumps(
        {
            "timestamp": _hours_ago(hours),
            "dimension": dimension,
            "quantity": quantity,
            "customer_aws_account_id": customer.customer_aws_account_id,
            "license_arn": customer.license_arn,
        }
    )


def _write(tmp_path: Path, name: str, *rows: str) -> str:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_csv_with_a_malformed_line_meters_the_good_lines_and_exits_2(
    run: Cli, emulator: Emulator, demo_data: DemoData, tmp_path: Path
) -> None:
    file = _write(
        tmp_path,
        "usage.csv",
        HEADER,
        _csv_row(demo_data, 0, "tokens", "1200"),
        _csv_row(demo_data, 1, "requests", "ten"),
        _csv_row(demo_data, 1, "gb_hours", "2.75"),
    )
    result = run("meter", file)
    assert result.exit_code == 2, result.output
    assert "line 3: quantity: expected an integer or a decimal string" in result.stderr
    assert len(emulator.accepted_usage_records()) == 2
    table = result.stdout
    assert "Metered 2 record(s)" in table
    assert _count(table, "SUCCESS") == 2 and _count(table, "MALFORMED") == 1


def _count(table: str, outcome: str) -> int:
    row = next(line for line in table.splitlines() if f" {outcome} " in line)
    return int(row.split()[-2])


def test_jsonl_all_accepted_exits_0_with_json_output(
    run: Cli, demo_data: DemoData, tmp_path: Path
) -> None:
    file = _write(
        tmp_path,
        "usage.jsonl",
        _jsonl_row(demo_data, 0, "tokens", 5),
        _jsonl_row(demo_data, 1, "tokens", 7),
    )
    result = run("meter", file, "--json")
    assert result.exit_code == 0, result.output
    summary = Cli.json(result)
    assert summary["records"] == 2
    assert summary["counts"]["SUCCESS"] == 2
    assert summary["failures"] == [] and summary["malformed"] == []
    assert result.stderr == ""


def test_records_not_accepted_exit_1_and_are_listed_by_line(
    run: Cli, demo_data: DemoData, tmp_path: Path
) -> None:
    file = _write(
        tmp_path,
        "usage.jsonl",
        _jsonl_row(demo_data, 0, "tokens", 5),
        _jsonl_row(demo_data, 3, "tokens", 5),  # no agreement
        _jsonl_row(demo_data, 0, "requests", 1, hours=30),  # outside the 24-hour window
    )
    result = run("meter", file, "--json")
    assert result.exit_code == 1, result.output
    failures = Cli.json(result)["failures"]
    assert [(f["line"], f["outcome"]) for f in failures] == [
        (2, "CUSTOMER_NOT_SUBSCRIBED"),
        (3, "REJECTED"),
    ]
    assert "24h or more after the event" in failures[1]["reason"]


def test_dry_run_sends_nothing(
    run: Cli, emulator: Emulator, demo_data: DemoData, tmp_path: Path
) -> None:
    good = _write(tmp_path, "good.csv", HEADER, _csv_row(demo_data, 0, "tokens", "3"))
    report = tmp_path / "dry.json"
    result = run("meter", good, "--dry-run", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text()) == {
        "dry_run": True,
        "counts": {"VALID": 1, "REJECTED": 0, "MALFORMED": 0},
        "results": [{"line": 2, "outcome": "VALID", "metering_record_id": None, "reason": None}],
    }
    assert "1 valid record(s), 0 refused, 0 malformed line(s); nothing was sent" in result.stdout
    bad = _write(tmp_path, "bad.csv", HEADER, "2026-11-23T10:00:00,tokens,1,1,,")
    result = run("meter", bad, "--dry-run", "--json")
    assert result.exit_code == 2
    assert Cli.json(result)["malformed"][0]["line"] == 2
    assert emulator.requests() == ()


def test_report_has_one_row_per_input_line(run: Cli, demo_data: DemoData, tmp_path: Path) -> None:
    file = _write(
        tmp_path,
        "usage.csv",
        HEADER,
        _csv_row(demo_data, 0, "tokens", "10"),
        "not,a,valid,line,,",
        _csv_row(demo_data, 2, "tokens", "4"),  # legacy customer: needs --product-code
    )
    report = tmp_path / "report.json"
    result = run(
        "meter", file, "--report", str(report), "--product-code", demo_data.legacy_product_code
    )
    assert result.exit_code == 2, result.output
    content = json.loads(report.read_text())
    assert content["dry_run"] is False
    assert content["counts"]["SUCCESS"] == 2 and content["counts"]["MALFORMED"] == 1
    rows = content["results"]
    assert [(r["line"], r["outcome"]) for r in rows] == [
        (2, "SUCCESS"),
        (3, "MALFORMED"),
        (4, "SUCCESS"),
    ]
    assert all(set(r) == {"line", "outcome", "metering_record_id", "reason"} for r in rows)
    assert rows[0]["metering_record_id"] and rows[0]["reason"] is None
    assert rows[1]["metering_record_id"] is None and "timestamp" in rows[1]["reason"]


def test_stdin_input_is_sniffed(run: Cli, demo_data: DemoData) -> None:
    data = "\n".join([_jsonl_row(demo_data, 0, "tokens", 1), _jsonl_row(demo_data, 1, "tokens", 2)])
    result = run("meter", "-", "--json", input=data)
    assert result.exit_code == 0, result.output
    assert Cli.json(result)["counts"]["SUCCESS"] == 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_format_option_overrides_the_extension(
    run: Cli, demo_data: DemoData, tmp_path: Path, fmt: str
) -> None:
    row = (
        _csv_row(demo_data, 0, "tokens", "1")
        if fmt == "csv"
        else _jsonl_row(demo_data, 0, "tokens", 1)
    )
    rows = (HEADER, row) if fmt == "csv" else (row,)
    file = _write(tmp_path, "usage.txt", *rows)
    result = run("meter", file, "--format", fmt, "--json")
    assert result.exit_code == 0, result.output


def test_an_unknown_column_is_one_error_line_and_nothing_is_sent(
    run: Cli, emulator: Emulator, tmp_path: Path
) -> None:
    file = _write(tmp_path, "usage.csv", "timestamp,dimension,quantity,licence_arn", "x,y,1,z")
    result = run("meter", file)
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        "error: CSV header: unknown column(s) licence_arn; expected some of timestamp, "
        "dimension, quantity, customer_aws_account_id, license_arn, customer_identifier, "
        "allocations"
    ]
    assert emulator.requests() == ()


def test_a_missing_file_is_a_usage_error(run: Cli, tmp_path: Path) -> None:
    result = run("meter", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def _in_hour(demo: DemoData, who: int, minute: int, quantity: int, hours: float = 1) -> str:
    """A JSON Lines record of customer ``who`` at ``minute`` past the hour ``hours`` ago."""
    customer = demo.customers[who]
    top = (utc_now() - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    record: dict[str, object] = {
        "timestamp": top.replace(minute=minute).isoformat(),
        "dimension": "tokens",
        "quantity": quantity,
    }
    if customer.license_arn is None:
        record["customer_identifier"] = customer.customer_identifier
    else:
        record["customer_aws_account_id"] = customer.customer_aws_account_id
        record["license_arn"] = customer.license_arn
    return json.dumps(record)


def _refusals_file(tmp_path: Path, demo: DemoData) -> str:
    return _write(
        tmp_path,
        "usage.jsonl",
        _in_hour(demo, 0, 5, 5),  # line 1
        _in_hour(demo, 0, 5, 5, hours=72),  # line 2: too old
        _in_hour(demo, 0, 5, 6),  # line 3: same hour as line 1, other quantity
        _in_hour(demo, 0, 25, 5),  # line 4: same hour and quantity, other time
        _in_hour(demo, 0, 5, 5),  # line 5: a true repeat of line 1 (sent once)
        _in_hour(demo, 2, 5, 5),  # line 6: legacy, and no --product-code
        _in_hour(demo, 1, 5, 5),  # line 7
    )


def test_dry_run_refuses_what_sending_refuses_with_line_numbers(
    run: Cli, emulator: Emulator, demo_data: DemoData, tmp_path: Path
) -> None:
    # Before: all seven lines were "valid" and the dry run exited 0.
    file, report = _refusals_file(tmp_path, demo_data), tmp_path / "dry.json"
    result = run("meter", file, "--dry-run", "--report", str(report))
    assert result.exit_code == 1, result.output
    assert emulator.requests() == ()
    rows = json.loads(report.read_text())["results"]
    assert [(r["line"], r["outcome"]) for r in rows] == [
        (1, "VALID"),
        (2, "REJECTED"),
        (3, "REJECTED"),
        (4, "REJECTED"),
        (5, "VALID"),
        (6, "REJECTED"),
        (7, "VALID"),
    ]
    reasons = {r["line"]: r["reason"] or "" for r in rows}
    assert reasons[2].startswith("timestamp: ")
    assert "old; records are refused 24h or more after the event" in reasons[2]
    assert "conflict: line 1 and line 3 have the same customer" in reasons[3]
    assert "conflict: line 1 and line 4 have the same customer" in reasons[4]
    assert "needs a product code" in reasons[6]
    assert "repeat of line 1" in reasons[5]
    assert "3 valid record(s), 4 refused, 0 malformed line(s); nothing was sent" in result.stdout
    assert "REJECTED x1 (line 3): conflict: line 1 and line 3" in result.stdout


def test_sending_refuses_exactly_what_the_dry_run_refused(
    run: Cli, emulator: Emulator, demo_data: DemoData, tmp_path: Path
) -> None:
    file, dry, sent = (
        _refusals_file(tmp_path, demo_data),
        tmp_path / "dry.json",
        tmp_path / "sent.json",
    )
    assert run("meter", file, "--dry-run", "--report", str(dry)).exit_code == 1
    assert run("meter", file, "--report", str(sent)).exit_code == 1

    def refused(path: Path) -> dict[int, str]:
        rows = json.loads(path.read_text())["results"]
        return {r["line"]: r["reason"] for r in rows if r["outcome"] == "REJECTED"}

    assert refused(sent) == refused(dry) and sorted(refused(dry)) == [2, 3, 4, 6]
    outcomes = {r["line"]: r["outcome"] for r in json.loads(sent.read_text())["results"]}
    assert outcomes[1] == outcomes[5] == outcomes[7] == "SUCCESS"
    assert len(emulator.accepted_usage_records()) == 2


def test_a_run_that_cannot_send_still_finishes_its_report(
    demo_data: DemoData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    file = _write(tmp_path, "usage.jsonl", *(_in_hour(demo_data, i, 5, 1) for i in (0, 1)))
    report = tmp_path / "out.json"
    argv = ["meter", file, "--report", str(report), "--region", "us-east-1"]
    argv += ["--endpoint-url", "https://metering.example.com"]  # not loopback: no stand-ins
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert "no usable AWS credentials" in result.stderr
    content = json.loads(report.read_text())
    assert "no usable AWS credentials" in content["aborted"]
    assert [(r["line"], r["outcome"]) for r in content["results"]] == [
        (1, "UNPROCESSED"),
        (2, "UNPROCESSED"),
    ]
    assert content["results"][0]["reason"].startswith("not sent")
