"""``agentcore-billing ledger record|flush|status`` in-process, against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentcore_billing._core.clock import utc_now
from agentcore_billing.cli import cli
from agentcore_billing.emulator import Emulator

from .conftest import ACCOUNT, LICENSE, PRODUCT, seed


@pytest.fixture
def live_emulator() -> Iterator[Emulator]:
    """An emulator on the real clock: the CLI's ledger reads the real time."""
    with Emulator() as emu:
        yield seed(emu)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    return result.exit_code, result.stdout, result.stderr


def _events_file(tmp_path: Path) -> Path:
    hour = utc_now().replace(minute=0, second=0, microsecond=0)  # the CLI reads real time
    hour -= timedelta(hours=3)
    lines = [
        {
            "at": (hour + timedelta(minutes=i)).isoformat(),
            "dimension": "tokens",
            "quantity": "1.5" if i % 2 else 2,
            "event_id": f"e{i}",
            "customer_aws_account_id": ACCOUNT,
            "license_arn": LICENSE,
            "product_code": PRODUCT,
        }
        for i in range(10)
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_record_flush_status(tmp_path: Path, live_emulator: Emulator) -> None:
    db = f"sqlite:///{tmp_path / 'usage.db'}"
    path = _events_file(tmp_path)
    code, out, _ = _run("ledger", "record", str(path), "--db", db, "--json")
    assert code == 0 and json.loads(out) == {"stored": 10, "duplicates": 0, "carried": 0}
    code, out, _ = _run("ledger", "record", str(path), "--db", db)
    assert code == 0 and "recorded 0 event(s); 10 repeated" in out
    code, out, _ = _run("ledger", "status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["counts"]["open"] == 1
    code, out, _ = _run(
        "ledger",
        "flush",
        "--db",
        db,
        "--endpoint-url",
        live_emulator.endpoint_url,
        "--region",
        "us-east-1",
        "--json",
    )
    report = json.loads(out)
    assert code == 0 and report["counts"]["metered"] == 1 and report["pending"] == 0
    assert report["hours"][0]["quantity"] == "17.5"
    assert [a.quantity for a in live_emulator.accepted_usage_records()] == [Decimal("17.5")]
    code, out, _ = _run("ledger", "status", "--db", db)
    assert code == 0 and "metered" in out and "oldest unsent hour: none" in out


def test_a_malformed_line_records_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'usage.db'}"
    path = tmp_path / "events.csv"
    path.write_text(
        "at,dimension,quantity,event_id,customer_identifier,product_code\n"
        "2026-11-23T10:00:00Z,tokens,3,e1,cust-1,prod-1\n"
        "2026-11-23T10:00:00Z,tokens,1.5e3,e2,cust-1,prod-1\n"
    )
    code, _, err = _run("ledger", "record", str(path), "--db", db)
    assert code == 2 and "line 3" in err and "nothing was recorded" in err
    code, out, _ = _run("ledger", "status", "--db", db, "--json")
    assert json.loads(out)["counts"]["open"] == 0


def test_flush_reports_hours_that_were_not_metered(tmp_path: Path, live_emulator: Emulator) -> None:
    db = f"sqlite:///{tmp_path / 'usage.db'}"
    hour = utc_now().replace(minute=0, second=0, microsecond=0)  # the CLI reads real time
    path = tmp_path / "events.csv"
    path.write_text(
        "at,dimension,quantity,event_id,customer_aws_account_id,license_arn\n"
        f"{(hour - timedelta(hours=3)).isoformat()},tokens,3,e1,999999999999,"
        "arn:aws:license-manager::999999999999:license:l-9\n"
    )
    assert _run("ledger", "record", str(path), "--db", db)[0] == 0
    code, out, _ = _run(
        "ledger",
        "flush",
        "--db",
        db,
        "--endpoint-url",
        live_emulator.endpoint_url,
        "--region",
        "us-east-1",
    )
    assert code == 1 and "not_subscribed" in out and "CustomerNotSubscribed" in out
