"""Fixtures for the emulator tests: started emulators (always stopped) and real boto3 clients."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from agentcore_billing.emulator import NO_QUOTAS, Emulator

from .helpers import client


@pytest.fixture
def emulator_defaults() -> dict[str, Any]:
    return {"quotas": NO_QUOTAS}


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
