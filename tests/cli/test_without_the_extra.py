"""Installed without the ``cli`` extra, the command says what to install, in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCK = "import sys; sys.modules[{module!r}] = None;"  # `import module` then fails


@pytest.mark.parametrize("module", ["click", "rich"])
def test_the_command_without_its_extra_prints_one_line(module: str) -> None:
    code = BLOCK.format(module=module) + (
        "import runpy; runpy.run_module('agentcore_billing', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "agentcore-billing: the command line needs the 'cli' extra "
        f"(missing {module}): pip install 'agentcore-billing[cli]'\n"
    )


def test_other_import_errors_are_not_hidden() -> None:
    code = BLOCK.format(module="agentcore_billing.cli._app") + (
        "from agentcore_billing.cli import main; main(['--help'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr and "agentcore_billing.cli._app" in done.stderr
