"""Challenge vectors taken from the specifications (cited per vector)."""

from __future__ import annotations

import base64
import json
from typing import Any

# x402 specs/transports-v1/http.md, "Payment Required Signaling" example body.
X402_V1_BODY: dict[str, Any] = {
    "x402Version": 1,
    "error": "Payment required to access this resource",
    "accepts": [
        {
            "scheme": "exact",
            "network": "base-sepolia",
            "maxAmountRequired": "10000",
            "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            "resource": "https://api.example.com/premium-data",
            "description": "Access to premium market data",
            "mimeType": "application/json",
            "outputSchema": None,
            "maxTimeoutSeconds": 60,
            "extra": {"name": "USDC", "version": "2"},
        }
    ],
}

# x402 specs/transports-v2/http.md, "Payment Required Signaling": the PAYMENT-REQUIRED
# header exactly as printed in the spec, and the document it decodes to.
X402_V2_HEADER = (
    "eyJ4NDAyVmVyc2lvbiI6MiwiZXJyb3IiOiJQQVlNRU5ULVNJR05BVFVSRSBoZWFkZXIgaXMgcmVxdWlyZWQiLCJy"
    "ZXNvdXJjZSI6eyJ1cmwiOiJodHRwczovL2FwaS5leGFtcGxlLmNvbS9wcmVtaXVtLWRhdGEiLCJkZXNjcmlwdGlv"
    "biI6IkFjY2VzcyB0byBwcmVtaXVtIG1hcmtldCBkYXRhIiwibWltZVR5cGUiOiJhcHBsaWNhdGlvbi9qc29uIn0s"
    "ImFjY2VwdHMiOlt7InNjaGVtZSI6ImV4YWN0IiwibmV0d29yayI6ImVpcDE1NTo4NDUzMiIsImFtb3VudCI6IjEw"
    "MDAwIiwiYXNzZXQiOiIweDAzNkNiRDUzODQyYzU0MjY2MzRlNzkyOTU0MWVDMjMxOGYzZENGN2UiLCJwYXlUbyI6"
    "IjB4MjA5NjkzQmM2YWZjMEM1MzI4YkEzNkZhRjAzQzUxNEVGMzEyMjg3QyIsIm1heFRpbWVvdXRTZWNvbmRzIjo2"
    "MCwiZXh0cmEiOnsibmFtZSI6IlVTREMiLCJ2ZXJzaW9uIjoiMiJ9fV19"
)
X402_V2_ACCEPT: dict[str, Any] = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}

# x402 specs/transports-v2/http.md, "Settlement Response Delivery" success and failure.
X402_V2_SETTLED = (
    "eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWYx"
    "MjM0NTY3ODkwYWJjZGVmMTIzNDU2Nzg5MGFiY2RlZiIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJwYXllciI6"
    "IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9"
)
X402_V2_FAILED = (
    "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJ0cmFuc2FjdGlvbiI6"
    "IiIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJwYXllciI6IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJi"
    "MEUyMjM3M2UzNmI2NiJ9"
)
# x402 specs/transports-v1/http.md, "Settlement Response Delivery" success.
X402_V1_SETTLED = (
    "eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWYx"
    "MjM0NTY3ODkwYWJjZGVmMTIzNDU2Nzg5MGFiY2RlZiIsIm5ldHdvcmsiOiJiYXNlLXNlcG9saWEiLCJwYXllciI6"
    "IjB4ODU3YjA2NTE5RTkxZTNBNTQ1Mzg3OTFiRGJiMEUyMjM3M2UzNmI2NiJ9"
)

# draft-ryan-httpauth-payment, 5.1.3 "Example Challenge" (folded onto one line; the
# request decodes to {"amount": "1000", "currency": "USD", "recipient": "acct_123"}).
MPP_EXAMPLE = (
    'Payment id="x7Tg2pLqR9mKvNwY3hBcZa", realm="api.example.com", method="example", '
    'intent="charge", expires="2025-01-15T12:05:00Z", '
    'request="eyJhbW91bnQiOiIxMDAwIiwiY3VycmVuY3kiOiJVU0QiLCJyZWNpcGllbnQiOiJhY2N0XzEyMyJ9"'
)

BASE_SEPOLIA_USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"


def b64url(document: Any) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def mpp_challenge(
    challenge_id: str,
    *,
    amount: str = "10000",
    chain_id: int = 84532,
    currency: str = BASE_SEPOLIA_USDC,
    fee_payer: bool = True,
    expires: str = "2099-01-01T00:00:00Z",
    method: str = "evm",
) -> str:
    """An MPP charge challenge for an EVM chain (draft-ryan-httpauth-payment 5.1)."""
    request = {
        "amount": amount,
        "currency": currency,
        "recipient": PAY_TO,
        "methodDetails": {"chainId": chain_id, "feePayer": fee_payer},
    }
    return (
        f'Payment id="{challenge_id}", realm="api.example.com", method="{method}", '
        f'intent="charge", expires="{expires}", request="{b64url(request)}"'
    )


def v2_required(*accepts: dict[str, Any], extensions: dict[str, Any] | None = None) -> str:
    """A PAYMENT-REQUIRED header value (x402 specs/transports-v2/http.md)."""
    document: dict[str, Any] = {
        "x402Version": 2,
        "resource": {"url": "https://api.example.com/premium-data"},
        "accepts": list(accepts),
    }
    if extensions is not None:
        document["extensions"] = extensions
    return b64(document)


def v2_accept(
    amount: str,
    network: str = "eip155:84532",
    asset: str = BASE_SEPOLIA_USDC,
    scheme: str = "exact",
) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "network": network,
        "amount": amount,
        "asset": asset,
        "payTo": PAY_TO,
        "maxTimeoutSeconds": 60,
        "extra": {"name": "USDC"},
    }
