"""``Interrupts``: Ctrl-C asks the run to stop at a safe point; it is forced when none comes."""

from __future__ import annotations

import signal
import threading

import pytest

from agentcore_billing.cli._meter_run import Interrupts

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers can only be set in the main thread",
)


def _ctrl_c() -> None:
    signal.raise_signal(signal.SIGINT)  # delivered to this (the main) thread


def test_the_first_ctrl_c_waits_for_a_safe_point() -> None:
    with Interrupts(escalate_after=60) as stop:
        _ctrl_c()
        assert stop.requested  # the handler ran, and nothing was raised
        with pytest.raises(KeyboardInterrupt):
            stop.check()


def test_a_second_ctrl_c_interrupts_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), Interrupts(escalate_after=60) as stop:
        _ctrl_c()
        assert stop.requested
        _ctrl_c()
        threading.Event().wait(30)


def test_without_a_safe_point_the_interrupt_comes_anyway() -> None:
    with pytest.raises(KeyboardInterrupt), Interrupts(escalate_after=0.05):
        _ctrl_c()
        threading.Event().wait(30)  # a blocking wait, as for an answer on the wire


def test_the_previous_handler_is_back_afterwards() -> None:
    before = signal.getsignal(signal.SIGINT)
    with Interrupts():
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before
