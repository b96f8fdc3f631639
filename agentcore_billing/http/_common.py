"""What both HTTP auths share: where payments may go, and paying one answer."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from agentcore_billing._core.errors import InvalidInputError, PolicyViolationError
from agentcore_billing._payments.authorization import PaymentAuthorization
from agentcore_billing._payments.challenge import PaymentChallenge
from agentcore_billing._payments.client import PaymentsClient
from agentcore_billing._payments.policy import SpendPolicy

logger = logging.getLogger("agentcore_billing.http")

PAYMENT_HEADERS = ("payment-signature", "x-payment")
"""Headers that carry an x402 payment (an MPP one is ``Authorization: Payment ...``)."""


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the unit payment headers are scoped to.

    Example:
        >>> origin("https://API.example.com/x?y=1")
        ('https', 'api.example.com', 443)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str) -> None:
    """Refuse to pay when the payment header would travel in clear text off this machine.

    Raises:
        PolicyViolationError: plain http to a host that is not loopback.
    """
    scheme, host, _ = origin(url)
    if scheme == "https" or (scheme == "http" and is_loopback(host)):
        return
    raise PolicyViolationError(
        "https",
        f"not paying {scheme}://{host}: payment credentials are sent only over https "
        "(plain http only to loopback hosts)",
    )


def is_payment_header(name: str, value: str) -> bool:
    """Whether a request header carries a payment."""
    lowered = name.lower()
    return lowered in PAYMENT_HEADERS or (
        lowered == "authorization" and value[:8].lower() == "payment "
    )


@dataclass(frozen=True)
class Buyer:
    """The ``pay_for`` arguments an auth was built with, and the paying."""

    payments: PaymentsClient
    payment_session_id: str
    payment_instrument_id: str
    policy: SpendPolicy | None = None
    user_id: str | None = None
    agent_name: str | None = None
    buyer_pays_gas_fees: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.payments, PaymentsClient):
            raise InvalidInputError(
                "payments", "must be a PaymentsClient", type(self.payments).__name__
            )

    def pay(self, url: str, headers: Any, body: bytes) -> PaymentAuthorization:
        """Pay the 402 (or MPP 401) that ``url`` answered with ``headers`` and ``body``."""
        check_transport(url)
        challenge = PaymentChallenge.from_response(status_code=402, headers=headers, body=body)
        authorization = self.payments.pay_for(
            challenge,
            payment_session_id=self.payment_session_id,
            payment_instrument_id=self.payment_instrument_id,
            policy=self.policy,
            user_id=self.user_id,
            agent_name=self.agent_name,
            buyer_pays_gas_fees=self.buyer_pays_gas_fees,
        )
        offer = authorization.offer
        logger.info(
            "paid %s %s offer for %s: %s atomic units of %s on %s (client token %s)",
            offer.protocol, offer.version, url, offer.amount, offer.asset, offer.network,
            authorization.client_token,
        )  # fmt: skip
        return authorization


def fresh_mpp_challenge(status: int, headers: Any, protocol: str) -> bool:
    """Whether an answer to an MPP credential is the 401-with-a-fresh-challenge retry."""
    if status != 401 or protocol != "mpp":
        return False
    value = headers.get("www-authenticate") or ""
    return "payment" in value.lower()
