"""The gate every BatchMeterUsage attempt passes: it stops sending when the call ends.

A batch call's worker threads send only while the call is alive. The calling thread
*renews* the gate whenever it runs (reading input, collecting answers, yielding a
result); a worker asks the gate for *permission* right before every attempt, after every
wait (pacing and back-off). Permission is refused for good once the gate is *stopped*
(the call returned, raised, was interrupted or its iterator closed), and withheld while
the calling thread has not renewed it for ``stale_after`` seconds: a consumer that raised
out of a ``for`` loop without closing the iterator leaves the generator suspended, and
no request may start on its behalf. Waits in workers wake at once when the gate stops.
"""

from __future__ import annotations

import threading

from agentcore_billing._core.clock import Monotonic, Sleep, monotonic, real_sleep

from .pacing import Pacer


class Stopped(Exception):  # noqa: N818 - a signal, not an error
    """Raised in a worker when the gate refuses an attempt (the call has ended)."""


class Gate:
    """Stop flag plus liveness of the calling thread.

    Example:
        >>> gate = Gate()
        >>> gate.renew(); gate.permit()
        >>> gate.stop(); gate.stopped
        True
    """

    def __init__(self, *, stale_after: float = 1.0, clock: Monotonic = monotonic) -> None:
        self.stale_after = stale_after
        self._clock = clock
        self._changed = threading.Condition()
        self._stopped = False
        self._renewed = clock()
        self._owner = threading.get_ident()

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopped

    def renew(self) -> None:
        """The calling thread is alive: workers may go on."""
        now = self._clock()
        idle = now - self._renewed
        self._renewed = now
        self._owner = threading.get_ident()
        # A worker waits for a renewal only once the gate has gone stale, so a renewal
        # that comes sooner has no one to wake (and is called once per result).
        if self._stopped or idle <= self.stale_after:
            return
        with self._changed:
            self._changed.notify_all()

    def stop(self) -> None:
        """No further attempt may start; wake every waiting worker."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def permit(self) -> None:
        """Return when an attempt may start; raise :class:`Stopped` when none may."""
        with self._changed:
            while True:
                if self._stopped:
                    raise Stopped
                # The calling thread sends itself when one request is all there is.
                if threading.get_ident() == self._owner:
                    return
                idle = self._clock() - self._renewed
                if idle <= self.stale_after:
                    return
                self._changed.wait(timeout=0.25)

    def sleep(self, seconds: float, injected: Sleep | None = None) -> None:
        """Wait ``seconds`` (through ``injected`` when given), then :meth:`permit`."""
        if seconds > 0:
            if injected is not None and injected is not real_sleep:
                injected(seconds)
            else:
                with self._changed:
                    self._changed.wait_for(lambda: self._stopped, timeout=seconds)
        self.permit()


class GatedPacer:
    """A pacer whose waits go through a :class:`Gate` (the engine's ``Pacer`` protocol).

    Example:
        >>> from agentcore_billing._core.clock import ManualClock
        >>> clock = ManualClock()
        >>> paced = GatedPacer(Pacer(10.0, monotonic=clock.monotonic), Gate(), clock.sleep)
        >>> paced.acquire(), paced.acquire()
        (0.0, 0.1)
    """

    def __init__(self, pacer: Pacer, gate: Gate, sleep: Sleep | None) -> None:
        self._pacer = pacer
        self._gate = gate
        self._sleep = sleep

    def acquire(self) -> float:
        """Take the next slot, waiting through the gate."""
        wait = self._reserve(0.0)
        self._gate.sleep(wait, self._sleep)
        return wait

    def acquire_after(self, delay: float, limit: float | None = None) -> float | None:
        """Take the first slot after a back-off of ``delay`` (slept by the caller);
        ``None`` when it lies more than ``limit`` seconds away (nothing waited)."""
        start = self._reserve(delay)
        if limit is not None and start > limit:
            return None
        extra = start - max(0.0, delay)
        if extra > 0:
            self._gate.sleep(extra, self._sleep)
            return extra
        return 0.0

    def on_throttle(self) -> None:
        """Pass a throttle on to the shared pacer."""
        self._pacer.on_throttle()

    def on_success(self) -> None:
        """Pass a success on to the shared pacer."""
        self._pacer.on_success()

    def _reserve(self, after: float) -> float:
        return self._pacer.reserve(after=after)


def gated_sleep(gate: Gate, injected: Sleep | None) -> Sleep:
    """A ``Sleep`` for the retry layer that waits through ``gate``."""

    def sleep(seconds: float) -> None:
        gate.sleep(seconds, injected)

    return sleep
