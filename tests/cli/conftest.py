"""Fixtures for the CLI tests: a click runner and a seeded emulator on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

from agentcore_billing.cli import cli
from agentcore_billing.emulator import DemoData, Emulator


@dataclass
class Cli:
    """Runs ``agentcore-billing`` in-process, pointed at one emulator."""

    runner: CliRunner
    endpoint_url: str

    def __call__(self, *args: str, input: str | bytes | None = None, aws: bool = True) -> Result:
        argv: list[str] = list(args)
        if aws:
            argv += ["--endpoint-url", self.endpoint_url, "--region", "us-east-1"]
        return self.runner.invoke(cli, argv, input=input, catch_exceptions=True)

    @staticmethod
    def json(result: Result) -> Any:
        """The command's stdout parsed as JSON."""
        return json.loads(result.stdout)

    @staticmethod
    def json_line(text: str) -> Any:
        """``text``, which must be exactly one line, parsed as JSON."""
        assert len(text.strip().splitlines()) == 1, text
        return json.loads(text)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A running emulator with the demo data set; stopped after the test."""
    with Emulator(seed=1, demo_data=True) as emu:
        yield emu


@pytest.fixture
def demo_data(emulator: Emulator) -> DemoData:
    """The emulator's demo data set (manager ARN, customers, tokens, a wallet)."""
    assert emulator.demo is not None
    return emulator.demo


@pytest.fixture
def run(emulator: Emulator) -> Cli:
    """Invoke the CLI against the emulator."""
    return Cli(CliRunner(), emulator.endpoint_url)


def lines(text: str) -> Sequence[str]:
    """Non-empty lines of ``text``."""
    return [line for line in text.splitlines() if line.strip()]
