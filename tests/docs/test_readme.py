"""The README stays true: its Python runs against the emulator, its commands parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agentcore_billing.cli import cli
from agentcore_billing.emulator import Emulator

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture
def emulator_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(demo_data=True) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL", emu.endpoint_url)
        yield emu


def test_python_snippets_run_against_the_emulator(
    emulator_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    snippets = _blocks("python")
    assert len(snippets) >= 3
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert out.count("paid: PROOF_GENERATED") == 2
    assert "refused: ServiceQuotaExceededException" in out
    assert "<MeteringOutcome.SUCCESS: 'Success'>: 3" in out
    assert emulator_env.sessions() == ()  # the with-block deleted the session


def _cli_lines() -> list[list[str]]:
    lines = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("agentcore-billing "):
                lines.append(shlex.split(command.split("<", 1)[0]))
    return lines


@pytest.mark.parametrize("argv", _cli_lines(), ids=lambda argv: " ".join(argv[1:3]))
def test_every_cli_line_in_the_readme_parses(argv: list[str]) -> None:
    result = CliRunner().invoke(cli, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_two_commands_are_the_ones_ci_and_dev_py_run() -> None:
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 dev.py test" in README and "exec python3 dev.py test" in ci
    assert "python3 dev.py demo" in README


ROOT = Path(__file__).resolve().parents[2]


def _dev_env_is_current() -> bool:
    import hashlib

    stamp = ROOT / ".venv" / ".installed-from"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text() == wanted


@pytest.mark.skipif(
    not _dev_env_is_current(),
    reason="dev.py has not set up .venv here (it has on CI, before the tests run), and "
    "the test must not install anything",
)
def test_the_readme_demo_command_runs() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "demo", "--records", "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Outcome of 200 records" in result.stdout
