"""Shared fixtures: isolated AWS settings so no test can reach a real account."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import ManualClock
from tests.support import NOW

pytest_plugins = ["agentcore_billing.testing", "tests.support.figures"]

# Tests must never find real credentials or a real region by accident.
_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="session")
def boto_session() -> Any:
    """One boto3 session with dummy credentials: its loader caches the service models."""
    from agentcore_billing.testing import emulator_session

    return emulator_session()


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in _DUMMY_ENV.items():
        monkeypatch.setenv(key, value)
    yield


@pytest.fixture
def clock() -> ManualClock:
    """A hand-driven clock starting at ``NOW``."""
    return ManualClock(NOW)


@pytest.fixture
def emulator_defaults() -> dict[str, Any]:
    """Extra ``Emulator`` keywords ``make_emulator`` applies; directories override it."""
    return {}


@pytest.fixture
def make_emulator(
    clock: ManualClock, emulator_defaults: dict[str, Any]
) -> Iterator[Callable[..., Emulator]]:
    """Start emulators on the fake clock (keywords override); every one is stopped after."""
    started: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        options = {
            "clock": clock.now,
            "monotonic": clock.monotonic,
            "sleep": clock.sleep,
            **emulator_defaults,
            **kwargs,
        }
        emulator = Emulator(**options).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emu(make_emulator: Callable[..., Emulator]) -> Emulator:
    """One started emulator with the directory's defaults."""
    return make_emulator()
