"""A call's deadline is hard: a slow server cannot keep it past RetryPolicy.deadline.

These tests run on real time, because the thing under test is a real socket read: the
emulator's latency fault holds each answer for 3 s (its sleep waits on an event that
is set when the test ends, so no server thread outlives it), the client's read timeout
is 2 s and its deadline 2.5 s. The first attempt times out after 2 s; the retry starts
with 0.5 s left. Before the fix that retry ran a whole read timeout and the call
returned after 4 s; now its read timeout is cut to the 0.5 s left. The real clock
only bounds the elapsed time here; the test waits for nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from agentcore_billing import (
    DeadlineExceededError,
    MeteringClient,
    Money,
    PaymentsClient,
    RetryPolicy,
)
from agentcore_billing._core.clock import monotonic, utc_now
from agentcore_billing.emulator import Emulator, FaultConfig
from tests.support.figures import Figures

DEADLINE = 2.5
READ_TIMEOUT = 2.0
LATENCY = 3.0
MARGIN = 0.5
"""Allowed beyond the deadline: the time to map the error and return, on a busy machine."""

POLICY = RetryPolicy(max_attempts=5, initial_delay=0.001, max_delay=0.01, deadline=DEADLINE)
SLOW_CLIENT = Config(read_timeout=READ_TIMEOUT, connect_timeout=READ_TIMEOUT)


@pytest.fixture
def slow_emu(make_emulator: Callable[..., Emulator]) -> Iterator[Emulator]:
    """An emulator on real time whose every answer takes LATENCY seconds."""
    release = threading.Event()
    emu = make_emulator(
        clock=utc_now,
        monotonic=monotonic,
        sleep=release.wait,
        default_faults=FaultConfig(latency=LATENCY),
    )
    yield emu
    release.set()  # held answers go out now (to closed sockets), before the emulator stops


def _elapsed(call: Callable[[], Any]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except Exception as err:  # the call's outcome is asserted by the caller
        return time.monotonic() - started, err
    return time.monotonic() - started, None


def test_meter_usage_returns_at_its_deadline_from_a_slow_server(
    slow_emu: Emulator, boto_session: boto3.Session, figures: Figures
) -> None:
    assert slow_emu.demo is not None
    metering = MeteringClient(
        session=boto_session,
        endpoint_url=slow_emu.endpoint_url,
        retry=POLICY,
        config=SLOW_CLIENT,
        product_code=slow_emu.demo.container_product_code,
    )
    assert metering.client is not None  # built now: building is not part of the call

    elapsed, error = _elapsed(
        lambda: metering.meter_usage(
            timestamp=utc_now() - timedelta(minutes=5), dimension="vcpu_hours", quantity=1
        )
    )

    figures.add(deadline=DEADLINE, elapsed=elapsed)
    assert elapsed < DEADLINE + MARGIN, f"returned after {elapsed:.2f}s"
    assert isinstance(error, DeadlineExceededError)
    assert error.operation == "MeterUsage"
    assert error.outcome_unknown and error.earlier_attempt_unanswered
    assert error.client_token is not None
    text = str(error)
    assert text.startswith("MeterUsage: DeadlineExceeded")
    assert "RetryPolicy.deadline of 2.5s reached" in text
    assert "may have been processed" in text
    assert f"client_token={error.client_token!r}" in text


def test_payments_call_returns_at_its_deadline_from_a_slow_server(
    slow_emu: Emulator, boto_session: boto3.Session, figures: Figures
) -> None:
    assert slow_emu.demo is not None
    payments = PaymentsClient(
        slow_emu.demo.payment_manager_arn,
        user_id=slow_emu.demo.user_id,
        session=boto_session,
        endpoint_url=slow_emu.endpoint_url,
        retry=POLICY,
        config=SLOW_CLIENT,
    )
    assert payments.client is not None  # built now: building is not part of the call

    elapsed, error = _elapsed(
        lambda: payments.create_payment_session(expiry_time_in_minutes=60, max_spend=Money.usd("5"))
    )

    figures.add(deadline=DEADLINE, elapsed=elapsed)
    assert elapsed < DEADLINE + MARGIN, f"returned after {elapsed:.2f}s"
    assert isinstance(error, DeadlineExceededError)
    assert error.operation == "CreatePaymentSession"
    assert error.outcome_unknown and error.client_token is not None
    assert "RetryPolicy.deadline of 2.5s reached" in str(error)
