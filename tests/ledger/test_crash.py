"""Crash tests: real processes SIGKILLed at every step of flushing and recording.

A chain of flush processes runs against one ledger; each is killed at the next step
(sealing, before and after the claim commits, just before the request, mid-request -
the emulator has the request and commits it after the process is dead - after the
answer but before the outcome commits, and after it). Every run starts once the
previous lease has run out. A last run finishes. Then, against the emulator's
accepted usage: each hour accepted exactly once with the exact sum of its events,
every copy of a record sent identical, no DuplicateRecord, nothing lost or doubled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agentcore_billing import HourState, UsageLedger
from agentcore_billing._core.clock import real_sleep
from agentcore_billing.emulator import Emulator
from agentcore_billing.emulator._faults import NO_QUOTAS, FaultConfig
from agentcore_billing.testing import ManualClock

from .conftest import ACCOUNT, ACCOUNT_B, LICENSE, LICENSE_B, PRODUCT, seed

CHILD = Path(__file__).with_name("_child.py")
T0 = datetime(2026, 11, 23, 12, 30, tzinfo=timezone.utc)
STEP = timedelta(minutes=16)  # longer than the default 15-minute lease
CHAIN = (
    "seal.before_commit",
    "claim.before_commit",
    "claim.after_commit",
    "send.before",
    "mid-request",
    "settle.before_commit",
    "settle.after_commit",
)


def events() -> list[dict[str, Any]]:
    """Three buyers x two dimensions x hours 9-11, several events each, ints and decimals."""
    out: list[dict[str, Any]] = []
    buyers = [
        {"customer_aws_account_id": ACCOUNT, "license_arn": LICENSE, "product_code": PRODUCT},
        {"customer_aws_account_id": ACCOUNT_B, "license_arn": LICENSE_B, "product_code": PRODUCT},
        {"customer_identifier": "cust-c", "product_code": PRODUCT},
    ]
    for b, buyer in enumerate(buyers):
        for hour in (9, 10, 11):
            for dimension, decimal in (("tokens", False), ("gb", True)):
                for i in range(5):
                    quantity = f"{b}.{hour}{i}5" if decimal else b * 100 + hour + i
                    out.append(
                        {
                            **buyer,
                            "dimension": dimension,
                            "quantity": quantity,
                            "at": f"2026-11-23T{hour:02d}:{10 * i:02d}:00+00:00",
                            "event_id": f"{b}-{hour}-{dimension}-{i}",
                        }
                    )
    return out


def expected_sums(recorded: list[dict[str, Any]]) -> dict[tuple[str, str, str], Decimal]:
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for event in recorded:
        who = event.get("customer_identifier") or event["customer_aws_account_id"]
        sums[(who, event["dimension"], event["at"][:13])] += Decimal(str(event["quantity"]))
    return dict(sums)


def run_child(*args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("LEDGER_CRASH_AT", None)
    if crash is not None:
        env["LEDGER_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, str(CHILD), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Killer:
    """The emulator's latency hook: SIGKILLs the armed process while its request is in
    the emulator, waits until it is dead, then lets the emulator commit the request."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.killed = 0

    def __call__(self, _seconds: float) -> None:
        pid, self.pid = self.pid, None
        if pid is None:
            return
        self.killed += 1  # before the kill: the test may look as soon as the child is gone
        os.kill(pid, signal.SIGKILL)
        for _ in range(500):
            if _dead(pid):
                break
            real_sleep(0.01)


def _dead(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def _flush_killed_mid_request(url: str, emu: Emulator, now: datetime, killer: Killer) -> int:
    env = dict(os.environ)
    env.pop("LEDGER_CRASH_AT", None)
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), "flush", url, emu.endpoint_url, now.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killer.pid = proc.pid
    proc.communicate(timeout=60)
    return proc.returncode


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_flush_killed_at_every_step_bills_each_hour_exactly_once(
    db_url: str, tmp_path: Path, make_emulator: Callable[..., Emulator]
) -> None:
    recorded = events()
    emu_clock = ManualClock(T0)
    killer = Killer()
    emu = seed(
        make_emulator(
            clock=emu_clock.now,
            quotas=NO_QUOTAS,
            sleep=killer,
            faults={"BatchMeterUsage": FaultConfig(latency=0.001)},
        )
    )
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in recorded))
    assert json.loads(run_child("record", db_url, T0.isoformat(), str(path)).stdout)["stored"] == 90
    now = T0
    for point in CHAIN:
        if point == "mid-request":
            code = _flush_killed_mid_request(db_url, emu, now, killer)
        else:
            code = run_child(
                "flush", db_url, emu.endpoint_url, now.isoformat(), crash=point
            ).returncode
        assert code == -signal.SIGKILL, point
        now += STEP
        emu_clock.advance(STEP.total_seconds())
    assert killer.killed == 1
    final = run_child("flush", db_url, emu.endpoint_url, now.isoformat())
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert summary["pending"] == 0

    with UsageLedger(db_url, clock=lambda: now) as ledger:
        status = ledger.status()
        metered = ledger.hours("metered")
    assert status.counts[HourState.METERED] == 18
    assert sum(status.counts.values()) == 18  # no duplicate, rejected, expired, ...
    accepted = emu.accepted_usage_records()
    got = {
        (
            a.customer_identifier if a.license_arn is None else a.customer_aws_account_id,
            a.dimension,
            a.timestamp.strftime("%Y-%m-%dT%H"),
        ): a.quantity
        for a in accepted
    }
    assert len(accepted) == 18 and got == expected_sums(recorded)
    assert {a.metering_record_id for a in accepted} == {h.metering_record_id for h in metered}
    copies: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for request in emu.requests():
        for record in request.params.get("UsageRecords", []):
            key = (
                record.get("CustomerIdentifier") or record["CustomerAWSAccountId"],
                record["Dimension"],
                str(record["Timestamp"]),
            )
            copies[key].append(dict(record))
    assert len(copies) == 18
    assert max(len(sent) for sent in copies.values()) >= 3  # resent after the crashes
    for sent in copies.values():
        assert all(record == sent[0] for record in sent)  # identical on every resend


def test_record_many_killed_before_commit_stores_nothing_and_a_rerun_counts_once(
    db_url: str, tmp_path: Path
) -> None:
    recorded = events()
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in recorded))
    killed = run_child(
        "record", db_url, T0.isoformat(), str(path), crash="record_many.before_commit"
    )
    assert killed.returncode == -signal.SIGKILL
    with UsageLedger(db_url, clock=lambda: T0) as ledger:
        assert ledger.status().counts[HourState.OPEN] == 0
    first = json.loads(run_child("record", db_url, T0.isoformat(), str(path)).stdout)
    again = json.loads(run_child("record", db_url, T0.isoformat(), str(path)).stdout)
    assert (first["stored"], again["stored"], again["duplicates"]) == (90, 0, 90)
    with UsageLedger(db_url, clock=lambda: T0) as ledger:
        open_hours = ledger.hours("open")
    got = {
        (
            h.customer_identifier or h.customer_aws_account_id,
            h.dimension,
            h.hour.strftime("%Y-%m-%dT%H"),
        ): Decimal(h.quantity)
        for h in open_hours
    }
    assert got == expected_sums(recorded)
