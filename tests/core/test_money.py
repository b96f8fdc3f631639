"""Money: exact amounts, canonical wire strings, one currency at a time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from agentcore_billing import CurrencyMismatchError, Money
from agentcore_billing._core.money import canonical_decimal


def test_accepts_str_int_and_decimal() -> None:
    assert Money(amount="5.00", currency="USD").amount == Decimal("5.00")
    assert Money.usd(5).amount == Decimal(5)
    assert Money.usd(Decimal("0.10")).amount == Decimal("0.10")
    assert Money.usd("5.00").currency == "USD"


def test_wire_round_trip_keeps_the_given_scale() -> None:
    money = Money.usd("5.00")
    assert money.to_wire() == {"value": "5.00", "currency": "USD"}
    assert Money.from_wire(money.to_wire()) == money


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (1.5, "float"),
        (0.1, "pass a string"),
        (True, "bool"),
        (None, "NoneType"),
        ("nan", "plain decimal"),
        ("NaN", "plain decimal"),
        ("Infinity", "plain decimal"),
        ("-inf", "plain decimal"),
        ("1e3", "plain decimal"),
        ("1E-2", "plain decimal"),
        ("", "plain decimal"),
        ("5,00", "plain decimal"),
        ("+5", "plain decimal"),
        ("0x10", "plain decimal"),
        ("05", "plain decimal"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (Decimal("sNaN"), "finite"),
        ("1" * 40, "digits"),
        ([], "list"),
    ],
)
def test_refuses_inexact_or_malformed_amounts_naming_the_field(bad: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=bad, currency="USD")  # type: ignore[arg-type]
    errors = info.value.errors()
    assert errors[0]["loc"] == ("amount",)
    assert fragment in str(info.value)


def test_refuses_unknown_currency_and_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount="1", currency="EUR")  # type: ignore[arg-type]
    assert info.value.errors()[0]["loc"] == ("currency",)
    with pytest.raises(ValidationError):
        Money(amount="1", currency="USD", cents=3)  # type: ignore[call-arg]


def test_is_frozen_and_hashable() -> None:
    money = Money.usd("1.50")
    with pytest.raises(ValidationError):
        money.amount = Decimal(2)  # type: ignore[misc]
    assert len({Money.usd("1.50"), Money.usd("1.5"), Money.usd("2")}) == 2


def test_exponent_decimals_serialize_plainly() -> None:
    assert Money.usd(Decimal("1E+3")).to_wire()["value"] == "1000"
    assert Money.usd(Decimal("1E-7")).to_wire()["value"] == "0.0000001"
    assert canonical_decimal(Decimal("-0.00")) == "0.00"
    assert Money.usd("-0.00").to_wire()["value"] == "0.00"


def test_arithmetic_and_ordering_within_one_currency() -> None:
    a, b = Money.usd("0.10"), Money.usd("0.20")
    assert (a + b).amount == Decimal("0.30")
    assert (b - a) == Money.usd("0.10")
    assert (a - b).is_negative
    assert a < b <= Money.usd("0.2")
    assert b > a >= Money.usd("0.1")
    assert str(a) == "0.10 USD"


def test_mixed_currencies_never_combine_silently() -> None:
    usd = Money.usd("1")
    other = Money.model_construct(amount=Decimal(1), currency="EUR")  # a future currency
    for op in (
        lambda: usd + other,
        lambda: usd - other,
        lambda: usd < other,
        lambda: usd == other,
    ):
        with pytest.raises(CurrencyMismatchError):
            op()
    assert issubclass(CurrencyMismatchError, TypeError)


def test_other_types_do_not_combine() -> None:
    with pytest.raises(TypeError):
        Money.usd(1) + 1  # type: ignore[operator]
    assert (Money.usd(1) == 1) is False


amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)


@given(amounts, amounts)
def test_addition_and_subtraction_are_exact_inverses(x: Decimal, y: Decimal) -> None:
    a, b = Money.usd(x), Money.usd(y)
    assert (a + b) - b == a
    assert (a + b).amount == x + y


@given(amounts)
def test_wire_round_trip_is_exact_and_never_exponent_form(x: Decimal) -> None:
    money = Money.usd(x)
    wire = money.to_wire()
    assert "e" not in wire["value"].lower()
    assert Money.from_wire(wire) == money
    assert Decimal(wire["value"]) == x


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_integers_are_exact(n: int) -> None:
    assert Money.usd(n).to_wire()["value"] == str(n)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_float_is_refused(f: float) -> None:
    with pytest.raises(ValidationError):
        Money.usd(f)  # type: ignore[arg-type]


def test_from_wire_refuses_what_is_not_an_amount_shape() -> None:
    from agentcore_billing import InvalidInputError

    with pytest.raises(InvalidInputError):
        Money.from_wire(5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money.from_wire({"value": 5.5, "currency": "USD"})


@pytest.mark.parametrize("amount", ["1E+39", "1E+999999", "1E-999999"])
def test_money_magnitude_is_capped(amount: str) -> None:
    """Money capped the number of digits at 38 but not the exponent: Decimal('1E+999999')
    was accepted and to_wire() wrote a 1,000,000-character amount."""
    with pytest.raises(ValidationError):
        Money.usd(Decimal(amount))
