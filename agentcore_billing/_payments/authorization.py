"""``PaymentAuthorization`` and the resend headers each protocol wants.

* x402 v2: ``PAYMENT-SIGNATURE: base64(JSON {x402Version: 2, resource, accepted,
  payload, extensions})``, ``accepted`` being the offer exactly as the server sent it
  and the server's extensions echoed (``payment-identifier`` gets the client token as
  its ``id``: 16..128 of ``[A-Za-z0-9_-]``, which every client token satisfies).
* x402 v1: ``X-PAYMENT: base64(JSON {x402Version: 1, scheme, network, payload})``,
  ``network`` as the server spelled it.
* MPP: ``Authorization: Payment <credential>``, the credential ProcessPayment returned.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import Field, Secret

from agentcore_billing._core.models import ResponseModel

from .challenge import PaymentChallenge, PaymentOffer
from .headers import encode_b64_json
from .models.payment import PaymentResult

PAYMENT_IDENTIFIER = "payment-identifier"


class PaymentAuthorization(ResponseModel):
    """A paid offer and the headers to resend the request with (secret).

    Example:
        ::

            auth = payments.pay_for(challenge, payment_session_id=session_id,
                                    payment_instrument_id=instrument_id)
            httpx.get(url, headers=auth.headers)
    """

    offer: PaymentOffer
    """The offer that was paid."""
    client_token: str
    """The client token ProcessPayment carried (replay with it to repeat exactly once)."""
    result: PaymentResult
    """What ProcessPayment returned."""
    secret_headers: Secret[dict[str, str]] = Field(repr=False)
    """The resend headers, held as a secret (see :attr:`headers`)."""

    @property
    def headers(self) -> dict[str, str]:
        """The headers to add to the resent request (they carry the payment proof)."""
        return dict(self.secret_headers.get_secret_value())


def x402_headers(
    challenge: PaymentChallenge, offer: PaymentOffer, payload: Any, client_token: str
) -> dict[str, str]:
    """The x402 resend header for ``offer`` paid with ``payload``."""
    if offer.version == 1:
        document = {
            "x402Version": 1,
            "scheme": offer.raw.get("scheme", offer.scheme),
            "network": offer.raw.get("network", offer.network),
            "payload": payload,
        }
        return {"X-PAYMENT": encode_b64_json(document)}
    required = challenge.required or {}
    document = {
        "x402Version": 2,
        "resource": required.get("resource"),
        "accepted": offer.raw,
        "payload": payload,
        "extensions": echoed_extensions(required.get("extensions"), client_token),
    }
    return {"PAYMENT-SIGNATURE": encode_b64_json(document)}


def echoed_extensions(extensions: Any, client_token: str) -> dict[str, Any]:
    """The server's extensions, with the client token as the ``payment-identifier`` id.

    Example:
        >>> echoed_extensions({"payment-identifier": {"info": {"required": False}}},
        ...                   "tok-0123456789abcdef")["payment-identifier"]["info"]
        {'required': False, 'id': 'tok-0123456789abcdef'}
    """
    if not isinstance(extensions, Mapping):
        return {}
    echoed = copy.deepcopy(dict(extensions))
    declared = echoed.get(PAYMENT_IDENTIFIER)
    if isinstance(declared, dict):
        info = declared.get("info")
        info = dict(info) if isinstance(info, Mapping) else {}
        info["id"] = client_token
        declared["info"] = info
    return echoed


def mpp_headers(credential: str) -> dict[str, str]:
    """The MPP resend header (the service's credential already reads ``Payment ...``)."""
    text = credential.strip()
    if not text.lower().startswith("payment "):
        text = f"Payment {text}"
    return {"Authorization": text}
