"""Fixtures for the emulator tests: started emulators (always stopped) and real boto3 clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from agentcore_billing._clock import ManualClock
from agentcore_billing.emulator import NO_QUOTAS, Emulator

from .helpers import NOW, client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def make_emulator(clock: ManualClock) -> Iterator[Callable[..., Emulator]]:
    """Start emulators (fake clock, no quotas unless given); every one is stopped after."""
    started: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        kwargs.setdefault("clock", clock.now)
        kwargs.setdefault("monotonic", clock.monotonic)
        kwargs.setdefault("sleep", clock.sleep)
        kwargs.setdefault("quotas", NO_QUOTAS)
        emulator = Emulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emu(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator()


@pytest.fixture
def payments(boto_session: boto3.Session, emu: Emulator) -> Any:
    return client(boto_session, "bedrock-agentcore", emu)


@pytest.fixture
def raw_payments(boto_session: boto3.Session, emu: Emulator) -> Any:
    """A client without botocore's own parameter validation, to send what it would block."""
    return client(boto_session, "bedrock-agentcore", emu, validate=False)


@pytest.fixture
def metering(boto_session: boto3.Session, emu: Emulator) -> Any:
    return client(boto_session, "meteringmarketplace", emu)


@pytest.fixture
def raw_metering(boto_session: boto3.Session, emu: Emulator) -> Any:
    return client(boto_session, "meteringmarketplace", emu, validate=False)
