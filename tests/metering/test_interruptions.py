"""Every billed record reaches on_result through interruptions (emulator over HTTP).

Each test compares the emulator's accepted set (what would be billed) with what
``on_result`` received: nothing billed may go unreported, and no library thread may
send after the call has returned or raised.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from agentcore_billing import MeteringOutcome, RetryPolicy, UsageRecord
from agentcore_billing.emulator import NO_QUOTAS, FaultConfig

from . import _emulated as e


class Journal:
    """An on_result that records what it got and checks it is never entered twice."""

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.threads: set[int] = set()
        self._inside = threading.Lock()

    def __call__(self, result: Any) -> None:
        assert self._inside.acquire(blocking=False), "on_result entered twice at once"
        try:
            self.threads.add(threading.get_ident())
            self.results.append(result)
        finally:
            self._inside.release()

    def billed(self) -> set[Any]:
        return {e.key(r) for r in self.results if r.outcome is MeteringOutcome.SUCCESS}


def _fake_time(clock: Any) -> dict[str, Any]:
    return {"clock": clock.now, "sleep": clock.sleep, "monotonic": clock.monotonic}


def _workers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "agentcore-metering" and t.is_alive()]


def _joined_workers(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    for thread in _workers_alive():
        thread.join(max(0.0, deadline - time.monotonic()))
    return not _workers_alive()


@pytest.fixture
def seeded(make_emulator: Any, boto_session: Any, clock: Any) -> Any:
    """Build ``(emulator, client)``: 100 subscribed customers, no quotas, fake time."""

    def build(max_workers: int) -> tuple[Any, Any]:
        emu = make_emulator(quotas=NO_QUOTAS)
        e.seed(emu, 100)
        metering = e.client(emu, boto_session, max_workers=max_workers, **_fake_time(clock))
        return emu, metering

    return build


def test_on_result_gets_each_result_once_from_the_calling_thread(seeded: Any) -> None:
    emu, metering = seeded(max_workers=4)
    journal = Journal()
    report = metering.batch_meter_usage(e.records(600, customers=100), on_result=journal)
    assert len(journal.results) == 600 == len(report.results)
    assert sorted(r.index for r in journal.results) == list(range(600))
    assert journal.threads == {threading.get_ident()}
    assert journal.billed() == e.billed(emu)


def test_results_come_per_answered_request_not_per_chunk(seeded: Any) -> None:
    # Before: the first result waited for the whole 500-record chunk (20 requests).
    emu, metering = seeded(max_workers=1)
    stream = metering.iter_batch_meter_usage(e.records(500, customers=100))
    first = next(stream)
    assert first.index == 0 and first.ok
    assert len(e.batch_requests(emu)) == 1
    stream.close()


@pytest.mark.parametrize("how", ["break", "close", "consumer raises"])
def test_stopping_the_iterator_reports_everything_billed(seeded: Any, how: str) -> None:
    # Before: 200-325 records billed but never reported after stopping at 300 of 2,000.
    emu, metering = seeded(max_workers=4)
    journal = Journal()
    stream = metering.iter_batch_meter_usage(e.records(2000, customers=100), on_result=journal)
    with pytest.raises(RuntimeError) if how == "consumer raises" else contextlib.nullcontext():
        for n, _ in enumerate(stream, 1):
            if n == 300:
                if how == "close":
                    stream.close()
                    break
                if how == "break":
                    break
                raise RuntimeError("consumer failed")
    stream.close()  # what the garbage collector would do; idempotent
    assert _joined_workers()
    sent = len(e.batch_requests(emu))
    assert journal.billed() == e.billed(emu)
    assert len(e.billed(emu)) < 2000 and sent < 80
    assert len(e.batch_requests(emu)) == sent  # nothing after the call ended


def test_input_raising_propagates_unchanged_after_reporting_what_was_billed(seeded: Any) -> None:
    # Before: the input raising at record 1,200 with 4 workers left 650 billed, 0 reported.
    emu, metering = seeded(max_workers=4)
    failure = ValueError("input broke")

    def source() -> Iterator[UsageRecord]:
        for n, record in enumerate(e.records(2000, customers=100)):
            if n == 1200:
                raise failure
            yield record

    journal = Journal()
    with pytest.raises(ValueError) as caught:
        metering.batch_meter_usage(source(), on_result=journal)
    assert caught.value is failure
    assert _joined_workers()
    assert len(e.billed(emu)) >= 600
    assert journal.billed() == e.billed(emu)


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt during the test, whatever the runner inherited: a
    job started in the background inherits SIGINT ignored, and then ``interrupt_main``
    does nothing (the test would wait out every 30 s back-off)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_under_throttling_returns_at_once_and_twice_leaves_no_sender(
    make_emulator: Any, boto_session: Any, clock: Any
) -> None:
    # Before: Ctrl-C under throttling took 17.5 s to return, and a second Ctrl-C left
    # 4 worker threads metering. Real sleeps here: back-off waits of up to 30 s.
    emu = make_emulator(
        quotas=NO_QUOTAS, faults={"BatchMeterUsage": FaultConfig(throttle_rate=1.0)}
    )
    e.seed(emu, 100)
    slow = RetryPolicy(
        max_attempts=10, initial_delay=30.0, max_delay=30.0, deadline=None, jitter=False
    )
    metering = e.client(emu, boto_session, max_workers=4, retry=slow, clock=clock.now)
    timers = [threading.Timer(delay, _thread.interrupt_main) for delay in (0.3, 0.35)]
    started = time.monotonic()
    elapsed: float | None = None
    returned = ran = False
    interrupts = 0
    for timer in timers:
        timer.start()
    while True:
        try:
            if not ran:
                ran = True
                metering.batch_meter_usage(e.records(200, customers=100))
                returned = True
            while time.monotonic() - started < 1.0:  # let the second interrupt land
                threading.Event().wait(0.01)
            break
        except KeyboardInterrupt:
            interrupts += 1
            elapsed = elapsed if elapsed is not None else time.monotonic() - started
    assert not returned and interrupts >= 1 and elapsed is not None
    assert _joined_workers(timeout=3.0)
    sent = len(e.batch_requests(emu))
    assert elapsed < 10.0 and sent <= 8  # four requests in flight, each tried once
    assert len(e.batch_requests(emu)) == sent


@pytest.mark.parametrize(
    ("raised", "at", "workers", "billed"),
    [
        (KeyboardInterrupt, 450, 4, None),  # at a request's last result
        (KeyboardInterrupt, 60, 1, 75),  # part-way through the third answer
        (RuntimeError, 60, 1, 75),
    ],
    ids=["ctrl-c-between-answers", "ctrl-c-mid-answer", "error-mid-answer"],
)
def test_on_result_raising_still_reports_every_billed_record(
    seeded: Any, raised: type[BaseException], at: int, workers: int, billed: int | None
) -> None:
    # Before: raising at the 10th result of a 25-record answer left its last 15
    # records billed and never passed to on_result.
    emu, metering = seeded(max_workers=workers)
    journal = Journal()

    def on_result(result: Any) -> None:
        journal(result)
        if len(journal.results) == at:
            raise raised("stop")

    with pytest.raises(raised):
        metering.batch_meter_usage(e.records(2000, customers=100), on_result=on_result)
    assert _joined_workers()
    assert journal.billed() == e.billed(emu)
    assert len(e.billed(emu)) < 2000 if billed is None else len(e.billed(emu)) == billed


def test_an_interruption_gives_every_record_read_exactly_one_result(seeded: Any) -> None:
    # Before: records read ahead but not yet answered got no result at all.
    emu, metering = seeded(max_workers=4)
    journal = Journal()
    read = 0

    def source() -> Iterator[UsageRecord]:
        nonlocal read
        for record in e.records(2000, customers=100):
            read += 1
            yield record

    stream = metering.iter_batch_meter_usage(source(), on_result=journal)
    for n, _ in enumerate(stream, 1):
        if n == 300:
            break
    stream.close()
    assert _joined_workers()
    assert sorted(r.index for r in journal.results) == list(range(read))
    assert journal.billed() == e.billed(emu)
    rest = [r for r in journal.results if r.outcome is not MeteringOutcome.SUCCESS]
    assert rest and {r.outcome for r in rest} == {MeteringOutcome.UNPROCESSED}
    assert all("the call was interrupted" in (r.reason or "") for r in rest)
