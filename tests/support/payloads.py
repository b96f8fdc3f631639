"""Payment inputs the emulator can price: x402 requirements and MPP challenges."""

from __future__ import annotations

import base64
import json
from typing import Any

from agentcore_billing import MppPayment, X402Payment

USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PATH_USD = "0x20c0000000000000000000000000000000000001"
PAY_TO = "0x6813749E1eB9E0001A44C2684695FE8AD676cdD9"


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def x402(atomic: int, *, extra: dict[str, Any] | None = None) -> X402Payment:
    """An x402 v1 payment of ``atomic`` USDC base units (6 decimals)."""
    requirements: dict[str, Any] = {
        "scheme": "exact",
        "network": "base-sepolia",
        "maxAmountRequired": str(atomic),
        "resource": "https://merchant.example/paid",
        "payTo": PAY_TO,
        "asset": USDC_BASE_SEPOLIA,
        "maxTimeoutSeconds": 300,
        "extra": {"name": "USDC", "version": "2", **(extra or {})},
    }
    return X402Payment(version="1", payload=requirements)


def mpp_header(atomic: int, *, challenge_id: str = "ch-1", memo: str | None = None) -> str:
    """A ``WWW-Authenticate: Payment`` challenge for ``atomic`` base units of a stablecoin."""
    request: dict[str, Any] = {
        "amount": str(atomic),
        "currency": PATH_USD,
        "recipient": PAY_TO,
        "methodDetails": {"feePayer": True},
    }
    if memo is not None:
        request["memo"] = memo
    return (
        f'Payment id="{challenge_id}", realm="api.example.com", method="tempo", '
        f'intent="charge", request="{_b64url(request)}"'
    )


def mpp(atomic: int, *, challenge_id: str = "ch-1", memo: str | None = None) -> MppPayment:
    """An MPP payment answering :func:`mpp_header`."""
    header = mpp_header(atomic, challenge_id=challenge_id, memo=memo)
    return MppPayment(version="1", www_authenticate_headers=[header])
