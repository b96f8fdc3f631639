"""Figures for the long suites (chaos, lost answers, fuzz): one line per test in the summary.

Every test asks for the ``figures`` fixture and records what it measured (records,
requests, faults injected, outcomes, examples, seconds). The figures are shown in a
table at the end of the run whether or not ``-s`` is given, and are also attached to
the test report as ``record_property`` entries (JUnit XML ``<properties>``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

_FIGURES = pytest.StashKey[list["Figures"]]()


@dataclass
class Figures:
    """What one reliability test measured, in insertion order."""

    test: str
    values: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def add(self, **values: Any) -> None:
        """Record figures (a later value for the same name replaces the earlier one)."""
        self.values.update(values)

    def bump(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to a counter figure."""
        self.values[name] = int(self.values.get(name, 0)) + amount

    def line(self) -> str:
        """The figures as ``name=value`` pairs."""
        return ", ".join(f"{name}={_show(value)}" for name, value in self.values.items())


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {_show(item)}" for key, item in value.items())
        return "{" + inner + "}"
    return str(value)


@pytest.fixture
def figures(request: pytest.FixtureRequest, record_property: Any) -> Iterator[Figures]:
    """Collect this test's figures; they reach the terminal summary and the report."""
    collected = Figures(test=request.node.name)
    yield collected
    collected.add(seconds=round(time.perf_counter() - collected.started, 2))
    request.config.stash.setdefault(_FIGURES, []).append(collected)
    for name, value in collected.values.items():
        record_property(name, value)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the figures table (only when reliability tests ran)."""
    collected = config.stash.get(_FIGURES, [])
    if not collected:
        return
    terminalreporter.section("reliability figures")
    for item in collected:
        terminalreporter.write_line(f"{item.test}: {item.line()}")
    examples = sum(int(item.values.get("examples", 0)) for item in collected)
    seconds = sum(float(item.values.get("seconds", 0.0)) for item in collected)
    terminalreporter.write_line(
        f"total: {len(collected)} tests, {examples} hypothesis examples, {seconds:.1f}s"
    )
