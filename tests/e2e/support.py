"""Constants and builders shared by the end-to-end tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from agentcore_billing import MppPayment, RetryPolicy, X402Payment
from agentcore_billing.emulator import Emulator, FaultConfig, RequestRecord
from tests.support import NOW

FAST_RETRY = RetryPolicy(max_attempts=8, initial_delay=0.001, max_delay=0.01, deadline=None)
"""Quick back-off; on the fake clock it costs no real time anyway."""

PAY_TO = "0x6813749E1eB9E0001A44C2684695FE8AD676cdD9"
USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"


def x402(atomic_usdc: int, version: str = "1") -> X402Payment:
    """An x402 payment answering an ``exact`` offer of ``atomic_usdc`` (6 decimals)."""
    amount_field = "maxAmountRequired" if version == "1" else "amount"
    return X402Payment(
        version=version,
        payload={
            "scheme": "exact",
            "network": "base-sepolia",
            amount_field: str(atomic_usdc),
            "resource": "https://merchant.example/paid",
            "payTo": PAY_TO,
            "asset": USDC_BASE_SEPOLIA,
            "maxTimeoutSeconds": 300,
            "extra": {"name": "USDC", "version": "2"},
        },
    )


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def mpp(cents: int, *, challenge_id: str = "ch-1") -> MppPayment:
    """An MPP payment answering a fiat ``usd`` charge of ``cents`` (2 decimals)."""
    request = {"amount": str(cents), "currency": "usd", "recipient": PAY_TO}
    header = (
        f'Payment id="{challenge_id}", realm="api.example.com", method="stripe", '
        f'intent="charge", request="{_b64url(request)}"'
    )
    return MppPayment(version="1", www_authenticate_headers=[header])


def of(emu: Emulator, operation: str) -> list[RequestRecord]:
    """The requests ``emu`` received for ``operation``, in arrival order."""
    return [record for record in emu.requests() if record.operation == operation]


def fail_first_attempt(client: Any, emu: Emulator, operation: str, fault: FaultConfig) -> None:
    """Arm ``fault`` for ``operation`` now and disarm it when the client sends again.

    The hook runs on the client's ``before-send`` event, so the second HTTP attempt
    (the library's retry) reaches a fault-free emulator.
    """
    emu.set_faults({operation: fault})
    sends: list[str] = []

    def on_send(**_: Any) -> None:
        sends.append(operation)
        if len(sends) == 2:
            emu.set_faults()

    client.meta.events.register("before-send", on_send)


def hours_ago(count: int) -> Iterator[datetime]:
    """``NOW`` minus 1..count hours: distinct billing hours, all inside the 24 h window."""
    for hour in range(1, count + 1):
        yield NOW - timedelta(hours=hour)
