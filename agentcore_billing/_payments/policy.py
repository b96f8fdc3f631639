"""``SpendPolicy``: what ``pay_for`` may pay, judged on the offer that would be paid.

Fail closed: the default cap is 1.00 USD per payment (as the x402 client's default),
only known USD stablecoins (see ``assets``) have a USD value, and an asset this library
does not know is payable only when the policy lists it with its decimals and a cap.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from agentcore_billing._core.models import InputModel
from agentcore_billing._core.money import Money

from .assets import asset_key, is_testnet, known_asset, normalize_network
from .challenge import PaymentOffer


class AssetLimit(InputModel):
    """An asset the library does not know, made payable with its decimals and a cap.

    Example:
        >>> limit = AssetLimit(network="eip155:8453", address="0xabc", decimals=18,
        ...                    max_per_payment="0.5")
        >>> limit.max_atomic
        500000000000000000
    """

    network: str
    """The CAIP-2 network (legacy names accepted)."""
    address: str = Field(min_length=1)
    """The token contract or mint."""
    decimals: int = Field(ge=0, le=36, strict=True)
    """The token's decimal places."""
    max_per_payment: Decimal = Field(ge=0)
    """The most one payment may spend, in whole tokens."""

    @field_validator("network", mode="after")
    @classmethod
    def _caip2(cls, value: str) -> str:
        return normalize_network(value)

    @field_validator("max_per_payment", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("amounts must be str, int or Decimal, never float")
        return value

    @property
    def max_atomic(self) -> int:
        """The cap in atomic units."""
        return int(self.max_per_payment.scaleb(self.decimals))


@dataclass(frozen=True)
class Verdict:
    """How the policy judges one offer: dropped (a filter), over a limit, or payable."""

    offer: PaymentOffer
    usd: Decimal | None = None
    dropped: str | None = None
    rule: str | None = None
    over: str | None = None

    @property
    def payable(self) -> bool:
        """Passes every filter and limit."""
        return self.dropped is None and self.over is None


class SpendPolicy(InputModel):
    """Limits on what ``pay_for`` and the HTTP auths may pay.

    Example:
        >>> policy = SpendPolicy(max_per_payment=Money.usd("0.05"), allow_mainnets=False)
        >>> policy.max_per_payment
        Money(amount=Decimal('0.05'), currency='USD')
    """

    max_per_payment: Money = Money.usd("1.00")
    """The most one payment may cost, in USD (default 1.00)."""
    networks: frozenset[str] | None = None
    """Allowed CAIP-2 networks (legacy names accepted); ``None``: any known."""
    assets: frozenset[str] | None = None
    """Allowed asset addresses or symbols (``"USDC"``); ``None``: any known."""
    recipients: frozenset[str] | None = None
    """Allowed recipients (``payTo``); ``None``: any."""
    allow_testnets: bool = True
    """Whether testnets may be paid on."""
    allow_mainnets: bool = True
    """Whether mainnets may be paid on."""
    extra_assets: tuple[AssetLimit, ...] = ()
    """Assets this library does not know, payable within their own caps."""

    @field_validator("networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        return None if value is None else frozenset(normalize_network(v) for v in _strs(value))

    @field_validator("assets", "recipients", mode="before")
    @classmethod
    def _folded(cls, value: Any) -> Any:
        return None if value is None else frozenset(v.lower() for v in _strs(value))

    @model_validator(mode="after")
    def _usd_cap(self) -> SpendPolicy:
        if self.max_per_payment.currency != "USD" or self.max_per_payment.is_negative:
            raise ValueError(f"max_per_payment must be a non-negative USD amount, "
                             f"got {self.max_per_payment}")  # fmt: skip
        return self

    def judge(self, offer: PaymentOffer, now: datetime) -> Verdict:
        """Judge one offer (the caller has checked the instrument's network family)."""
        dropped = self._filter(offer, now)
        if dropped is not None:
            return Verdict(offer, dropped=dropped)
        assert offer.amount is not None and offer.asset is not None  # checked by _filter
        asset = known_asset(offer.network, offer.asset)
        if asset is not None:
            usd = asset.usd(offer.amount)
            if usd > self.max_per_payment.amount:
                over = f"{usd} USD is over the {self.max_per_payment.amount} USD cap"
                return Verdict(offer, usd=usd, rule="max_per_payment", over=over)
            return Verdict(offer, usd=usd)
        limit = self._extra(offer)
        assert limit is not None  # checked by _filter
        if offer.amount > limit.max_atomic:
            over = f"{offer.amount} atomic units are over the cap of {limit.max_atomic}"
            return Verdict(offer, rule="extra_assets.max_per_payment", over=over)
        return Verdict(offer)

    def _filter(self, offer: PaymentOffer, now: datetime) -> str | None:
        if offer.amount is None:
            return "no readable amount"
        if offer.expires_at is not None and offer.expires_at <= now:
            return f"expired at {offer.expires_at.isoformat()}"
        if offer.asset is None:
            return "no asset"
        return self._where(offer) or self._what(offer)

    def _where(self, offer: PaymentOffer) -> str | None:
        network = offer.network or ""
        if self.networks is not None and network not in self.networks:
            return f"network {network or '(none)'} is not in the policy's networks"
        testnet = is_testnet(network)
        fiat = known_asset(network, offer.asset) is not None and not network
        if not fiat and testnet is None and not (self.allow_testnets and self.allow_mainnets):
            return f"network {network or '(none)'} is unknown, so neither testnet nor mainnet"
        if testnet is True and not self.allow_testnets:
            return f"network {network} is a testnet and testnets are not allowed"
        if testnet is False and not self.allow_mainnets:
            return f"network {network} is a mainnet and mainnets are not allowed"
        return None

    def _what(self, offer: PaymentOffer) -> str | None:
        asset = known_asset(offer.network, offer.asset)
        if asset is None and self._extra(offer) is None:
            return (
                f"asset {offer.asset} is unknown (list it in extra_assets with decimals and a cap)"
            )
        if self.assets is not None:
            names = {str(offer.asset).lower(), asset.symbol.lower() if asset else ""}
            if not names & self.assets:
                return f"asset {offer.asset} is not in the policy's assets"
        if self.recipients is not None and (offer.pay_to or "").lower() not in self.recipients:
            return f"recipient {offer.pay_to} is not in the policy's recipients"
        return None

    def _extra(self, offer: PaymentOffer) -> AssetLimit | None:
        key = asset_key(offer.network, offer.asset or "")
        for limit in self.extra_assets:
            if asset_key(limit.network, limit.address) == key:
                return limit
        return None


def _strs(value: Any) -> Collection[str]:
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise ValueError("must be a collection of strings")
    return items
