"""The library's single retry layer, built on tenacity.

Clients the library builds get botocore ``total_max_attempts=1`` so that every retry
happens here, where the client token is fixed and the sleep and clock are injected.
A client you inject keeps its own botocore retry settings: its retries then stack under
ours (each of our attempts may be several HTTP requests, all with the same token, so
idempotency still holds, but the attempt count and the deadline multiply). Build it
with ``Config(retries={"total_max_attempts": 1})`` to keep one layer.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tenacity import RetryCallState, Retrying, retry_if_exception

from .clock import Monotonic, Sleep, monotonic, real_sleep
from .deadline import MIN_ATTEMPT, Budget
from .errors import ServiceError

T = TypeVar("T")

logger = logging.getLogger("agentcore_billing")


class RetryPolicy(BaseModel):
    """How transient failures are retried: exponential back-off with full jitter.

    Only throttling, 5xx/internal and transport errors are retried; validation,
    access, conflict, not-found, quota and subscription errors never are.

    Attributes:
        max_attempts: attempts in all, the first included (1 = no retry).
        initial_delay: the back-off cap before the first retry, in seconds; the cap
            doubles on every retry up to ``max_delay``.
        max_delay: the largest single wait, in seconds.
        deadline: total seconds a call may spend from its first attempt on, waits and
            the last attempt's read included (its read timeout is cut to the time left;
            no retry starts with less than 0.1 s left); ``None`` = no limit.
        jitter: full jitter (a uniform draw below the cap) when True; the cap itself
            when False (useful for exact tests).

    Example:
        >>> policy = RetryPolicy(max_attempts=3, initial_delay=0.5)
        >>> policy.backoff(1, jitter_draw=1.0), policy.backoff(2, jitter_draw=1.0)
        (0.5, 1.0)
        >>> RetryPolicy.none().max_attempts
        1
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=6, ge=1, le=100)
    initial_delay: float = Field(default=0.2, ge=0, allow_inf_nan=False)
    max_delay: float = Field(default=8.0, ge=0, allow_inf_nan=False)
    deadline: float | None = Field(default=60.0, gt=0, allow_inf_nan=False)
    jitter: bool = True

    @model_validator(mode="after")
    def _delays_ordered(self) -> RetryPolicy:
        if self.max_delay < self.initial_delay:
            raise ValueError("max_delay must be >= initial_delay")
        return self

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy of one attempt and no retries.

        Example:
            >>> RetryPolicy.none().max_attempts
            1
        """
        return cls(max_attempts=1, initial_delay=0.0, max_delay=0.0, deadline=None)

    def backoff(self, retry_number: int, *, jitter_draw: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1 = the first retry).

        ``jitter_draw`` in [0, 1) scales the cap; ``None`` draws one when jitter is on.
        """
        cap = min(self.max_delay, self.initial_delay * float(2 ** max(0, retry_number - 1)))
        if not self.jitter:
            return cap
        draw = random.random() if jitter_draw is None else float(jitter_draw)
        return float(cap * draw)


DEFAULT_RETRY_POLICY = RetryPolicy()


def is_retryable(exc: BaseException) -> bool:
    """The retry predicate: our own error types that say they are transient.

    Example:
        >>> from agentcore_billing._core.errors import ThrottlingError, AccessDeniedError
        >>> is_retryable(ThrottlingError(operation="Op", code="ThrottlingException"))
        True
        >>> is_retryable(AccessDeniedError(operation="Op", code="AccessDeniedException"))
        False
    """
    return isinstance(exc, ServiceError) and exc.retryable


class Retrier:
    """Runs a callable under a :class:`RetryPolicy` with injected sleep and clock.

    Example:
        >>> from agentcore_billing._core.clock import ManualClock
        >>> clock = ManualClock()
        >>> retrier = Retrier(RetryPolicy(jitter=False), sleep=clock.sleep,
        ...                   monotonic=clock.monotonic)
        >>> retrier.run(lambda: "ok", operation="GetPaymentSession")
        'ok'
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy or DEFAULT_RETRY_POLICY
        self.sleep: Sleep = sleep or real_sleep
        self.monotonic: Monotonic = monotonic or _default_monotonic
        self._rng = rng

    def budget(self, started: float | None = None) -> Budget:
        """The time budget of a call started at ``started`` (default: now).

        Example:
            >>> Retrier(RetryPolicy(deadline=2.5)).budget().hard
            True
        """
        deadline = self.policy.deadline
        if started is None:
            started = self.monotonic()
        return Budget(
            deadline=deadline,
            ends=None if deadline is None else started + deadline,
            clock=self.monotonic,
            hard=self.monotonic in _REAL_CLOCKS,
        )

    def run(
        self,
        fn: Callable[[], T],
        *,
        operation: str,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
        started: float | None = None,
    ) -> T:
        """Call ``fn`` until it succeeds, fails for good, or the budget runs out.

        The last error is re-raised unchanged; ``on_retry(error, attempt, wait)`` is
        called before each wait (and may raise to end the call). The deadline counts
        from ``started`` (default: now). No retry is made that would start with less
        than ``MIN_ATTEMPT`` seconds left. The first attempt is a plain call: the
        tenacity loop is built only once a retryable failure needs it (most calls
        never do).
        """
        if started is None:
            started = self.monotonic()
        try:
            return fn()
        except ServiceError as first:
            if not first.retryable or self.policy.max_attempts <= 1:
                raise
            failure = first
        wait = self._backoff(1)
        if self._past_deadline(started, wait):
            raise failure
        self._announce(operation, failure, 1, wait, on_retry)
        self.sleep(wait)
        retrying = Retrying(
            stop=self._stop(started),
            wait=lambda state: self._backoff(state.attempt_number + 1),
            retry=retry_if_exception(is_retryable),
            sleep=self.sleep,
            reraise=True,
            before_sleep=self._before_sleep(operation, on_retry),
        )
        return retrying(fn)

    def _backoff(self, retry_number: int) -> float:
        draw = self._rng.random() if self._rng is not None else None
        return self.policy.backoff(retry_number, jitter_draw=draw)

    def _past_deadline(self, started: float, upcoming_sleep: float) -> bool:
        deadline = self.policy.deadline
        if deadline is None:
            return False
        return self.monotonic() - started + upcoming_sleep + MIN_ATTEMPT > deadline

    def _stop(self, started: float) -> Callable[[RetryCallState], bool]:
        # Tenacity counts from the second attempt: the first ran before it was built.
        def stop(state: RetryCallState) -> bool:
            if state.attempt_number + 1 >= self.policy.max_attempts:
                return True
            return self._past_deadline(started, state.upcoming_sleep)

        return stop

    def _before_sleep(
        self, operation: str, on_retry: Callable[[BaseException, int, float], None] | None
    ) -> Callable[[RetryCallState], None]:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            if error is not None:
                attempt = state.attempt_number + 1
                self._announce(operation, error, attempt, state.upcoming_sleep, on_retry)

        return before_sleep

    @staticmethod
    def _announce(
        operation: str,
        error: BaseException,
        attempt: int,
        wait: float,
        on_retry: Callable[[BaseException, int, float], None] | None,
    ) -> None:
        if isinstance(error, ServiceError):
            logger.debug(
                "retrying %s after attempt %d: %s (request %s), waiting %.3fs",
                operation,
                attempt,
                error.code,
                error.request_id or "-",
                wait,
            )
        if on_retry is not None:
            on_retry(error, attempt, wait)


def _default_monotonic() -> float:
    return monotonic()


_REAL_CLOCKS: tuple[Monotonic, ...] = (_default_monotonic, monotonic)
"""Clocks that measure real time, so a deadline on them may bound a socket read."""
