"""Reading what an x402 or MPP payment costs, and minting fake signed proofs.

x402 (``paymentInput.cryptoX402``, ``version`` "1" or "2"): ``payload`` is the
PaymentRequirements object the merchant offered, i.e. the entry of the 402
response's ``accepts`` that the buyer picked. That is what the official
``bedrock-agentcore`` Python SDK sends (``PaymentManager.generate_payment_header``
builds ``{"version": str(x402Version), "payload": selected_accept}``). Fields read:

* amount: ``maxAmountRequired`` (x402 spec v1) or ``amount`` (x402 spec v2), a string
  of digits in atomic units of ``asset``. Either name is accepted in either
  version, and so are wrapped shapes: a v2 PaymentPayload (``accepted``), an object
  with ``paymentRequirements``, or a whole PaymentRequired body (``accepts[0]``);
* ``scheme`` (``permit2AllowanceLimit`` is refused unless it is ``upto``), ``payTo``,
  ``network``, ``maxTimeoutSeconds`` (echoed into the fake authorization);
* decimals: ``extra.decimals`` when it is an integer, else 6 (USDC, the token
  AgentCore pays x402 with); USD = atomic / 10**decimals.

MPP (``paymentInput.mpp.wwwAuthenticateHeaders[0]``, the raw ``WWW-Authenticate:
Payment`` value, draft-ryan-httpauth-payment): RFC 9110 auth-params ``id``,
``method``, ``intent``, ``request`` (required), ``realm`` and ``expires`` (RFC 3339,
refused once past). ``request`` is base64url JSON (the charge intent) with:

* ``amount``: string of digits in base units; ``currency``: lower-case ISO 4217
  code for fiat (only ``usd`` is payable: sessions budget in USD, 2 decimals) or a
  token address (a USD stablecoin, 6 decimals unless ``decimals`` is given at the
  top level or in ``methodDetails``);
* ``methodDetails.feePayer``: when not true the challenge does not sponsor network
  fees, so an on-chain payment is refused unless ``buyerPaysGasFees`` is true (as
  the ``MppPaymentInput.buyerPaysGasFees`` documentation says).

A payload without a readable amount is refused with ValidationException.
The answer is ``{"challenge": <auth-params>, "source": ..., "payload": {...}}``
base64url-encoded after ``Payment `` (the credential format of the same draft).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ._context import IdSource, b64url, b64url_decode
from ._errors import EmulatedError, validation_error

_USDC_DECIMALS = 6
_FIAT_DECIMALS = {"usd": 2}
_SCHEME = re.compile(r"\s*Payment\s+", re.IGNORECASE)
_PARAM = re.compile(
    r"""\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]+)\s*(?:,|$)"""
)
_REQUIRED_PARAMS = ("id", "method", "intent", "request")
_X402_FIELD = "paymentInput.cryptoX402.payload"
_MPP_FIELD = "paymentInput.mpp.wwwAuthenticateHeaders"


@dataclass(frozen=True)
class PaymentAmount:
    """An amount in a token's (or currency's) smallest unit."""

    atomic: int
    decimals: int

    @property
    def usd(self) -> Decimal:
        """The amount in USD (the tokens are USD stablecoins)."""
        return Decimal(self.atomic).scaleb(-self.decimals).normalize()


@dataclass(frozen=True)
class X402Offer:
    """The payment requirements an x402 payment answers."""

    version: str
    requirements: Mapping[str, Any]
    amount: PaymentAmount


@dataclass(frozen=True)
class MppChallenge:
    """A parsed ``WWW-Authenticate: Payment`` challenge."""

    params: Mapping[str, str]
    request: Mapping[str, Any]
    amount: PaymentAmount


def read_x402(payment_input: Mapping[str, Any]) -> X402Offer:
    """Read the offer an x402 payment answers (see the module docstring).

    Raises:
        EmulatedError: ValidationException when the version or amount is unreadable.
    """
    version = payment_input.get("version")
    if version not in ("1", "2"):
        message = f"Unsupported x402 version {version!r}; expected '1' or '2'"
        raise validation_error(message, fields=[("paymentInput.cryptoX402.version", message)])
    names = ("maxAmountRequired", "amount") if version == "1" else ("amount", "maxAmountRequired")
    for requirements in _x402_candidates(payment_input.get("payload")):
        for name in names:
            atomic = _atomic(requirements.get(name))
            if atomic is not None:
                decimals = _decimals(requirements.get("extra"), _USDC_DECIMALS)
                offer = X402Offer(version, requirements, PaymentAmount(atomic, decimals))
                _check_permit2(payment_input, offer)
                return offer
    message = f"x402 payload has no readable amount ({' or '.join(names)})"
    raise validation_error(message, fields=[(_X402_FIELD, message)])


def _x402_candidates(payload: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(payload, dict):
        return
    yield payload
    for key in ("accepted", "paymentRequirements"):
        if isinstance(payload.get(key), dict):
            yield payload[key]
    accepts = payload.get("accepts")
    if isinstance(accepts, list) and accepts and isinstance(accepts[0], dict):
        yield accepts[0]


def _check_permit2(payment_input: Mapping[str, Any], offer: X402Offer) -> None:
    if payment_input.get("permit2AllowanceLimit") is None:
        return
    if str(offer.requirements.get("scheme", "")).lower() != "upto":
        message = "permit2AllowanceLimit is valid only for the upto scheme"
        field = "paymentInput.cryptoX402.permit2AllowanceLimit"
        raise validation_error(message, fields=[(field, message)])


def read_mpp(payment_input: Mapping[str, Any], now: datetime) -> MppChallenge:
    """Read the challenge an MPP payment answers (see the module docstring).

    Raises:
        EmulatedError: ValidationException for a malformed, expired or unpayable challenge.
    """
    headers = payment_input.get("wwwAuthenticateHeaders") or [""]
    try:
        params = parse_auth_params(headers[0])
        request = json.loads(b64url_decode(params["request"]))
    except (ValueError, KeyError) as err:
        raise _mpp_error(f"Malformed Payment challenge: {err}") from err
    if not isinstance(request, dict):
        raise _mpp_error("Payment challenge request must be a JSON object")
    _check_expiry(params, now)
    amount = _mpp_amount(request)
    _check_network_fees(request, payment_input)
    return MppChallenge(params, request, amount)


def parse_auth_params(header: str) -> dict[str, str]:
    """Parse a ``Payment`` challenge into its auth-params (names lower-cased).

    Example:
        >>> parse_auth_params('Payment id="a1", method=evm, intent="charge", request="e30"')
        {'id': 'a1', 'method': 'evm', 'intent': 'charge', 'request': 'e30'}
    """
    text = header.strip()
    match = _SCHEME.match(text)
    if match is None:
        raise ValueError("not a 'Payment' challenge")
    params: dict[str, str] = {}
    position = match.end()
    while position < len(text):
        param = _PARAM.match(text, position)
        if param is None or param.end() == position:
            raise ValueError(f"malformed auth-param at offset {position}")
        name, value = param.group(1).lower(), param.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name in params:
            raise ValueError(f"auth-param {name!r} repeated (exactly one challenge is allowed)")
        params[name] = value
        position = param.end()
    missing = [name for name in _REQUIRED_PARAMS if not params.get(name)]
    if missing:
        raise ValueError(f"missing auth-params {missing}")
    return params


def _check_expiry(params: Mapping[str, str], now: datetime) -> None:
    expires = params.get("expires")
    if expires is None:
        return
    try:
        deadline = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError as err:
        raise _mpp_error(f"Payment challenge expires is not RFC 3339: {expires!r}") from err
    if deadline.tzinfo is None or deadline <= now:
        raise _mpp_error("Payment challenge has expired")


def _mpp_amount(request: Mapping[str, Any]) -> PaymentAmount:
    atomic = _atomic(request.get("amount"))
    if atomic is None:
        raise _mpp_error("Payment challenge request has no readable amount")
    currency = str(request.get("currency", "")).lower()
    if not currency:
        raise _mpp_error("Payment challenge request has no currency")
    if _is_fiat(currency):
        if currency not in _FIAT_DECIMALS:
            raise _mpp_error(f"Currency {currency!r} is not supported; sessions budget in USD")
        return PaymentAmount(atomic, _FIAT_DECIMALS[currency])
    details = request.get("methodDetails")
    default = _decimals(details, _USDC_DECIMALS)
    return PaymentAmount(atomic, _decimals(request, default))


def _check_network_fees(request: Mapping[str, Any], payment_input: Mapping[str, Any]) -> None:
    if _is_fiat(str(request.get("currency", "")).lower()):
        return
    details = request.get("methodDetails")
    sponsored = isinstance(details, dict) and details.get("feePayer") is True
    if not sponsored and payment_input.get("buyerPaysGasFees") is not True:
        raise _mpp_error(
            "The challenge does not sponsor network fees; set buyerPaysGasFees to pay them"
        )


def _is_fiat(currency: str) -> bool:
    return len(currency) == 3 and currency.isalpha()


def _mpp_error(message: str) -> EmulatedError:
    return validation_error(message, fields=[(_MPP_FIELD, message)])


def _atomic(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _decimals(container: Any, default: int) -> int:
    value = container.get("decimals") if isinstance(container, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 36:
        return value
    return default


def x402_proof(
    offer: X402Offer, *, wallet: str, network: str, now: datetime, ids: IdSource
) -> dict[str, Any]:
    """A fake scheme payload: an EIP-3009 authorization (EVM) or a transaction (Solana)."""
    if network == "SOLANA":
        return {"transaction": ids.token(180)}
    timeout = offer.requirements.get("maxTimeoutSeconds")
    seconds = timeout if isinstance(timeout, int) and not isinstance(timeout, bool) else 300
    return {
        "signature": "0x" + ids.hex(130),
        "authorization": {
            "from": wallet,
            "to": str(offer.requirements.get("payTo", "")),
            "value": str(offer.amount.atomic),
            "validAfter": str(int((now - timedelta(minutes=10)).timestamp())),
            "validBefore": str(int((now + timedelta(seconds=seconds)).timestamp())),
            "nonce": "0x" + ids.hex(64),
        },
    }


def mpp_credential(challenge: MppChallenge, *, wallet: str, ids: IdSource) -> str:
    """A fake ``Payment <base64url>`` credential answering ``challenge``."""
    credential = {
        "challenge": dict(challenge.params),
        "source": f"did:pkh:{challenge.params['method']}:{wallet}",
        "payload": {"type": "transaction", "signature": "0x" + ids.hex(130)},
    }
    return "Payment " + b64url(json.dumps(credential, separators=(",", ":")).encode())
