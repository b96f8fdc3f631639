"""Users' type checkers accept the README and the examples.

Users' editors run pyright (Pylance) or plain mypy, without this repository's pydantic
mypy plugin, against the package as pip installed it. So this builds a wheel, installs it
into a scratch environment (once per test session), and checks the README's Python
snippets, every example and a file of typed user code (results, fixtures) with plain
``mypy --strict`` and with ``pyright --strict``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # seconds per tool run: a cold mypy over boto3's stubs takes a while

pytestmark = pytest.mark.typecheck


@dataclass(frozen=True)
class Project:
    """A scratch project of user code beside an environment with the installed wheel."""

    root: Path
    python: Path
    files: tuple[str, ...]


USER_CODE = """\
from __future__ import annotations

from datetime import datetime, timezone

from typing_extensions import assert_type

from agentcore_billing import (
    MeteringClient,
    MppPayment,
    MppPaymentOutput,
    PaymentsClient,
    RetryPolicy,
    UsageRecord,
    X402Payment,
    X402PaymentOutput,
)
from agentcore_billing.emulator import FaultConfig
from agentcore_billing.testing import BillingEnvironment, BillingFactory, ManualClock


def results_are_typed(payments: PaymentsClient, metering: MeteringClient) -> None:
    record = UsageRecord(
        timestamp=datetime(2026, 11, 23, 10, tzinfo=timezone.utc),
        dimension="tokens",
        quantity=3,
        customer_aws_account_id="123456789012",
        license_arn="arn:aws:license-manager::123456789012:license:l-1",
    )
    report = metering.batch_meter_usage([record])
    assert_type(report.results[0].record, UsageRecord)
    for result in metering.iter_batch_meter_usage([record]):
        assert_type(result.record, UsageRecord)
    paid = payments.process_payment(
        payment_session_id="payment-session-abcdefghijklmno",
        payment_instrument_id="payment-instrument-abcdefghijklmno",
        payment=X402Payment(version="2", payload={"scheme": "exact"}),
    )
    assert_type(paid.x402, X402PaymentOutput)
    mpp = payments.process_payment(
        payment_session_id="payment-session-abcdefghijklmno",
        payment_instrument_id="payment-instrument-abcdefghijklmno",
        payment=MppPayment(version="1", www_authenticate_headers=["Payment id=c1"]),
    )
    assert_type(mpp.mpp, MppPaymentOutput)


def test_with_a_factory(billing_factory: BillingFactory) -> None:
    env = billing_factory(
        clock=ManualClock(),
        faults={"ProcessPayment": FaultConfig(throttle_rate=0.3)},
        retry=RetryPolicy.none(),
    )
    assert_type(env, BillingEnvironment)
    assert_type(env.payments, PaymentsClient)
"""


def _readme_snippets() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(command[:3])} ...:\n{output}"
    return output


def _install_wheel(base: Path) -> Path:
    """Build the wheel and install it into a fresh venv; returns that venv's python."""
    wheels = base / "wheels"
    _run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(wheels), str(ROOT)),
        ],
        cwd=base,
    )
    [wheel] = wheels.glob("agentcore_billing-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    python = venv / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base)
        .strip()
        .splitlines()[-1]
    )
    _run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            *("--target", str(site), str(wheel)),
        ],
        cwd=base,
    )
    # The dependencies and stubs come from the dev environment, appended after the
    # installed wheel; a .pth in a plain path entry is not processed, so the dev
    # environment's editable finder for this package stays inactive.
    (site / "zz_dev_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


@pytest.fixture(scope="session")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    base = tmp_path_factory.mktemp("user-typing")
    python = _install_wheel(base)
    where = _run(
        [str(python), "-c", "import agentcore_billing; print(agentcore_billing.__file__)"], base
    )
    assert str(base) in where, where  # the installed copy, not the work tree
    root = base / "project"
    root.mkdir()
    files: list[str] = []
    for number, snippet in enumerate(_readme_snippets(), start=1):
        name = f"readme_snippet_{number}.py"
        (root / name).write_text(snippet, encoding="utf-8")
        files.append(name)
    (root / "user_code.py").write_text(USER_CODE, encoding="utf-8")
    files.append("user_code.py")
    for example in sorted((ROOT / "examples").glob("*.py")):
        shutil.copy(example, root / example.name)
        files.append(example.name)
    assert len(files) >= 8
    return Project(root, python, tuple(files))


def test_readme_and_examples_pass_plain_mypy_strict(user_project: Project) -> None:
    config = user_project.root / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\nwarn_unreachable = True\n")  # no pydantic plugin
    output = _run(
        [
            *(sys.executable, "-m", "mypy", "--config-file", str(config), "--no-error-summary"),
            *("--python-executable", str(user_project.python), "--cache-dir", ".mypy_cache"),
            *user_project.files,
        ],
        cwd=user_project.root,
    )
    assert "error" not in output


def _pyright() -> list[str]:
    found = shutil.which("pyright", path=str(Path(sys.executable).parent))
    assert found, "pyright is in the dev extra: reinstall with pip install -e .[dev]"
    return [found]


def test_readme_and_examples_pass_pyright_strict(user_project: Project) -> None:
    settings = {"typeCheckingMode": "strict", "pythonVersion": "3.10"}
    (user_project.root / "pyrightconfig.json").write_text(json.dumps(settings))
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}  # no version check online
    output = _run(
        [*_pyright(), "--pythonpath", str(user_project.python), *user_project.files],
        cwd=user_project.root,
        env=env,
    )
    assert "0 errors" in output, output
