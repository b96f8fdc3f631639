"""The one place that reads real time or really sleeps.

Everything else in the package receives a ``Clock`` (wall time, timezone-aware UTC),
a ``Monotonic`` (elapsed-time source) and a ``Sleep`` as injected callables, so tests
drive time by hand and never sleep. Ruff's ``banned-api`` rule keeps it that way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]
"""Returns the current wall-clock time as a timezone-aware UTC datetime."""

Monotonic = Callable[[], float]
"""Returns seconds from an arbitrary origin; only differences are meaningful."""

Sleep = Callable[[float], None]
"""Blocks the calling thread for the given number of seconds."""


def utc_now() -> datetime:
    """Return the current time in UTC (timezone-aware).

    Example:
        >>> utc_now().tzinfo is not None
        True
    """
    return datetime.now(timezone.utc)


def monotonic() -> float:
    """Return the value of the process's monotonic clock in seconds."""
    return time.monotonic()


def real_sleep(seconds: float) -> None:
    """Sleep for ``seconds`` (non-positive values return at once)."""
    if seconds > 0:
        time.sleep(seconds)


class ManualClock:
    """A hand-driven clock and sleep for tests and simulations.

    ``sleep`` advances time instead of waiting and records every request, so code
    under test runs instantly and its back-off is observable.

    Example:
        >>> clock = ManualClock(datetime(2026, 11, 23, 10, tzinfo=timezone.utc))
        >>> clock.sleep(1.5)
        >>> clock.sleeps, clock.monotonic()
        ([1.5], 1.5)
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        """Current wall time: the start time plus everything slept or advanced."""
        from datetime import timedelta

        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        """Seconds elapsed since the clock was created."""
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        """Record ``seconds`` and advance the clock by it."""
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep."""
        self._elapsed += max(0.0, seconds)
