#!/usr/bin/env python3
"""Set up and run everything with nothing but python3 (3.10+).

    python3 dev.py demo      # create .venv, install, run the end-to-end demo
    python3 dev.py test      # create .venv, install, run ruff, mypy --strict and pytest
    python3 dev.py bench     # create .venv, install, run the benchmarks

The virtual environment lives in ./.venv and is reinstalled only when pyproject.toml
changes. Extra arguments after the command are passed on (to pytest for ``test``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_env() -> None:
    """Create .venv and install the package with its dev extras when needed."""
    if sys.version_info < (3, 10):  # noqa: UP036 - runs before the venv exists
        sys.exit("python 3.10 or newer is needed")
    if not PYTHON.exists():
        print(f"creating {VENV.name}/", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(_fingerprint())


def demo(extra: list[str]) -> None:
    _run(PYTHON, "-m", "agentcore_billing", "demo", *extra)


def test(extra: list[str]) -> None:
    _run(PYTHON, "-m", "ruff", "check", ".")
    _run(PYTHON, "-m", "ruff", "format", "--check", ".")
    _run(PYTHON, "-m", "mypy")
    _run(
        PYTHON,
        "-m",
        "pytest",
        "-q",
        # Parallel on every core; no test depends on another's order or process.
        "-n",
        "auto",
        "--cov=agentcore_billing",
        "--cov-report=term",
        *extra,
    )


def bench(extra: list[str]) -> None:
    _run(PYTHON, "-m", "benchmarks", *extra)


COMMANDS = {"demo": demo, "test": test, "bench": bench}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in COMMANDS:
        sys.exit(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]")
    ensure_env()
    COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
