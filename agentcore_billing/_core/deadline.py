"""The per-call deadline made hard: the last attempt's read timeout is cut to the time left.

botocore sets its timeouts per client (on the connection pool), not per request, and
one client may serve several threads at once (a batch's workers). Since botocore
1.43.72 a ``read_timeout`` in a request's context overrides the pool's read timeout for
that request only. A ``before-send`` handler, registered once on every client the
engine drives (built here or injected), puts the time left of the calling thread's call
there. The time left travels in a context variable set around each attempt, so
threads sharing a client each cut their own request, and the handler does nothing for
calls that are not the library's.

What it cannot cut: the connect phase (botocore takes ``connect_timeout`` from the
pool; 10 s in clients this library builds) and a response trickling in byte by byte
(a read timeout bounds each read, not their sum).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .clock import Monotonic

MIN_ATTEMPT = 0.1
"""Seconds an attempt is given at least: no retry starts with less time left."""

_HANDLER_ID = "agentcore-billing-deadline"


@dataclass
class Budget:
    """The time left of one call, on the clock of its retry layer.

    ``deadline`` is the policy's deadline in seconds and ``ends`` the moment it passes
    (both ``None`` without one). ``hard`` says whether the clock is real time: only
    then can it bound a socket (a test's fake second passes in a microsecond).
    ``cut_to`` is the read timeout the current attempt was given when it was
    shortened, else ``None``.

    Example:
        >>> from agentcore_billing._core.clock import ManualClock
        >>> clock = ManualClock()
        >>> budget = Budget(deadline=2.5, ends=2.5, clock=clock.monotonic, hard=False)
        >>> clock.advance(2.0); budget.left()
        0.5
    """

    deadline: float | None
    ends: float | None
    clock: Monotonic
    hard: bool
    cut_to: float | None = None

    def left(self) -> float:
        """Seconds until the deadline (infinite without one)."""
        return float("inf") if self.ends is None else self.ends - self.clock()


_current: ContextVar[Budget | None] = ContextVar("agentcore_billing_budget", default=None)


@contextmanager
def attempt_within(budget: Budget) -> Iterator[Budget]:
    """Run one attempt of the calling thread under ``budget``."""
    budget.cut_to = None
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def install(client: Any) -> None:
    """Register the read-timeout cut on ``client`` (idempotent, per client)."""
    client.meta.events.register("before-send", _cut_read_timeout, unique_id=_HANDLER_ID)


def _cut_read_timeout(request: Any, **_: Any) -> None:
    budget = _current.get()
    if budget is None or not budget.hard or budget.ends is None:
        return
    context = getattr(request, "context", None)
    if context is None:
        return
    configured = getattr(context.get("client_config"), "read_timeout", None)
    left = budget.left()
    if configured is not None and left >= configured:
        return
    # Never zero: urllib3 reads a zero timeout as non-blocking, not as "none left".
    # The retry layer starts no attempt with less than MIN_ATTEMPT left, so this floor
    # only matters when botocore itself retries (an injected client) or signing was slow.
    cut = max(left, MIN_ATTEMPT / 2)
    context["read_timeout"] = cut
    budget.cut_to = cut
