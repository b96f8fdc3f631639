"""Shared pieces of the end-to-end and fuzz suites: fake time, fast retries, emulator clients."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agentcore_billing import MeteringClient, PaymentsClient, RetryPolicy
from agentcore_billing.emulator import Emulator, RequestRecord
from agentcore_billing.testing import emulator_session
from tests.support import NOW

MANAGER_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/rely-a1b2c3d4e5"
CONNECTOR_ID = "rely-connector-a1b2c3d4e5"

FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.01, max_attempts=10, deadline=None)
"""Quick back-off; 10 attempts so a request fails for good with odds under 1e-8 at the
fault rates used here (each attempt fails with p <= 0.16)."""

JOIN_TIMEOUT = 60.0
"""Upper bound for joining any worker thread."""


class FakeTime:
    """A thread-safe fixed wall clock with a fake monotonic clock and sleep.

    ``sleep`` never waits: it advances the monotonic clock and adds to ``slept``, so
    back-off and pacing cost no real time and their total is observable.
    """

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._elapsed = 0.0
        self.sleeps = 0

    def now(self) -> datetime:
        """The fixed wall-clock time."""
        return self._now

    def monotonic(self) -> float:
        """Seconds slept so far."""
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        """Advance the monotonic clock instead of waiting."""
        with self._lock:
            self._elapsed += max(0.0, seconds)
            self.sleeps += 1

    @property
    def slept(self) -> float:
        """Total fake seconds slept."""
        return self.monotonic()


def metering_client(
    emu: Emulator, fake: FakeTime, *, seed: int = 0, **kwargs: Any
) -> MeteringClient:
    """A MeteringClient on the emulator with fake time, seeded jitter and fast retries."""
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("max_requests_per_second", 10_000.0)
    return MeteringClient(
        session=emulator_session(),
        endpoint_url=emu.endpoint_url,
        clock=fake.now,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        rng=random.Random(seed),
        **kwargs,
    )


def payments_client(
    emu: Emulator, fake: FakeTime, *, user_id: str, seed: int = 0, **kwargs: Any
) -> PaymentsClient:
    """A PaymentsClient on the emulator with fake time, seeded jitter and fast retries."""
    kwargs.setdefault("retry", FAST_RETRY)
    return PaymentsClient(
        MANAGER_ARN,
        session=emulator_session(),
        endpoint_url=emu.endpoint_url,
        user_id=user_id,
        clock=fake.now,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        rng=random.Random(seed),
        **kwargs,
    )


def fault_counts(requests: Iterable[RequestRecord]) -> dict[str, int]:
    """Requests per injected fault kind (``unprocessed`` = answers with UnprocessedRecords)."""
    counts = Counter(r.fault.value for r in requests if r.fault is not None)
    return dict(sorted(counts.items()))


def error_counts(requests: Iterable[RequestRecord]) -> dict[str, int]:
    """Requests per error code the emulator answered (injected or not)."""
    counts = Counter(r.error_code for r in requests if r.error_code is not None)
    return dict(sorted(counts.items()))
