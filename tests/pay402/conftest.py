"""Fixtures for the HTTP 402 tests: Stubber contract clients and emulator-backed clients."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from agentcore_billing import PaymentsClient, RetryPolicy
from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import ManualClock
from tests import support

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
SESSION = "payment-session-abcdefghij12345"
INSTRUMENT = "payment-instrument-abcdefghij12345"
NOW = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
FAST = RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01, deadline=None)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def boto_client() -> Any:
    return support.boto_client("bedrock-agentcore")


@pytest.fixture
def sent(boto_client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of every request the client made."""
    return support.record_calls(boto_client)


@pytest.fixture
def stubber(boto_client: Any) -> Iterator[Stubber]:
    with Stubber(boto_client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def payments(boto_client: Any, stubber: Stubber, clock: ManualClock) -> PaymentsClient:
    return PaymentsClient(
        ARN,
        client=boto_client,
        user_id="user-1",
        retry=FAST,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        clock=clock.now,
    )


def instrument_response(network: str = "ETHEREUM") -> dict[str, Any]:
    return {
        "paymentInstrument": {
            "paymentInstrumentId": INSTRUMENT,
            "paymentManagerArn": ARN,
            "paymentConnectorId": "coinbase-abcdef1234",
            "userId": "user-1",
            "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
            "status": "ACTIVE",
            "paymentInstrumentDetails": {
                "embeddedCryptoWallet": {
                    "network": network,
                    "walletAddress": "0xabc",
                    "linkedAccounts": [],
                }
            },
            "createdAt": NOW,
            "updatedAt": NOW,
        }
    }


def payment_response(output: dict[str, Any], payment_type: str) -> dict[str, Any]:
    return {
        "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "paymentManagerArn": ARN,
        "paymentSessionId": SESSION,
        "paymentInstrumentId": INSTRUMENT,
        "paymentType": payment_type,
        "status": "PROOF_GENERATED",
        "paymentOutput": output,
        "createdAt": NOW,
        "updatedAt": NOW,
    }


@pytest.fixture
def emulator_defaults() -> dict[str, Any]:
    return {"demo_data": True}


@pytest.fixture
def make_payments(boto_session: boto3.Session, clock: ManualClock) -> Callable[..., PaymentsClient]:
    """A PaymentsClient on an emulator's demo manager and user; keywords override."""

    def make(emu: Emulator, **overrides: Any) -> PaymentsClient:
        assert emu.demo is not None
        options: dict[str, Any] = {
            "session": boto_session,
            "endpoint_url": emu.endpoint_url,
            "retry": FAST,
            "user_id": emu.demo.user_id,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.now,
            "rng": random.Random(0),
            **overrides,
        }
        return PaymentsClient(emu.demo.payment_manager_arn, **options)

    return make
