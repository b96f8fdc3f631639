"""How ProcessPayment reads x402 and MPP amounts, and what it answers."""

from __future__ import annotations

import base64
import json

import pytest

from agentcore_billing.emulator._payment_protocols import parse_auth_params

from .helpers import available, error_of, mpp_header, mpp_input, new_instrument, new_session, pay


@pytest.fixture
def wallet(payments):
    return new_session(payments, max_spend="1.00"), new_instrument(payments)


def _requirements(amount_field: str, amount: str) -> dict[str, object]:
    return {"scheme": "exact", "network": "eip155:84532", amount_field: amount, "payTo": "0xabc"}


@pytest.mark.parametrize(
    ("version", "payload", "expected"),
    [
        ("1", _requirements("maxAmountRequired", "250000"), "0.75"),
        ("2", _requirements("amount", "250000"), "0.75"),
        ("2", {"x402Version": 2, "accepted": _requirements("amount", "100000")}, "0.90"),
        ("1", {"x402Version": 1, "accepts": [_requirements("maxAmountRequired", "1")]}, "0.999999"),
        ("2", {**_requirements("amount", "25"), "extra": {"decimals": 2}}, "0.75"),
    ],
)
def test_x402_amounts(payments, wallet, version, payload, expected):
    session, instrument = wallet
    payment_input = {"cryptoX402": {"version": version, "payload": payload}}
    result = pay(payments, session, instrument, paymentInput=payment_input)
    assert result["paymentOutput"]["cryptoX402"]["version"] == version
    assert "signature" in result["paymentOutput"]["cryptoX402"]["payload"]
    assert available(payments, session) == expected


@pytest.mark.parametrize(
    ("payment_input", "fragment"),
    [
        ({"cryptoX402": {"version": "1", "payload": {"scheme": "exact"}}}, "no readable amount"),
        ({"cryptoX402": {"version": "1", "payload": _requirements("amount", "-5")}}, "amount"),
        ({"cryptoX402": {"version": "3", "payload": _requirements("amount", "5")}}, "version"),
        (
            {
                "cryptoX402": {
                    "version": "2",
                    "payload": _requirements("amount", "5"),
                    "permit2AllowanceLimit": "1000000",
                }
            },
            "upto",
        ),
    ],
)
def test_x402_unreadable_payloads_are_refused(payments, wallet, payment_input, fragment):
    session, instrument = wallet
    code, status, response = error_of(
        lambda: pay(payments, session, instrument, paymentInput=payment_input)
    )
    assert (code, status) == ("ValidationException", 400)
    assert fragment in response["Error"]["Message"]
    assert available(payments, session) == "1.00"


def test_x402_upto_scheme_accepts_permit2_and_solana_proof(payments):
    session = new_session(payments)
    instrument = new_instrument(payments, network="SOLANA")
    requirements = {**_requirements("amount", "1000"), "scheme": "upto", "network": "solana"}
    payment_input = {
        "cryptoX402": {"version": "2", "payload": requirements, "permit2AllowanceLimit": "5000"}
    }
    result = pay(payments, session, instrument, paymentInput=payment_input)
    assert set(result["paymentOutput"]["cryptoX402"]["payload"]) == {"transaction"}


def test_mpp_payment_returns_credential_for_the_challenge(payments, wallet):
    session, instrument = wallet
    result = pay(
        payments,
        session,
        instrument,
        paymentType="MPP",
        paymentInput=mpp_input(mpp_header("10000", challenge_id="challenge-42")),
    )
    output = result["paymentOutput"]["mpp"]
    assert output["version"] == "1"
    assert output["selectedPaymentId"] == "challenge-42"
    scheme, token = output["paymentCredential"].split(" ", 1)
    assert scheme == "Payment"
    credential = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert credential["challenge"]["id"] == "challenge-42"
    assert available(payments, session) == "0.99"


def test_mpp_fiat_usd_uses_cents(payments, wallet):
    session, instrument = wallet
    header = mpp_header("25", "usd", fee_payer=False)
    pay(payments, session, instrument, paymentType="MPP", paymentInput=mpp_input(header))
    assert available(payments, session) == "0.75"


def test_mpp_network_fees_need_consent(payments, wallet):
    session, instrument = wallet
    header = mpp_header(fee_payer=False)
    code, _, response = error_of(
        lambda: pay(
            payments, session, instrument, paymentType="MPP", paymentInput=mpp_input(header)
        )
    )
    assert code == "ValidationException"
    assert "buyerPaysGasFees" in response["Error"]["Message"]
    consent = mpp_input(header, buyerPaysGasFees=True)
    assert pay(payments, session, instrument, paymentType="MPP", paymentInput=consent)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Bearer abc", "Malformed"),
        ('Payment id="x", method="tempo", intent="charge"', "Malformed"),
        ('Payment id="x", method="tempo", intent="charge", request="!!!"', "Malformed"),
        (mpp_header(amount="1.5"), "no readable amount"),
        (mpp_header(currency="eur"), "not supported"),
        (mpp_header(expires="2026-11-23T10:00:00Z"), "expired"),
        (mpp_header(expires="tomorrow"), "RFC 3339"),
    ],
)
def test_mpp_bad_challenges_are_refused(payments, wallet, header, fragment):
    session, instrument = wallet
    code, status, response = error_of(
        lambda: pay(
            payments, session, instrument, paymentType="MPP", paymentInput=mpp_input(header)
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert fragment in response["Error"]["Message"]


def test_mpp_challenge_expiring_later_is_paid(payments, wallet):
    session, instrument = wallet
    header = mpp_header(expires="2026-11-23T11:00:00Z")
    assert pay(payments, session, instrument, paymentType="MPP", paymentInput=mpp_input(header))


def test_payment_type_must_match_input(payments, wallet):
    session, instrument = wallet
    code, _, response = error_of(
        lambda: pay(payments, session, instrument, paymentType="MPP")  # x402 input
    )
    assert code == "ValidationException"
    assert "paymentInput.mpp" in response["Error"]["Message"]


def test_parse_auth_params():
    header = 'Payment id="a\\"b", realm=api.test, method="evm",intent="charge", request="e30"'
    assert parse_auth_params(header) == {
        "id": 'a"b',
        "realm": "api.test",
        "method": "evm",
        "intent": "charge",
        "request": "e30",
    }
    with pytest.raises(ValueError, match="repeated"):
        parse_auth_params(header + ', id="again"')
