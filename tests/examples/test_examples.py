"""Smoke tests: every example runs against a fresh emulator and does what it says."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from agentcore_billing import MeteringOutcome
from agentcore_billing.emulator import Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(demo_data=True) as emu:
        yield emu


def test_agent_budget(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    left = _load("agent_budget").main(emulator.endpoint_url)
    assert str(left.spent) == "0.75 USD" and str(left.available_spend) == "0.25 USD"
    assert [p.amount for p in emulator.payments()] == [Decimal("0.40"), Decimal("0.35")]
    assert emulator.sessions() == ()
    assert "refused (ServiceQuotaExceededException)" in capsys.readouterr().out


def test_saas_hourly_metering(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    report = _load("saas_hourly_metering").main(emulator.endpoint_url)
    assert report.counts[MeteringOutcome.SUCCESS] == 4
    assert report.counts[MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED] == 2
    assert len(emulator.accepted_usage_records()) == 4
    out = capsys.readouterr().out
    assert out.count("billed ") == 4 and "suspend    777788889999" in out


def test_saas_signup(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    accounts = _load("saas_signup").main(emulator.endpoint_url)
    assert list(accounts) == ["111122223333"]
    assert accounts["111122223333"].license_arn.startswith("arn:aws:license-manager::")
    out = capsys.readouterr().out
    assert "400 This sign-up link is no longer valid (ExpiredTokenException)" in out
    assert "demo-registration-token" not in out


def test_testing_your_agent_passes_under_pytest() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "testing_your_agent.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_an_example_runs_as_a_script_with_its_own_emulator() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "agent_budget.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "session closed" in result.stdout


def test_agent_pays_for_api(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    settlements = _load("agent_pays_for_api").main(emulator)
    assert [s.success for s in settlements] == [True, True, True]
    assert [p.amount for p in emulator.payments()] == [Decimal("0.01")] * 3
    assert [r.status for r in emulator.seller_requests()] == [402, 200] * 3 + [402]
    out = capsys.readouterr().out
    assert "call 4: budget exhausted, nothing charged" in out
    assert "spent 0.03 USD of 0.03 USD" in out
    assert emulator.sessions() == ()


def test_saas_usage_ledger(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    report = _load("saas_usage_ledger").main(emulator.endpoint_url)
    out = capsys.readouterr().out
    billed = [a for a in emulator.accepted_usage_records() if a.product_code == "demo-saas-product"]
    assert report.sealed >= 4 and len(report.hours) == report.sealed and report.pending == 0
    metered = [h for h in report.hours if h.state == "metered"]
    assert len(billed) == len(metered) == out.count("billed ")
    assert sum(a.quantity for a in billed) == sum(h.quantity for h in metered)
    assert "suspend    777788889999" in out and "second flush: 0 hours settled" in out
