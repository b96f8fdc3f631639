"""A thread-safe request-rate pacer: token bucket with additive-increase, multiplicative-decrease.

Marketplace Metering allows 10 BatchMeterUsage (and 10 MeterUsage, 5 RegisterUsage)
requests per second per account and Region. A large batch sent as fast as the workers
can go throttles itself, so every request first takes a slot from a :class:`Pacer`.
Slots are reserved under a lock (generic cell rate algorithm: each caller learns its
own start time), and the caller sleeps outside the lock, so several worker threads
share one rate fairly.

Throttles are read as a share of recent outcomes, not one by one: a service that throttles
a small random share of requests at any rate (2 % is common) would otherwise have the
pacer cut its rate twice a second and run at half speed. When throttles make up at least
``throttle_share`` of the last ``window`` requests, the rate is multiplied by one minus
that share (by ``decrease`` at most) and held there for ``hold`` seconds; each later
success adds a little back until the configured rate is reached. A throttle early on,
with few outcomes recorded, is a large share, so a quota below the configured rate is
still found at once.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from agentcore_billing._core.clock import Monotonic, Sleep, monotonic, real_sleep

logger = logging.getLogger(__name__)


class Pacer:
    """Keeps calls at or under ``rate`` per second across threads.

    Args:
        rate: the highest rate, in requests per second.
        burst: how many requests may start back to back after an idle spell (1 =
            strictly spaced ``1/rate`` apart).
        min_rate: the floor for multiplicative decrease (default ``min(rate / 16, 0.5)``,
            so even a client configured far above the real quota can fall below it).
        hold: seconds after a decrease during which the rate neither falls again nor
            grows back.
        recovery_step: requests per second added back per success (default
            ``rate / 20``).
        decrease: the strongest factor a decrease applies; a decrease multiplies the
            rate by one minus the throttled share, but not by less than this, so
            mild throttling lowers the rate a little and a quota far below the pace
            lowers it fast.
        window: how many recent outcomes (throttled or not) the throttled share is
            taken over.
        throttle_share: the throttled share of the window at which the rate decreases.
        monotonic: elapsed-time source (injected in tests).
        sleep: how to wait (injected in tests).

    Example:
        >>> from agentcore_billing._core.clock import ManualClock
        >>> clock = ManualClock()
        >>> pacer = Pacer(10.0, monotonic=clock.monotonic, sleep=clock.sleep)
        >>> [pacer.acquire() for _ in range(3)]
        [0.0, 0.1, 0.1]
        >>> pacer.on_throttle(); pacer.rate  # one throttle in one outcome: a share of 100 %
        5.0
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        min_rate: float | None = None,
        hold: float = 0.5,
        recovery_step: float | None = None,
        decrease: float = 0.5,
        window: int = 20,
        throttle_share: float = 0.15,
        monotonic: Monotonic | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if not rate > 0 or rate == float("inf"):
            raise ValueError(f"rate must be a positive finite number, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst!r}")
        if not 0 < decrease < 1:
            raise ValueError(f"decrease must lie between 0 and 1, got {decrease!r}")
        self.max_rate = float(rate)
        self.min_rate = float(min_rate) if min_rate is not None else min(self.max_rate / 16, 0.5)
        self.burst = burst
        self.hold = hold
        self.recovery_step = recovery_step if recovery_step is not None else self.max_rate / 20
        self.decrease = decrease
        self.throttle_share = throttle_share
        self._monotonic: Monotonic = monotonic or _default_monotonic
        self._sleep: Sleep = sleep or real_sleep
        self._lock = threading.Lock()
        self._rate = self.max_rate
        self._tat: float | None = None  # theoretical arrival time of the next request
        self._hold_until = float("-inf")
        self._recent: deque[bool] = deque(maxlen=max(1, window))  # True = throttled
        self._throttles = 0  # throttled outcomes in ``_recent``

    @property
    def rate(self) -> float:
        """The current allowed rate, in requests per second."""
        with self._lock:
            return self._rate

    def reserve(self, after: float = 0.0) -> float:
        """Reserve the next slot starting ``after`` seconds from now or later; return the wait.

        Example:
            >>> from agentcore_billing._core.clock import ManualClock
            >>> pacer = Pacer(4.0, monotonic=ManualClock().monotonic)
            >>> pacer.reserve(), pacer.reserve(), pacer.reserve(after=2.0)
            (0.0, 0.25, 2.0)
        """
        with self._lock:
            now = self._monotonic()
            earliest = now + max(0.0, after)
            interval = 1.0 / self._rate
            tat = earliest if self._tat is None else max(self._tat, earliest)
            start = max(earliest, tat - (self.burst - 1) * interval)
            self._tat = tat + interval
            return start - now

    def acquire(self) -> float:
        """Wait for the next slot; return the seconds waited.

        Example:
            >>> from agentcore_billing._core.clock import ManualClock
            >>> clock = ManualClock()
            >>> pacer = Pacer(2.0, monotonic=clock.monotonic, sleep=clock.sleep)
            >>> pacer.acquire(), pacer.acquire(), clock.sleeps
            (0.0, 0.5, [0.5])
        """
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def acquire_after(self, delay: float, limit: float | None = None) -> float | None:
        """Take the first slot at least ``delay`` seconds away, for a caller about to
        sleep ``delay`` itself (a retry's back-off): sleep only the wait beyond it.

        The slot is placed after the back-off, so the back-off does not spend a slot
        other requests could have used. Returns the seconds slept here, or ``None``
        (nothing slept; the slot goes unused) when the slot lies more than ``limit``
        seconds away: a call whose deadline comes first ends instead of waiting.

        Example:
            >>> from agentcore_billing._core.clock import ManualClock
            >>> clock = ManualClock()
            >>> pacer = Pacer(2.0, monotonic=clock.monotonic, sleep=clock.sleep)
            >>> pacer.acquire(), pacer.acquire_after(0.25), pacer.acquire_after(2.0)
            (0.0, 0.25, 0.0)
            >>> pacer.acquire_after(0.0, limit=1.0) is None  # the next free slot: 2.5 s away
            True
        """
        start = self.reserve(after=delay)
        if limit is not None and start > limit:
            return None
        extra = start - max(0.0, delay)
        if extra > 0:
            self._sleep(extra)
            return extra
        return 0.0

    def on_throttle(self) -> None:
        """Record a throttle; decrease the rate when throttles are a large share lately.

        At most one decrease per hold period: several in-flight requests throttled
        together count as one signal, so the rate is not divided by the number of
        workers.
        """
        with self._lock:
            self._record(True)
            now = self._monotonic()
            if now < self._hold_until and self._rate < self.max_rate:
                return
            share = self._throttles / len(self._recent)
            if share < self.throttle_share:
                return
            self._rate = max(self.min_rate, self._rate * max(self.decrease, 1.0 - share))
            self._hold_until = now + self.hold
            rate = self._rate
        logger.debug("throttled: pacing lowered to %.2f requests/s", rate)

    def on_success(self) -> None:
        """Record a success; grow the rate back by ``recovery_step`` after the hold."""
        with self._lock:
            self._record(False)
            if self._rate >= self.max_rate or self._monotonic() < self._hold_until:
                return
            self._rate = min(self.max_rate, self._rate + self.recovery_step)

    def _record(self, throttled: bool) -> None:
        if len(self._recent) == self._recent.maxlen and self._recent[0]:
            self._throttles -= 1
        self._recent.append(throttled)
        self._throttles += throttled


def _default_monotonic() -> float:
    return monotonic()


_SHARED: dict[tuple[object, ...], Pacer] = {}
_SHARED_LOCK = threading.Lock()


def shared_pacer(key: tuple[object, ...], rate: float) -> Pacer:
    """The process-wide pacer of ``key`` (an operation, account and Region), made once.

    Clients of one account and Region in one process share their quota, so they share
    one pacer: eight clients pacing on their own would send eight times the quota.

    Example:
        >>> shared_pacer(("Op", "doc"), 10.0) is shared_pacer(("Op", "doc"), 10.0)
        True
    """
    with _SHARED_LOCK:
        full = (*key, rate)
        pacer = _SHARED.get(full)
        if pacer is None:
            pacer = _SHARED[full] = Pacer(rate)
        return pacer
