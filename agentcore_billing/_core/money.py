"""Exact money: a Decimal amount and a currency, never a float."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import CurrencyMismatchError, InvalidInputError

Currency = Literal["USD"]
"""Currencies the service accepts today. Adding one is a one-line change here."""

SUPPORTED_CURRENCIES: frozenset[str] = frozenset(get_args(Currency))

_PLAIN_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_MAX_DIGITS = 38  # far beyond any real amount, small enough to stay exact and cheap
_MAX_INT_BITS = 128  # an int of more bits has more than _MAX_DIGITS digits


def _to_decimal(value: object) -> Decimal:
    """Turn a str/int/Decimal into a finite Decimal; refuse anything inexact."""
    if isinstance(value, (bool, float)):
        kind = type(value).__name__
        raise ValueError(
            f"amount must be a str, int or Decimal, not {kind} ({value!r}): floats are "
            'inexact; pass a string such as "5.00" or Decimal("5.00")'
        )
    if isinstance(value, int):
        # Decimal(int) takes time quadratic in the digits (18 s for a million): refuse
        # before converting what no amount can be (2**128 has 39 digits).
        if value.bit_length() > _MAX_INT_BITS:
            raise ValueError(
                f"amount has more than {_MAX_DIGITS} digits (an int of {value.bit_length()} bits)"
            )
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN_DECIMAL.match(text):
            raise ValueError(
                f"amount must be a plain decimal string like '5.00' (no exponent, sign "
                f"other than '-', spaces or separators), got {value!r}"
            )
        return Decimal(text)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"amount must be finite, got {value!r}")
        return value
    raise ValueError(f"amount must be a str, int or Decimal, not {type(value).__name__}")


def canonical_decimal(value: Decimal) -> str:
    """Render ``value`` as a plain decimal string: never exponent form, no ``-0``.

    Example:
        >>> canonical_decimal(Decimal("1E+3")), canonical_decimal(Decimal("-0.00"))
        ('1000', '0.00')
    """
    text = format(value, "f")
    return text[1:] if text.startswith("-") and value == 0 else text


class Money(BaseModel):
    """An exact amount of one currency.

    Amounts come in as ``str``, ``int`` or ``Decimal``; floats, NaN, infinities and
    exponent strings are refused with a ``pydantic.ValidationError`` naming ``amount``.
    Arithmetic and ordering work within one currency and raise
    :class:`CurrencyMismatchError` across currencies.

    Example:
        >>> price = Money.usd("0.25")
        >>> (price + price).to_wire()
        {'value': '0.50', 'currency': 'USD'}
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    amount: Decimal = Field(description="The exact amount (may be negative after subtraction).")
    """The exact amount as a Decimal."""
    currency: Currency = "USD"
    """ISO 4217 code; only the currencies the service accepts."""

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: object) -> Decimal:
        amount = _to_decimal(value)
        exponent = amount.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if len(amount.as_tuple().digits) > _MAX_DIGITS or amount.adjusted() >= _MAX_DIGITS:
            raise ValueError(f"amount has more than {_MAX_DIGITS} digits")
        if places > _MAX_DIGITS:
            raise ValueError(f"amount has more than {_MAX_DIGITS} decimal places")
        return amount + Decimal(0) if amount.is_zero() else amount

    @classmethod
    def usd(cls, amount: str | int | Decimal) -> Money:
        """Shorthand for ``Money(amount=amount, currency="USD")``.

        Example:
            >>> Money.usd("5.00").amount
            Decimal('5.00')
        """
        return cls(amount=amount, currency="USD")  # type: ignore[arg-type]

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Money:
        """Parse the service's ``{"value": "...", "currency": "..."}`` shape.

        Example:
            >>> Money.from_wire({"value": "5.00", "currency": "USD"})
            Money(amount=Decimal('5.00'), currency='USD')
        """
        if not isinstance(wire, Mapping):
            raise InvalidInputError(
                "wire",
                'must be a mapping like {"value": "5.00", "currency": "USD"}',
                type(wire).__name__,
            )
        return cls(amount=wire.get("value"), currency=wire.get("currency"))  # type: ignore[arg-type]

    def to_wire(self) -> dict[str, str]:
        """The service's amount shape with a canonical decimal string.

        Example:
            >>> Money.usd(5).to_wire()
            {'value': '5', 'currency': 'USD'}
        """
        return {"value": canonical_decimal(self.amount), "currency": self.currency}

    @property
    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    def _same_currency(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency, op)
        return other

    def __add__(self, other: object) -> Money:
        other_money = self._same_currency(other, "add")
        with localcontext() as ctx:
            ctx.prec = _MAX_DIGITS * 2
            return Money(amount=self.amount + other_money.amount, currency=self.currency)

    def __sub__(self, other: object) -> Money:
        other_money = self._same_currency(other, "subtract")
        with localcontext() as ctx:
            ctx.prec = _MAX_DIGITS * 2
            return Money(amount=self.amount - other_money.amount, currency=self.currency)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: object) -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._same_currency(other, "compare").amount

    def __str__(self) -> str:
        return f"{canonical_decimal(self.amount)} {self.currency}"


def parse_decimal(value: object, *, what: str = "value") -> Decimal:
    """Parse a str/int/Decimal into a finite Decimal, refusing floats (shared helper)."""
    try:
        return _to_decimal(value)
    except (InvalidOperation, ValueError) as err:
        raise ValueError(str(err).replace("amount", what, 1)) from err
