"""Rounding usage quantities to what ``QuantityAsDecimal`` carries: six decimal places."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from agentcore_billing._core.money import parse_decimal

QUANTITY_PLACES = 6
"""Decimal places ``QuantityAsDecimal`` (and so ``UsageRecord``) accepts at most."""

MAX_INTEGER_DIGITS = 38
"""Integer digits :func:`quantize_quantity` rounds at most (as many as ``Money`` holds)."""

_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)
_ROUNDINGS = frozenset(getattr(decimal, name) for name in dir(decimal) if name.startswith("ROUND_"))


def quantize_quantity(value: Decimal | int | str, *, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Round ``value`` to six decimal places, the most a usage quantity may have.

    ``UsageRecord`` (and the usage ledger) refuse a quantity with more decimals instead
    of rounding it silently: decide how to round with this, then pass the result.
    ``rounding`` is one of the ``decimal.ROUND_*`` modes (banker's rounding by
    default; ``ROUND_UP`` never bills less than was used, ``ROUND_DOWN`` never more).
    Floats are refused, as everywhere in this library.

    Example:
        >>> from decimal import ROUND_DOWN, ROUND_UP
        >>> quantize_quantity(Decimal("2.7182818"))
        Decimal('2.718282')
        >>> quantize_quantity("0.0000001", rounding=ROUND_UP)
        Decimal('0.000001')
        >>> quantize_quantity("1.9999999", rounding=ROUND_DOWN)
        Decimal('1.999999')
    """
    if rounding not in _ROUNDINGS:
        raise ValueError(f"rounding must be one of {sorted(_ROUNDINGS)}, got {rounding!r}")
    exact = parse_decimal(value, what="quantity")
    # Rounding 1E+200000000 to six places would write out 200 million digits.
    if exact and exact.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(
            f"quantity has more than {MAX_INTEGER_DIGITS} integer digits (a usage quantity "
            "has at most 10)"
        )
    places = max(len(exact.as_tuple().digits), exact.adjusted() + 1) + QUANTITY_PLACES + 1
    with localcontext() as context:
        context.prec = max(context.prec, places)
        return exact.quantize(_STEP, rounding=rounding)
