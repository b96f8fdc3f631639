"""Fixtures for the end-to-end tests: facades on real boto3 clients, emulator over HTTP.

Time is a :class:`ManualClock` shared by the emulator (wall clock, quota buckets) and
the facades (window checks, pacing, back-off), so nothing really sleeps and quota
refills follow the client's own fake sleeps. Every emulator started here is stopped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from agentcore_billing import MeteringClient, PaymentsClient
from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import ManualClock

from .support import FAST_RETRY


@pytest.fixture
def emulator_defaults() -> dict[str, Any]:
    return {"demo_data": True}


@pytest.fixture
def make_payments(boto_session: boto3.Session, clock: ManualClock) -> Callable[..., PaymentsClient]:
    """A PaymentsClient on ``emu`` bound to its demo manager and user; keywords override."""

    def make(emu: Emulator, **overrides: Any) -> PaymentsClient:
        assert emu.demo is not None
        options: dict[str, Any] = {
            "session": boto_session,
            "endpoint_url": emu.endpoint_url,
            "retry": FAST_RETRY,
            "user_id": emu.demo.user_id,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.now,
            "rng": random.Random(0),  # seeded jitter: the same requests on every run
            **overrides,
        }
        return PaymentsClient(emu.demo.payment_manager_arn, **options)

    return make


@pytest.fixture
def payments(emu: Emulator, make_payments: Callable[..., PaymentsClient]) -> PaymentsClient:
    return make_payments(emu)


@pytest.fixture
def make_metering(boto_session: boto3.Session, clock: ManualClock) -> Callable[..., MeteringClient]:
    """A sequential MeteringClient on ``emu`` (legacy demo product); keywords override."""

    def make(emu: Emulator, **overrides: Any) -> MeteringClient:
        assert emu.demo is not None
        options: dict[str, Any] = {
            "session": boto_session,
            "endpoint_url": emu.endpoint_url,
            "retry": FAST_RETRY,
            "product_code": emu.demo.legacy_product_code,
            "max_workers": 1,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.now,
            "rng": random.Random(0),  # seeded jitter: the same requests on every run
            **overrides,
        }
        return MeteringClient(**options)

    return make


@pytest.fixture
def metering(emu: Emulator, make_metering: Callable[..., MeteringClient]) -> MeteringClient:
    return make_metering(emu)
