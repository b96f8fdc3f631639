"""``PaymentChallenge``: the offers of an HTTP 402, read from x402 v1/v2 and MPP.

Where each protocol puts its offers (vectors in the tests are taken from these texts):

* x402 v1 (x402 ``specs/transports-v1/http.md``): a JSON body
  ``{"x402Version": 1, "accepts": [{scheme, network ("base-sepolia"),
  maxAmountRequired, asset, payTo, resource, maxTimeoutSeconds, extra}]}``.
* x402 v2 (``specs/transports-v2/http.md``): a ``PAYMENT-REQUIRED`` header, base64 of
  ``{"x402Version": 2, resource, accepts: [{scheme, network (CAIP-2), amount, asset,
  payTo, maxTimeoutSeconds, extra}], extensions}``; a v2 document in the body is
  tolerated when the header is missing.
* MPP (draft-ryan-httpauth-payment, section 5.1): ``WWW-Authenticate: Payment id=...,
  realm=..., method=..., intent=..., request=<base64url JSON>, expires=<RFC 3339>``;
  several challenges per field and repeated fields (RFC 9110 section 11.6.1).

Every source of a challenge is capped at 16 KB (the service's limit on an MPP
challenge): a larger one is refused with ``InvalidChallengeError`` instead of parsed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from agentcore_billing._core.errors import InvalidChallengeError
from agentcore_billing._core.models import ResponseModel

from . import offers as _offers
from .headers import decode_b64_json, header_pairs, header_values

MAX_CHALLENGE_BYTES = 16384
"""The largest challenge source (header value or body) this library parses."""


class PaymentOffer(ResponseModel):
    """One way to pay a 402, normalized; ``raw`` keeps the server's offer verbatim.

    Example:
        >>> offer = PaymentOffer(protocol="x402", version=2, scheme="exact",
        ...     network="eip155:84532", asset="0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        ...     pay_to="0x209693Bc6afc0C5328bA36FaF03C514EF312287C", amount=10000, raw={})
        >>> offer.amount, offer.network
        (10000, 'eip155:84532')
    """

    protocol: Literal["x402", "mpp"]
    """``x402`` or ``mpp``."""
    version: int
    """x402: 1 or 2; MPP: 1."""
    scheme: str
    """x402 scheme (``exact``, ``upto``, ...); MPP: the intent (``charge``)."""
    network: str | None = None
    """CAIP-2 network (legacy names mapped); ``None`` when the offer names none."""
    asset: str | None = None
    """Token contract or mint (MPP: the request's currency)."""
    pay_to: str | None = None
    """The recipient."""
    amount: int | None = None
    """Atomic units of ``asset``; ``None`` when unreadable (such an offer is never paid)."""
    expires_at: datetime | None = None
    """When the offer expires (MPP ``expires``); ``None`` when it does not say."""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The offer as sent: the x402 ``accepts`` entry, or the decoded MPP ``request``."""
    index: int = 0
    """Position in ``PaymentChallenge.offers``."""
    method: str | None = None
    """MPP payment method (``evm``, ``tempo``, ``solana``, ...)."""
    challenge_id: str | None = None
    """MPP challenge ``id``."""
    header: str | None = Field(default=None, repr=False)
    """MPP: the one challenge's text exactly as sent (what ProcessPayment takes)."""
    fee_sponsored: bool | None = None
    """MPP: whether the challenge sponsors network fees (``methodDetails.feePayer``)."""
    description: str | None = None
    """What the server says the payment is for (display only)."""


class PaymentChallenge(ResponseModel):
    """The offers of one HTTP 402, in the server's order within each protocol.

    Example:
        >>> body = {"x402Version": 1, "accepts": [{"scheme": "exact",
        ...     "network": "base-sepolia", "maxAmountRequired": "10000",
        ...     "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        ...     "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        ...     "resource": "https://api.example.com/premium-data", "maxTimeoutSeconds": 60}]}
        >>> challenge = PaymentChallenge.from_response(status_code=402, headers={}, body=body)
        >>> challenge.offers[0].network, challenge.offers[0].amount
        ('eip155:84532', 10000)
    """

    offers: tuple[PaymentOffer, ...]
    """Every parseable offer (also those this library cannot pay)."""
    required: dict[str, Any] | None = Field(default=None, repr=False)
    """The x402 ``PaymentRequired`` document (v2 header or v1/v2 body), else ``None``."""
    problems: tuple[str, ...] = ()
    """Parts of the answer that could not be read (for error messages)."""
    digest: str = Field(default="", repr=False)
    """A SHA-256 of the challenge material: the same 402 gives the same digest."""

    @classmethod
    def from_response(
        cls, *, status_code: int, headers: Any, body: bytes | str | Any = None
    ) -> PaymentChallenge:
        """Read the offers of a 402 answer.

        Args:
            status_code: the HTTP status; anything but 402 is refused.
            headers: any mapping, ``httpx.Headers``, ``requests``' headers or a list
                of ``(name, value)`` pairs; ``WWW-Authenticate`` may repeat.
            body: the body as bytes, text, parsed JSON or ``None``.

        Raises:
            InvalidChallengeError: not a 402, a source over 16 KB, or no parseable offer.
        """
        if status_code != 402:
            raise InvalidChallengeError(f"not a payment challenge: HTTP {status_code}, not 402")
        pairs = header_pairs(headers)
        problems: list[str] = []
        required, x402 = _read_x402(pairs, body, problems)
        mpp, mpp_material = _read_mpp(pairs, problems)
        offers = tuple(
            offer.model_copy(update={"index": index}) for index, offer in enumerate(x402 + mpp)
        )
        if not offers:
            detail = "; ".join(problems) or "no PAYMENT-REQUIRED, x402 body or Payment challenge"
            raise InvalidChallengeError(f"no parseable payment offer in the 402: {detail}")
        digest = _digest(required, mpp_material)
        return cls(offers=offers, required=required, problems=tuple(problems), digest=digest)


def _check_size(text: str | bytes, what: str) -> None:
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_CHALLENGE_BYTES:
        raise InvalidChallengeError(
            f"{what} is {size} bytes; payment challenges over {MAX_CHALLENGE_BYTES} bytes "
            "are refused"
        )


def _read_x402(
    pairs: list[tuple[str, str]], body: Any, problems: list[str]
) -> tuple[dict[str, Any] | None, list[PaymentOffer]]:
    values = header_values(pairs, "payment-required")
    if values:
        _check_size(values[0], "the PAYMENT-REQUIRED header")
        document = decode_b64_json(values[0], what="the PAYMENT-REQUIRED header")
        return _x402_document(document, "the PAYMENT-REQUIRED header", problems)
    parsed = _body_json(body, problems)
    if parsed is None:
        return None, []
    return _x402_document(parsed, "the 402 body", problems)


def _body_json(body: Any, problems: list[str]) -> Any:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray, str)):
        if isinstance(body, str) and not body.strip():
            return None
        if len(body) > MAX_CHALLENGE_BYTES:
            problems.append(f"the 402 body ({len(body)} bytes) is over {MAX_CHALLENGE_BYTES}")
            return None
        try:
            return json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return None  # an HTML or text body: not an x402 one
    return body


def _x402_document(
    document: Any, where: str, problems: list[str]
) -> tuple[dict[str, Any] | None, list[PaymentOffer]]:
    if not isinstance(document, Mapping) or "accepts" not in document:
        if where != "the 402 body":
            problems.append(f"{where} is not an x402 PaymentRequired object")
        return None, []
    version = document.get("x402Version")
    if version not in (1, 2) or isinstance(version, bool):
        problems.append(f"{where}: x402Version {version!r} is not 1 or 2")
        return None, []
    accepts = document.get("accepts")
    if not isinstance(accepts, list):
        problems.append(f"{where}: accepts is not a list")
        return None, []
    found = []
    for position, entry in enumerate(accepts):
        offer = _offers.x402_offer(entry, version)
        if offer is None:
            problems.append(f"{where}: accepts[{position}] is not an object")
        else:
            found.append(PaymentOffer(**offer))
    return dict(document), found


def _read_mpp(pairs: list[tuple[str, str]], problems: list[str]) -> tuple[list[PaymentOffer], str]:
    found: list[PaymentOffer] = []
    material: list[str] = []
    for value in header_values(pairs, "www-authenticate"):
        _check_size(value, "a WWW-Authenticate header")
        try:
            challenges = _offers.payment_challenges(value)
        except ValueError as err:
            problems.append(f"a WWW-Authenticate header is malformed: {err}")
            continue
        for challenge in challenges:
            offer = _offers.mpp_offer(challenge, problems)
            if offer is not None:
                found.append(PaymentOffer(**offer))
                material.append(challenge.raw)
    return found, "\n".join(material)


def _digest(required: Mapping[str, Any] | None, mpp_material: str) -> str:
    hasher = hashlib.sha256()
    if required is not None:
        hasher.update(json.dumps(required, sort_keys=True, separators=(",", ":")).encode())
    hasher.update(b"\x00")
    hasher.update(mpp_material.encode())
    return hasher.hexdigest()
