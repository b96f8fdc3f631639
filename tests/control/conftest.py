"""Fixtures for the control-plane tests: a real boto3 client under botocore's Stubber."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.stub import Stubber

from agentcore_billing._control.client import PaymentsControlClient
from agentcore_billing._core.clock import ManualClock
from agentcore_billing._core.retry import RetryPolicy
from tests import support

NOW = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
MANAGER_ID = "shop-abcdef1234"
MANAGER_ARN = f"arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/{MANAGER_ID}"
CONNECTOR_ID = "wallet-abcdef1234"
ROLE = "arn:aws:iam::123456789012:role/payments"
PROVIDER_ARN = (
    "arn:aws:acps:us-east-1:123456789012:token-vault/default/paymentcredentialprovider/shop-cdp"
)
TOKEN = "replayable-token-0000-1111-2222-3333"
API_SECRET = "QVBJLXNlY3JldC12YWx1ZS0xMjM0"
WALLET_SECRET = "V0FMTEVULXNlY3JldC12YWx1ZS05ODc2"
APP_SECRET = "QVBQLXNlY3JldC0zMjE="
PRIVATE_KEY = "wallet-auth:UFJJVkFURS1rZXktNDU2"
SECRETS = (API_SECRET, WALLET_SECRET, APP_SECRET, PRIVATE_KEY)

EXACT_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.5, max_delay=4.0, deadline=None, jitter=False
)


def without(wire: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``wire`` without ``keys`` (members an operation's answer does not have)."""
    return {k: v for k, v in wire.items() if k not in keys}


def manager_wire(status: str = "READY", **extra: Any) -> dict[str, Any]:
    return {
        "paymentManagerArn": MANAGER_ARN,
        "paymentManagerId": MANAGER_ID,
        "name": "shop",
        "authorizerType": "AWS_IAM",
        "roleArn": ROLE,
        "createdAt": NOW,
        "lastUpdatedAt": NOW,
        "status": status,
        **extra,
    }


def connector_wire(status: str = "READY", **extra: Any) -> dict[str, Any]:
    return {
        "paymentConnectorId": CONNECTOR_ID,
        "paymentManagerId": MANAGER_ID,
        "name": "wallet",
        "type": "CoinbaseCDP",
        "provisionMode": "MANUAL",
        "credentialProviderConfigurations": [
            {"coinbaseCDP": {"credentialProviderArn": PROVIDER_ARN}}
        ],
        "createdAt": NOW,
        "lastUpdatedAt": NOW,
        "status": status,
        **extra,
    }


def provider_wire(vendor: str = "CoinbaseCDP") -> dict[str, Any]:
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-cdp-abc"
    config = (
        {
            "coinbaseCdpConfiguration": {
                "apiKeyId": "key-1",
                "apiKeySecretArn": {"secretArn": secret},
                "walletSecretArn": {"secretArn": secret},
            }
        }
        if vendor == "CoinbaseCDP"
        else {
            "stripePrivyConfiguration": {
                "appId": "app-1",
                "authorizationId": "auth-1",
                "appSecretArn": {"secretArn": secret},
                "authorizationPrivateKeyArn": {"secretArn": secret},
            }
        }
    )
    return {
        "name": "shop-cdp",
        "credentialProviderVendor": vendor,
        "credentialProviderArn": PROVIDER_ARN,
        "providerConfigurationOutput": config,
        "createdTime": NOW,
        "lastUpdatedTime": NOW,
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def boto_client() -> Any:
    return support.boto_client("bedrock-agentcore-control")


@pytest.fixture
def sent(boto_client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of every client call, in order, retries included."""
    return support.record_calls(boto_client)


@pytest.fixture
def stubber(boto_client: Any) -> Iterator[Stubber]:
    with Stubber(boto_client) as stub:
        yield stub


@pytest.fixture
def make_control(
    boto_client: Any, stubber: Stubber, clock: ManualClock
) -> Callable[..., PaymentsControlClient]:
    def make(**overrides: Any) -> PaymentsControlClient:
        options: dict[str, Any] = {
            "client": boto_client,
            "retry": EXACT_RETRY,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.now,
            **overrides,
        }
        return PaymentsControlClient(**options)

    return make


@pytest.fixture
def control(make_control: Callable[..., PaymentsControlClient]) -> PaymentsControlClient:
    return make_control()
