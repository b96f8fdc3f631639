"""Property tests of the local rules: ids, the spending cap, expiry and token balances."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from agentcore_billing import Money, TokenBalance
from agentcore_billing._payments.models.enums import CONNECTOR_ID, INSTRUMENT_ID, SESSION_ID
from agentcore_billing._payments.models.requests import (
    CreatePaymentSessionInput,
    GetPaymentInstrumentInput,
    GetPaymentSessionInput,
)
from tests.support import ARN

SESSION_PATTERN = re.compile(r"payment-session-[0-9a-zA-Z-]{15}")
INSTRUMENT_PATTERN = re.compile(r"payment-instrument-[0-9a-zA-Z-]{15}")


@given(st.from_regex(SESSION_PATTERN, fullmatch=True))
def test_every_well_formed_session_id_is_accepted(session_id):
    request = GetPaymentSessionInput(payment_manager_arn=ARN, payment_session_id=session_id)
    assert request.to_params()["paymentSessionId"] == session_id


@given(st.text(max_size=40) | st.from_regex(r"payment-session-.{13,17}", fullmatch=True))
def test_a_session_id_is_accepted_exactly_when_it_matches(text):
    assert (SESSION_ID.problem(text) is None) == bool(SESSION_PATTERN.fullmatch(text))
    if not SESSION_PATTERN.fullmatch(text):
        with pytest.raises(ValidationError) as caught:
            GetPaymentSessionInput(payment_manager_arn=ARN, payment_session_id=text)
        assert caught.value.errors()[0]["loc"] == ("payment_session_id",)


@given(st.text(max_size=40) | st.from_regex(r"payment-instrument-.{13,17}", fullmatch=True))
def test_an_instrument_id_is_accepted_exactly_when_it_matches(text):
    matches = bool(INSTRUMENT_PATTERN.fullmatch(text))
    assert (INSTRUMENT_ID.problem(text) is None) == matches
    if matches:
        request = GetPaymentInstrumentInput(payment_manager_arn=ARN, payment_instrument_id=text)
        assert request.payment_instrument_id == text


@given(st.from_regex(r"([0-9a-z]-?){1,20}-[0-9a-z]{10}", fullmatch=True))
def test_well_formed_connector_ids_are_accepted(connector_id):
    assert CONNECTOR_ID.problem(connector_id) is None


@given(
    st.decimals(
        min_value=0, max_value=Decimal("1e12"), places=6, allow_nan=False, allow_infinity=False
    )
)
def test_any_non_negative_cap_is_sent_exactly(amount):
    request = CreatePaymentSessionInput(
        payment_manager_arn=ARN, expiry_time_in_minutes=60, max_spend=Money.usd(amount)
    )
    wire = request.to_params()["limits"]["maxSpendAmount"]
    assert wire["currency"] == "USD"
    assert "e" not in wire["value"].lower()
    assert Decimal(wire["value"]) == amount
    assert Money.from_wire(wire) == Money.usd(amount)


@given(
    st.decimals(
        min_value=Decimal("-1E+20"),  # beyond 38 digits Money itself refuses the amount
        max_value=Decimal("-0.000001"),
        places=6,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_any_negative_cap_is_refused(amount):
    with pytest.raises(ValidationError) as caught:
        CreatePaymentSessionInput(
            payment_manager_arn=ARN, expiry_time_in_minutes=60, max_spend=Money.usd(amount)
        )
    assert caught.value.errors()[0]["loc"] == ("max_spend",)


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_expiry_is_accepted_exactly_within_15_to_480(minutes):
    if 15 <= minutes <= 480:
        request = CreatePaymentSessionInput(payment_manager_arn=ARN, expiry_time_in_minutes=minutes)
        assert request.to_params()["expiryTimeInMinutes"] == minutes
    else:
        with pytest.raises(ValidationError):
            CreatePaymentSessionInput(payment_manager_arn=ARN, expiry_time_in_minutes=minutes)


@given(st.integers(min_value=0, max_value=2**256 - 1), st.integers(min_value=0, max_value=36))
def test_token_balance_conversion_is_exact(units, decimals):
    balance = TokenBalance(
        payment_instrument_id="payment-instrument-abcdefghij12345",
        amount=str(units),
        decimals=decimals,
        token="USDC",
        network="ETHEREUM",
        chain="BASE",
    )
    value = balance.decimal_amount
    _sign, digits, exponent = value.as_tuple()
    assert int("".join(map(str, digits)) or "0") == units
    assert exponent == -decimals
