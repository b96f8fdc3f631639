"""``Settlement``: what the seller says about a payment in the answer to the resend.

* x402 v2 ``PAYMENT-RESPONSE`` and v1 ``X-PAYMENT-RESPONSE``: base64 JSON
  ``{success, transaction, network, payer, errorReason}`` (x402
  ``specs/transports-v2/http.md`` and ``transports-v1/http.md``, "Settlement Response").
* MPP ``Payment-Receipt``: base64url JSON ``{status ("success" | "failed"), method,
  timestamp, reference}`` (draft-ryan-httpauth-payment, section 5.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from agentcore_billing._core.errors import InvalidChallengeError
from agentcore_billing._core.models import ResponseModel

from .assets import normalize_network
from .headers import decode_b64_json, header_pairs, header_values

_SOURCES: tuple[tuple[str, Literal["x402", "mpp"], int], ...] = (
    ("payment-response", "x402", 2),
    ("x-payment-response", "x402", 1),
    ("payment-receipt", "mpp", 1),
)


class Settlement(ResponseModel):
    """A decoded settlement header; fields the seller left out are ``None``.

    Example:
        >>> header = ("eyJzdWNjZXNzIjp0cnVlLCJ0cmFuc2FjdGlvbiI6IjB4MTIiLCJuZXR3b3JrIjoi"
        ...           "ZWlwMTU1Ojg0NTMyIn0=")
        >>> settlement = Settlement.from_response({"PAYMENT-RESPONSE": header})
        >>> settlement.success, settlement.transaction, settlement.network
        (True, '0x12', 'eip155:84532')
    """

    protocol: Literal["x402", "mpp"]
    """Which protocol's header it came from."""
    version: int
    """x402 version (2 for ``PAYMENT-RESPONSE``, 1 for ``X-PAYMENT-RESPONSE``); MPP 1."""
    success: bool | None = None
    """Whether the seller settled the payment."""
    transaction: str | None = None
    """The on-chain transaction (x402)."""
    network: str | None = None
    """The CAIP-2 network it settled on."""
    payer: str | None = None
    """The paying wallet."""
    error_reason: str | None = None
    """Why settlement failed (x402 ``errorReason``)."""
    reference: str | None = None
    """The method-specific reference (MPP ``reference``, e.g. a transaction hash)."""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The decoded header as sent."""

    @classmethod
    def from_response(cls, headers: Any) -> Settlement | None:
        """The settlement in ``headers`` (any container), or ``None`` when there is none.

        Raises:
            InvalidChallengeError: a settlement header that is not base64 JSON.
        """
        pairs = header_pairs(headers)
        for name, protocol, version in _SOURCES:
            values = header_values(pairs, name)
            if values:
                document = decode_b64_json(values[0], what=f"the {name} header")
                if not isinstance(document, Mapping):
                    raise InvalidChallengeError(f"the {name} header is not a JSON object")
                return cls._read(dict(document), protocol, version)
        return None

    @classmethod
    def _read(
        cls, doc: dict[str, Any], protocol: Literal["x402", "mpp"], version: int
    ) -> Settlement:
        network = _text(doc.get("network"))
        fields: dict[str, Any] = {
            "protocol": protocol,
            "version": version,
            "network": normalize_network(network) if network else None,
            "payer": _text(doc.get("payer")),
            "raw": doc,
        }
        if protocol == "x402":
            success = doc.get("success")
            fields |= {
                "success": success if isinstance(success, bool) else None,
                "transaction": _text(doc.get("transaction")),
                "error_reason": _text(doc.get("errorReason")),
            }
        else:
            status = _text(doc.get("status"))
            fields |= {
                "success": None if status is None else status.lower() == "success",
                "reference": _text(doc.get("reference")),
                "transaction": _text(doc.get("transaction")) or _text(doc.get("reference")),
            }
        return cls(**fields)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
