"""A thread-safe request-rate pacer: token bucket with additive-increase, multiplicative-decrease.

Marketplace Metering allows 10 BatchMeterUsage (and 10 MeterUsage, 5 RegisterUsage)
requests per second per account and Region. A large batch sent as fast as the workers
can go throttles itself, so every request first takes a slot from a :class:`Pacer`.
Slots are reserved under a lock (generic cell rate algorithm: each caller learns its
own start time), and the caller sleeps outside the lock, so several worker threads
share one rate fairly. A ``ThrottlingException`` halves the rate and holds it down for
a while; each later success adds a little back until the configured rate is reached.
"""

from __future__ import annotations

import logging
import threading

from ._clock import Monotonic, Sleep, monotonic, real_sleep

logger = logging.getLogger(__name__)


class Pacer:
    """Keeps calls at or under ``rate`` per second across threads.

    Args:
        rate: the highest rate, in requests per second.
        burst: how many requests may start back to back after an idle spell (1 =
            strictly spaced ``1/rate`` apart).
        min_rate: the floor for multiplicative decrease (default ``min(rate / 16, 0.5)``,
            so even a client configured far above the real quota can fall below it).
        hold: seconds after a throttle during which the rate does not grow back.
        recovery_step: requests per second added back per success (default
            ``rate / 20``).
        monotonic: elapsed-time source (injected in tests).
        sleep: how to wait (injected in tests).

    Example:
        >>> from agentcore_billing._clock import ManualClock
        >>> clock = ManualClock()
        >>> pacer = Pacer(10.0, monotonic=clock.monotonic, sleep=clock.sleep)
        >>> [pacer.acquire() for _ in range(3)]
        [0.0, 0.1, 0.1]
        >>> pacer.on_throttle(); pacer.rate
        5.0
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        min_rate: float | None = None,
        hold: float = 1.0,
        recovery_step: float | None = None,
        monotonic: Monotonic | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if not rate > 0 or rate == float("inf"):
            raise ValueError(f"rate must be a positive finite number, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst!r}")
        self.max_rate = float(rate)
        self.min_rate = float(min_rate) if min_rate is not None else min(self.max_rate / 16, 0.5)
        self.burst = burst
        self.hold = hold
        self.recovery_step = recovery_step if recovery_step is not None else self.max_rate / 20
        self._monotonic: Monotonic = monotonic or _default_monotonic
        self._sleep: Sleep = sleep or real_sleep
        self._lock = threading.Lock()
        self._rate = self.max_rate
        self._tat: float | None = None  # theoretical arrival time of the next request
        self._hold_until = float("-inf")

    @property
    def rate(self) -> float:
        """The current allowed rate, in requests per second."""
        with self._lock:
            return self._rate

    def reserve(self) -> float:
        """Reserve the next slot and return how long the caller must wait for it.

        Example:
            >>> from agentcore_billing._clock import ManualClock
            >>> pacer = Pacer(4.0, monotonic=ManualClock().monotonic)
            >>> pacer.reserve(), pacer.reserve()
            (0.0, 0.25)
        """
        with self._lock:
            now = self._monotonic()
            interval = 1.0 / self._rate
            tat = now if self._tat is None else max(self._tat, now)
            start = max(now, tat - (self.burst - 1) * interval)
            self._tat = tat + interval
            return start - now

    def acquire(self) -> float:
        """Wait for the next slot; return the seconds waited.

        Example:
            >>> from agentcore_billing._clock import ManualClock
            >>> clock = ManualClock()
            >>> pacer = Pacer(2.0, monotonic=clock.monotonic, sleep=clock.sleep)
            >>> pacer.acquire(), pacer.acquire(), clock.sleeps
            (0.0, 0.5, [0.5])
        """
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def on_throttle(self) -> None:
        """Halve the rate (not below ``min_rate``), once per hold period.

        Several in-flight requests throttled together count as one signal, so the
        rate is not divided by the number of workers.
        """
        with self._lock:
            now = self._monotonic()
            if now < self._hold_until and self._rate < self.max_rate:
                return
            self._rate = max(self.min_rate, self._rate / 2)
            self._hold_until = now + self.hold
            rate = self._rate
        logger.debug("throttled: pacing lowered to %.2f requests/s", rate)

    def on_success(self) -> None:
        """Grow the rate back by ``recovery_step`` once the hold period is over."""
        with self._lock:
            if self._rate >= self.max_rate or self._monotonic() < self._hold_until:
                return
            self._rate = min(self.max_rate, self._rate + self.recovery_step)


def _default_monotonic() -> float:
    return monotonic()
