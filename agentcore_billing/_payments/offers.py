"""Normalizing one x402 ``accepts`` entry or one MPP challenge into offer fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from .assets import SOLANA_CLUSTERS, normalize_network
from .authheader import AuthChallenge, parse_www_authenticate
from .headers import decode_b64_json

_EVM_METHODS = frozenset({"evm", "tempo"})


def atomic_amount(value: Any) -> int | None:
    """A non-negative integer amount from digits (or a JSON integer), else ``None``.

    Example:
        >>> atomic_amount("10000"), atomic_amount("1.5"), atomic_amount(-1)
        (10000, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 78:
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def x402_offer(entry: Any, version: int) -> dict[str, Any] | None:
    """The ``PaymentOffer`` fields of one ``accepts`` entry (``None``: not an object)."""
    if not isinstance(entry, Mapping):
        return None
    amount_key = "maxAmountRequired" if version == 1 else "amount"
    amount = atomic_amount(entry.get(amount_key))
    if amount is None:  # tolerate the other version's name
        amount = atomic_amount(entry.get("amount" if version == 1 else "maxAmountRequired"))
    network = _text(entry.get("network"))
    return {
        "protocol": "x402",
        "version": version,
        "scheme": str(entry.get("scheme") or ""),
        "network": normalize_network(network) if network else None,
        "asset": _text(entry.get("asset")),
        "pay_to": _text(entry.get("payTo")),
        "amount": amount,
        "raw": dict(entry),
        "description": _text(entry.get("description")),
    }


def payment_challenges(value: str) -> list[AuthChallenge]:
    """The ``Payment`` challenges of one ``WWW-Authenticate`` value (others skipped)."""
    return [c for c in parse_www_authenticate(value) if c.scheme.lower() == "payment"]


def mpp_offer(challenge: AuthChallenge, problems: list[str]) -> dict[str, Any] | None:
    """The ``PaymentOffer`` fields of one ``Payment`` challenge (``None``: unreadable)."""
    params = challenge.params
    missing = [name for name in ("id", "method", "intent", "request") if not params.get(name)]
    if missing:
        problems.append(f"a Payment challenge lacks {', '.join(missing)}")
        return None
    try:
        request = decode_b64_json(params["request"], what="a Payment challenge's request")
    except ValueError as err:
        problems.append(str(err))
        return None
    if not isinstance(request, Mapping):
        problems.append(f"Payment challenge {params['id']!r}: request is not a JSON object")
        return None
    method = params["method"].lower()
    details = request.get("methodDetails")
    details = details if isinstance(details, Mapping) else {}
    currency = _text(request.get("currency"))
    return {
        "protocol": "mpp",
        "version": 1,
        "scheme": params["intent"],
        "network": _mpp_network(method, details),
        "asset": currency,
        "pay_to": _text(request.get("recipient")),
        "amount": atomic_amount(request.get("amount")),
        "expires_at": _expiry(params.get("expires"), problems),
        "raw": dict(request),
        "method": method,
        "challenge_id": params["id"],
        "header": challenge.raw,
        "fee_sponsored": details.get("feePayer") is True,
        "description": params.get("description") or _text(request.get("description")),
    }


def _mpp_network(method: str, details: Mapping[str, Any]) -> str | None:
    if method in _EVM_METHODS:
        chain = details.get("chainId")
        if isinstance(chain, int) and not isinstance(chain, bool):
            return f"eip155:{chain}"
        if isinstance(chain, str) and chain.isdigit():
            return f"eip155:{int(chain)}"
        return None
    if method == "solana":
        cluster = details.get("network")
        name = (
            cluster.strip().lower() if isinstance(cluster, str) and cluster.strip() else "mainnet"
        )
        return SOLANA_CLUSTERS.get(name)
    return None


def _expiry(value: str | None, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"expires {value!r} is not an RFC 3339 time")
        # Unreadable expiry: treat as already expired (never pay it).
        return datetime.min.replace(tzinfo=timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
