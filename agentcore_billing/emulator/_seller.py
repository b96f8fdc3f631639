"""A seller on the emulator: paid resources answering HTTP 402 with x402 v1/v2 and MPP.

``emu.add_paid_resource(path, amount=..., asset=..., network=..., protocols=...)``
serves ``path`` on the emulator's port. Without a payment it answers 402 with one
offer per protocol, each with a fresh nonce (x402 ``extra.nonce``, MPP ``id``):

* ``x402v2``: ``PAYMENT-REQUIRED`` (base64 PaymentRequired, declaring the
  ``payment-identifier`` extension);
* ``x402v1``: the JSON body (``accepts`` with ``maxAmountRequired`` and the legacy
  network name);
* ``mpp``: ``WWW-Authenticate: Payment ...`` (method ``evm`` with ``chainId`` or
  ``solana`` with its cluster; fees sponsored; expires in 5 minutes).

A resend is accepted (200, with ``PAYMENT-RESPONSE``, ``X-PAYMENT-RESPONSE`` or
``Payment-Receipt``) when its proof was minted by this emulator's ProcessPayment for
an offer this seller issued for the same path; each proof settles once (an identical
resend gets the first answer again, as x402's payment-identifier recovery asks).
Anything else is refused: x402 with a new 402 whose ``PAYMENT-RESPONSE`` says why,
MPP with 401 and a fresh challenge.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agentcore_billing._payments.assets import (
    NETWORKS,
    SOLANA_CLUSTERS,
    family_of,
    normalize_network,
    usdc_address,
)
from agentcore_billing._payments.headers import decode_b64_json, encode_b64_json

from ._issued import IssuedProof, proof_key_of_payload
from ._protocol import HttpResponse

if TYPE_CHECKING:
    from ._engine import Engine, RawRequest

PROTOCOLS = ("x402v2", "x402v1", "mpp")
_JSON = ("Content-Type", "application/json")
_IDENTIFIER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "required": {"type": "boolean"},
        "id": {"type": "string", "minLength": 16, "maxLength": 128},
    },
    "required": ["required"],
}


@dataclass(frozen=True)
class PaidResource:
    """One paid path and its price."""

    path: str
    amount: int
    asset: str
    network: str
    protocols: tuple[str, ...]
    pay_to: str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
    description: str = "A paid resource of the emulator"
    reject_payments: bool = False
    redirect_to: str | None = None
    """After a payment, answer 302 to this URL (with the settlement header)."""


@dataclass(frozen=True)
class SellerRequest:
    """One request a paid resource received."""

    sequence: int
    method: str
    path: str
    status: int
    payment_header: str | None
    """The header that carried a payment (``PAYMENT-SIGNATURE``, ``X-PAYMENT``,
    ``Authorization``), or ``None``."""
    headers: Mapping[str, str] = field(repr=False, compare=False, default_factory=dict)


def paid_resource(
    path: str,
    *,
    amount: int,
    asset: str | None,
    network: str,
    protocols: Sequence[str],
    **options: Any,
) -> PaidResource:
    """A ``PaidResource`` with the network in CAIP-2 and USDC as the default asset."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"amount must be a non-negative int of atomic units, got {amount!r}")
    caip2 = normalize_network(network)
    return PaidResource(
        path=path if path.startswith("/") else "/" + path,
        amount=amount,
        asset=asset if asset is not None else usdc_address(caip2),
        network=caip2,
        protocols=tuple(protocols),
        **options,
    )


class Seller:
    """The paid resources of one emulator (state under its own lock)."""

    def __init__(self, engine: Engine, base_url: Callable[[], str]) -> None:
        self._engine = engine
        self._base_url = base_url
        self._lock = threading.Lock()
        self.resources: dict[str, PaidResource] = {}
        self.requests: list[SellerRequest] = []
        self._offers: dict[str, tuple[str, Any]] = {}  # nonce or raw MPP challenge -> path, offer
        self._settled: dict[str, HttpResponse] = {}

    def add(self, resource: PaidResource) -> None:
        """Serve ``resource``."""
        unknown = set(resource.protocols) - set(PROTOCOLS)
        if unknown or not resource.protocols:
            raise ValueError(f"protocols must be some of {PROTOCOLS}, got {resource.protocols}")
        if family_of(resource.network) is None:
            raise ValueError(
                f"network must be eip155:<id> or solana:<genesis>, got {resource.network}"
            )
        with self._lock:
            self.resources[resource.path] = resource

    def handles(self, raw: RawRequest) -> bool:
        """Whether ``raw`` is for a paid resource."""
        return urlsplit(raw.path).path in self.resources

    def clear(self) -> None:
        """Forget requests, issued offers and settlements (resources stay)."""
        with self._lock:
            self.requests.clear()
            self._offers.clear()
            self._settled.clear()

    def dispatch(self, raw: RawRequest) -> HttpResponse:
        """Answer one request for a paid resource."""
        resource = self.resources[urlsplit(raw.path).path]
        header, response = self._answer(resource, raw)
        with self._lock:
            self.requests.append(
                SellerRequest(
                    len(self.requests) + 1,
                    raw.method,
                    resource.path,
                    response.status,
                    header,
                    dict(raw.headers),
                )
            )
        return response

    def _answer(self, resource: PaidResource, raw: RawRequest) -> tuple[str | None, HttpResponse]:
        headers = raw.headers
        if "payment-signature" in headers:
            return "PAYMENT-SIGNATURE", self._x402(resource, headers["payment-signature"], 2)
        if "x-payment" in headers:
            return "X-PAYMENT", self._x402(resource, headers["x-payment"], 1)
        authorization = headers.get("authorization", "")
        if authorization[:8].lower() == "payment ":
            return "Authorization", self._mpp(resource, authorization)
        return None, self.challenge(resource)

    # -- challenges ------------------------------------------------------------------

    def challenge(
        self, resource: PaidResource, status: int = 402, extra: tuple[tuple[str, str], ...] = ()
    ) -> HttpResponse:
        """A fresh 402 (or 401 for a refused MPP credential) offering ``resource``."""
        pairs: list[tuple[str, str]] = [_JSON]
        body: dict[str, Any] = {"error": "payment required", "resource": resource.path}
        if "x402v2" in resource.protocols:
            pairs.append(("PAYMENT-REQUIRED", encode_b64_json(self._required_v2(resource))))
        if "x402v1" in resource.protocols:
            body = {
                "x402Version": 1,
                "error": "X-PAYMENT header is required",
                "accepts": [self._entry(resource, 1)],
            }
        if "mpp" in resource.protocols:
            pairs.append(("WWW-Authenticate", self._mpp_challenge(resource)))
        pairs.extend(extra)
        return HttpResponse(status, tuple(pairs), json.dumps(body).encode())

    def _nonce(self) -> str:
        with self._engine.lock:
            return self._engine.ids.token(12)

    def _entry(self, resource: PaidResource, version: int) -> dict[str, Any]:
        nonce = self._nonce()
        extra = {"name": "USDC", "version": "2", "nonce": nonce}
        entry: dict[str, Any] = {
            "scheme": "exact",
            "network": resource.network,
            "amount": str(resource.amount),
            "asset": resource.asset,
            "payTo": resource.pay_to,
            "maxTimeoutSeconds": 60,
            "extra": extra,
        }
        if version == 1:
            known = NETWORKS.get(resource.network)
            del entry["amount"]
            entry |= {
                "network": known.name if known else resource.network,
                "maxAmountRequired": str(resource.amount),
                "resource": self._url(resource),
                "description": resource.description,
                "mimeType": "application/json",
            }
        with self._lock:
            self._offers[nonce] = (resource.path, entry)
        return entry

    def _required_v2(self, resource: PaidResource) -> dict[str, Any]:
        return {
            "x402Version": 2,
            "error": "PAYMENT-SIGNATURE header is required",
            "resource": {
                "url": self._url(resource),
                "description": resource.description,
                "mimeType": "application/json",
            },
            "accepts": [self._entry(resource, 2)],
            "extensions": {
                "payment-identifier": {"info": {"required": False}, "schema": _IDENTIFIER_SCHEMA}
            },
        }

    def _mpp_challenge(self, resource: PaidResource) -> str:
        challenge_id = self._nonce()
        if family_of(resource.network) == "ETHEREUM":
            method = "evm"
            details: dict[str, Any] = {"chainId": int(resource.network.split(":", 1)[1])}
        else:
            method = "solana"
            cluster = {v: k for k, v in SOLANA_CLUSTERS.items() if k != "mainnet-beta"}
            details = {"network": cluster.get(resource.network, "mainnet")}
        details["feePayer"] = True
        request = {
            "amount": str(resource.amount),
            "currency": resource.asset,
            "recipient": resource.pay_to,
            "methodDetails": details,
        }
        expires = (self._engine.now() + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
        realm = urlsplit(self._base_url()).netloc
        header = (
            f'Payment id="{challenge_id}", realm="{realm}", method="{method}", '
            f'intent="charge", expires="{expires}", '
            f'request="{encode_b64_json(request, urlsafe=True)}"'
        )
        with self._lock:
            self._offers[header] = (resource.path, request)
        return header

    def _url(self, resource: PaidResource) -> str:
        return self._base_url() + resource.path

    # -- payments --------------------------------------------------------------------

    def _x402(self, resource: PaidResource, header: str, version: int) -> HttpResponse:
        try:
            document = decode_b64_json(header, what="the payment header")
            payload = document["payload"]
        except (ValueError, KeyError, TypeError):
            return self._refuse_x402(resource, version, "invalid_payload")
        key = proof_key_of_payload(payload)
        proof = self._proof(key)
        if proof is None or resource.reject_payments:
            return self._refuse_x402(resource, version, "invalid_payment")
        paid = proof.payment_input.get("payload")
        nonce = paid.get("extra", {}).get("nonce") if isinstance(paid, Mapping) else None
        issued = self._offers.get(str(nonce))
        if issued is None or issued != (resource.path, paid):
            return self._refuse_x402(resource, version, "offer_mismatch")
        if version == 2 and document.get("accepted") != paid:
            return self._refuse_x402(resource, version, "accepted_mismatch")
        return self._settle(str(key), resource, version, payload)

    def _mpp(self, resource: PaidResource, credential: str) -> HttpResponse:
        proof = self._proof(credential.strip())
        answered = proof.payment_input.get("wwwAuthenticateHeaders", [""])[0] if proof else ""
        issued = self._offers.get(str(answered))
        if proof is None or resource.reject_payments or not issued or issued[0] != resource.path:
            problem = {
                "type": "https://ietf.org/payment/problems/verification-failed",
                "title": "Payment Verification Failed",
                "status": 401,
            }
            response = self.challenge(resource, status=401)
            return HttpResponse(401, response.headers, json.dumps(problem).encode())
        return self._settle(credential.strip(), resource, 0, None)

    def _proof(self, key: str | None) -> IssuedProof | None:
        if key is None:
            return None
        with self._engine.lock:
            return self._engine.payments.issued.get(key)

    def _refuse_x402(self, resource: PaidResource, version: int, reason: str) -> HttpResponse:
        name = "PAYMENT-RESPONSE" if version == 2 else "X-PAYMENT-RESPONSE"
        network = resource.network
        failure = {"success": False, "errorReason": reason, "transaction": "", "network": network}
        return self.challenge(resource, extra=((name, encode_b64_json(failure)),))

    def _settle(self, key: str, resource: PaidResource, version: int, payload: Any) -> HttpResponse:
        with self._lock:
            done = self._settled.get(key)
            if done is not None:
                return done
        transaction = "0x" + self._engine.ids.hex(64)
        if version == 0:
            receipt = {
                "status": "success",
                "method": "evm",
                "reference": transaction,
                "timestamp": self._engine.now().isoformat().replace("+00:00", "Z"),
            }
            header = ("Payment-Receipt", encode_b64_json(receipt, urlsafe=True))
        else:
            auth = payload.get("authorization", {}) if isinstance(payload, Mapping) else {}
            known = NETWORKS.get(resource.network)
            network = resource.network if version == 2 or known is None else known.name
            settlement = {
                "success": True,
                "transaction": transaction,
                "network": network,
                "payer": auth.get("from", ""),
            }
            name = "PAYMENT-RESPONSE" if version == 2 else "X-PAYMENT-RESPONSE"
            header = (name, encode_b64_json(settlement))
        body = {
            "resource": resource.path,
            "data": "paid content",
            "paid": {"amount": str(resource.amount), "asset": resource.asset},
        }
        if resource.redirect_to is not None:
            response = HttpResponse(302, (("Location", resource.redirect_to), header), b"")
        else:
            response = HttpResponse(200, (_JSON, header), json.dumps(body).encode())
        with self._lock:
            self._settled[key] = response
        return response
