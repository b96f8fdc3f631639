"""Pure tests of the token-bucket pacer (manual clock, no real sleeping)."""

from __future__ import annotations

import threading

import pytest

from agentcore_billing._core.clock import ManualClock
from agentcore_billing._metering.pacing import Pacer


def _pacer(rate: float = 10.0, **kwargs: object) -> tuple[Pacer, ManualClock]:
    clock = ManualClock()
    return Pacer(rate, monotonic=clock.monotonic, sleep=clock.sleep, **kwargs), clock  # type: ignore[arg-type]


def test_requests_are_spaced_one_interval_apart() -> None:
    pacer, clock = _pacer(10.0)
    waits = [pacer.acquire() for _ in range(10)]
    assert waits[0] == 0
    assert clock.sleeps == pytest.approx([0.1] * 9)
    # Ten requests took 0.9 s: never more than 10 starts in any one-second span.
    assert clock.monotonic() == pytest.approx(0.9)


def test_idle_time_is_not_banked_beyond_the_burst() -> None:
    pacer, clock = _pacer(10.0)
    pacer.acquire()
    clock.advance(5.0)
    assert pacer.acquire() == 0
    assert pacer.acquire() == pytest.approx(0.1)

    bursty, clock = _pacer(10.0, burst=3)
    assert [bursty.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_throttling_lowers_the_rate_once_per_hold_and_recovers_additively() -> None:
    pacer, clock = _pacer(10.0, hold=1.0, recovery_step=1.0, decrease=0.5)
    pacer.on_throttle()  # the first outcome, throttled: a share of 100 %
    assert pacer.rate == 5.0
    pacer.on_throttle()  # a second worker throttled in the same hold period
    assert pacer.rate == 5.0
    pacer.on_success()  # still holding
    assert pacer.rate == 5.0
    clock.advance(1.0)
    pacer.on_success()
    pacer.on_success()
    assert pacer.rate == 7.0
    pacer.on_throttle()  # 3 throttles in 6 outcomes
    assert pacer.rate == 3.5
    for _ in range(20):
        clock.advance(1.0)
        pacer.on_success()
    assert pacer.rate == 10.0  # never above the configured rate


def test_a_lone_throttle_among_successes_leaves_the_rate() -> None:
    pacer, clock = _pacer(100.0)
    for _ in range(50):
        pacer.on_success()
    pacer.on_throttle()  # 1 in the last 20 outcomes: random, not the quota
    assert pacer.rate == 100.0
    for step in range(500):  # 2 % of requests throttled at random, spread out
        clock.advance(0.01)
        pacer.on_throttle() if step % 50 == 0 else pacer.on_success()
    assert pacer.rate == 100.0


def test_sustained_throttling_keeps_lowering_the_rate() -> None:
    pacer, clock = _pacer(100.0, hold=0.5)
    for _ in range(40):
        pacer.on_success()
    for step in range(200):  # half the requests throttled: the quota is below the pace
        clock.advance(0.01)
        pacer.on_throttle() if step % 2 else pacer.on_success()
    # Four hold periods went by, each starting with a decrease; recovery cannot keep up.
    assert pacer.rate < 100.0 * 0.75**2


def test_the_decrease_follows_the_throttled_share() -> None:
    mild, _ = _pacer(100.0)
    for _ in range(17):
        mild.on_success()
    for _ in range(3):
        mild.on_throttle()  # 3 of 20: lowered by 15 %, not halved
    assert mild.rate == pytest.approx(85.0)


def test_a_retry_takes_its_slot_after_the_back_off() -> None:
    pacer, _ = _pacer(10.0)
    pacer.acquire()
    assert pacer.acquire_after(0.5) == 0  # the slot 0.1 s away falls inside the back-off
    assert pacer.reserve() == pytest.approx(0.6)  # the next slot follows the retry's
    fresh, _ = _pacer(10.0)
    fresh.acquire()
    fresh.acquire()
    assert fresh.acquire_after(0.05) == pytest.approx(0.05)  # waits only beyond the back-off


def test_rate_never_drops_below_the_floor() -> None:
    pacer, clock = _pacer(8.0, min_rate=2.0)
    for _ in range(10):
        pacer.on_throttle()
        clock.advance(2.0)
    assert pacer.rate == 2.0


def test_throttled_spacing_widens() -> None:
    pacer, clock = _pacer(10.0)
    pacer.acquire()
    pacer.on_throttle()
    pacer.acquire()  # slot reserved at the old rate
    pacer.acquire()
    assert clock.sleeps == pytest.approx([0.1, 0.2])


def test_reservations_are_unique_across_threads() -> None:
    """With time frozen, N concurrent reservations get exactly the N distinct slots."""
    pacer, _ = _pacer(10.0)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            wait = pacer.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([i / 10 for i in range(400)])


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_bad_rates_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Pacer(rate)


def test_bad_burst_is_refused() -> None:
    with pytest.raises(ValueError, match="burst"):
        Pacer(1.0, burst=0)
