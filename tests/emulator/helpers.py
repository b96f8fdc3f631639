"""Constants and helpers shared by the emulator tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from agentcore_billing.emulator import Emulator

MANAGER_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
OTHER_MANAGER_ARN = (
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/other-abcdef1234"
)
CONNECTOR_ID = "coinbase-conn-abcdef1234"
USER = "user-1"
TOKEN_A = "token-a-00000000-0000-4000-8000-000000000001"
TOKEN_B = "token-b-00000000-0000-4000-8000-000000000002"


def client(session: boto3.Session, service: str, emu: Emulator, *, validate: bool = True) -> Any:
    config = Config(retries={"total_max_attempts": 1}, parameter_validation=validate)
    return session.client(service, endpoint_url=emu.endpoint_url, config=config)


def error_of(call: Callable[[], Any]) -> tuple[str, int, dict[str, Any]]:
    """Run a client call expected to fail; return (code, HTTP status, full response)."""
    with pytest.raises(ClientError) as info:
        call()
    response: Any = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def x402_input(amount: str = "5000", version: str = "1", **extra: Any) -> dict[str, Any]:
    """A ProcessPayment paymentInput for x402, as the official SDK builds it."""
    field = "maxAmountRequired" if version == "1" else "amount"
    requirements = {
        "scheme": "exact",
        "network": "base-sepolia" if version == "1" else "eip155:84532",
        field: amount,
        "resource": "https://merchant.example/paid",
        "payTo": "0x6813749E1eB9E0001A44C2684695FE8AD676cdD9",
        "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        "maxTimeoutSeconds": 300,
        "extra": {"name": "USDC", "version": "2"},
    }
    return {"cryptoX402": {"version": version, "payload": requirements, **extra}}


def mpp_header(
    amount: str = "10000",
    currency: str = "0x20c0000000000000000000000000000000000001",
    *,
    challenge_id: str = "ch-1",
    fee_payer: bool = True,
    expires: str | None = None,
) -> str:
    request = {
        "amount": amount,
        "currency": currency,
        "recipient": "0x6813749E1eB9E0001A44C2684695FE8AD676cdD9",
        "methodDetails": {"feePayer": fee_payer},
    }
    header = (
        f'Payment id="{challenge_id}", realm="api.example.com", method="tempo", '
        f'intent="charge", request="{b64url(request)}"'
    )
    return header + (f', expires="{expires}"' if expires else "")


def mpp_input(header: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"mpp": {"version": "1", "wwwAuthenticateHeaders": [header or mpp_header()], **extra}}


def new_session(payments: Any, *, max_spend: str | None = "1.00", **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "expiryTimeInMinutes": 60,
        **kwargs,
    }
    if max_spend is not None:
        params["limits"] = {"maxSpendAmount": {"value": max_spend, "currency": "USD"}}
    session: dict[str, Any] = payments.create_payment_session(**params)["paymentSession"]
    return session


def new_instrument(payments: Any, *, network: str = "ETHEREUM", **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "paymentConnectorId": CONNECTOR_ID,
        "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
        "paymentInstrumentDetails": {
            "embeddedCryptoWallet": {
                "network": network,
                "linkedAccounts": [{"email": {"emailAddress": "buyer@example.com"}}],
            }
        },
        **kwargs,
    }
    instrument: dict[str, Any] = payments.create_payment_instrument(**params)["paymentInstrument"]
    return instrument


def pay(
    payments: Any, session: dict[str, Any], instrument: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "paymentSessionId": session["paymentSessionId"],
        "paymentInstrumentId": instrument["paymentInstrumentId"],
        "paymentType": "CRYPTO_X402",
        "paymentInput": x402_input(),
        **kwargs,
    }
    result: dict[str, Any] = payments.process_payment(**params)
    return result


def available(payments: Any, session: dict[str, Any]) -> str:
    fetched = payments.get_payment_session(
        userId=USER, paymentManagerArn=MANAGER_ARN, paymentSessionId=session["paymentSessionId"]
    )["paymentSession"]
    value: str = fetched["availableLimits"]["availableSpendAmount"]["value"]
    return value
