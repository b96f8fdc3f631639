"""pay_for against a real botocore client under Stubber: the exact ProcessPayment requests."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from agentcore_billing import (
    AssetLimit,
    AwsBillingX402Payment,
    DpopKey,
    InternalServerError,
    InvalidInputError,
    Money,
    NoAcceptableOfferError,
    PaymentChallenge,
    PaymentsClient,
    PolicyViolationError,
    ServiceError,
    SpendPolicy,
    X402Payment,
)
from agentcore_billing._payments.pay import derived_client_token

from .conftest import ARN, INSTRUMENT, SESSION, instrument_response, payment_response
from .vectors import (
    BASE_USDC,
    X402_V1_BODY,
    X402_V2_ACCEPT,
    X402_V2_HEADER,
    mpp_challenge,
    v2_accept,
    v2_required,
)

X402_PROOF = {"signature": "0x" + "ab" * 65, "authorization": {"from": "0xabc", "value": "10000"}}


def expect_instrument(stubber: Stubber, network: str = "ETHEREUM") -> None:
    stubber.add_response(
        "get_payment_instrument",
        instrument_response(network),
        {"paymentManagerArn": ARN, "paymentInstrumentId": INSTRUMENT, "userId": "user-1"},
    )


def expect_payment(
    stubber: Stubber,
    payment_type: str,
    payment_input: dict[str, Any],
    output: dict[str, Any],
    token: Any = ANY,
) -> None:
    stubber.add_response(
        "process_payment",
        payment_response(output, payment_type),
        {
            "paymentManagerArn": ARN,
            "userId": "user-1",
            "paymentSessionId": SESSION,
            "paymentInstrumentId": INSTRUMENT,
            "paymentType": payment_type,
            "paymentInput": payment_input,
            "clientToken": token,
        },
    )


def pay(payments: PaymentsClient, challenge: PaymentChallenge, **kwargs: Any) -> Any:
    return payments.pay_for(
        challenge, payment_session_id=SESSION, payment_instrument_id=INSTRUMENT, **kwargs
    )


def decoded(value: str) -> Any:
    return json.loads(base64.b64decode(value))


def test_x402_v2_request_and_header(payments: PaymentsClient, stubber: Stubber) -> None:
    extensions = {"payment-identifier": {"info": {"required": False}}, "other": {"k": 1}}
    header = v2_required(X402_V2_ACCEPT, extensions=extensions)
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": header}, body=None
    )
    token = derived_client_token(SESSION, INSTRUMENT, challenge)
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "CRYPTO_X402",
        {"cryptoX402": {"version": "2", "payload": X402_V2_ACCEPT}},
        {"cryptoX402": {"version": "2", "payload": X402_PROOF}},
        token,
    )
    auth = pay(payments, challenge)
    assert auth.client_token == token == auth.result.client_token
    signature = decoded(auth.headers["PAYMENT-SIGNATURE"])
    assert signature["x402Version"] == 2
    assert signature["accepted"] == X402_V2_ACCEPT  # verbatim
    assert signature["payload"] == X402_PROOF
    assert signature["resource"] == {"url": "https://api.example.com/premium-data"}
    assert signature["extensions"]["other"] == {"k": 1}  # echoed
    assert signature["extensions"]["payment-identifier"]["info"] == {"required": False, "id": token}
    assert "ab" * 65 not in repr(auth)  # the proof is a secret


def test_x402_v1_request_and_header(payments: PaymentsClient, stubber: Stubber) -> None:
    challenge = PaymentChallenge.from_response(status_code=402, headers={}, body=X402_V1_BODY)
    accept = X402_V1_BODY["accepts"][0]
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "CRYPTO_X402",
        {"cryptoX402": {"version": "1", "payload": accept}},
        {"cryptoX402": {"version": "1", "payload": X402_PROOF}},
    )
    auth = pay(payments, challenge)
    assert decoded(auth.headers["X-PAYMENT"]) == {
        "x402Version": 1,
        "scheme": "exact",
        "network": "base-sepolia",
        "payload": X402_PROOF,
    }


def test_mpp_request_passes_the_one_challenge_verbatim(
    payments: PaymentsClient, stubber: Stubber
) -> None:
    costly, cheap = mpp_challenge("costly", amount="50000"), mpp_challenge("cheap", amount="10")
    challenge = PaymentChallenge.from_response(
        status_code=402, headers=[("WWW-Authenticate", f"{costly}, {cheap}")], body=None
    )
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "MPP",
        {"mpp": {"version": "1", "wwwAuthenticateHeaders": [cheap], "buyerPaysGasFees": False}},
        {
            "mpp": {
                "version": "1",
                "selectedPaymentId": "cheap",
                "paymentCredential": "Payment eyJzZWNyZXQiOjF9",
            }
        },
    )
    auth = pay(payments, challenge)
    assert auth.offer.challenge_id == "cheap"
    assert auth.headers == {"Authorization": "Payment eyJzZWNyZXQiOjF9"}


def test_mpp_selected_payment_id_is_checked(payments: PaymentsClient, stubber: Stubber) -> None:
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"WWW-Authenticate": mpp_challenge("mine")}, body=None
    )
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "MPP",
        ANY,
        {"mpp": {"version": "1", "selectedPaymentId": "other", "paymentCredential": "Payment x"}},
    )
    with pytest.raises(ServiceError, match="not the one chosen") as caught:
        pay(payments, challenge)
    assert caught.value.client_token == derived_client_token(SESSION, INSTRUMENT, challenge)


def test_upto_sends_the_permit2_allowance(payments: PaymentsClient, stubber: Stubber) -> None:
    accept = v2_accept("5000", scheme="upto")
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": v2_required(accept)}, body=None
    )
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "CRYPTO_X402",
        {"cryptoX402": {"version": "2", "payload": accept, "permit2AllowanceLimit": "100000"}},
        {"cryptoX402": {"version": "2", "payload": X402_PROOF}},
    )
    pay(payments, challenge, permit2_allowance_limit=100000)


def test_cheapest_acceptable_offer_in_the_family_wins(
    payments: PaymentsClient, stubber: Stubber
) -> None:
    # The official SDK paid 5 USDC on Base mainnet here because Base comes first in its
    # preference list; the cheapest acceptable offer is the Base Sepolia one.
    mainnet, testnet = v2_accept("5000000", "eip155:8453", BASE_USDC), v2_accept("10000")
    solana = v2_accept("1", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "mint")
    header = v2_required(solana, mainnet, testnet)
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": header}, body=None
    )
    expect_instrument(stubber)
    expect_payment(
        stubber,
        "CRYPTO_X402",
        {"cryptoX402": {"version": "2", "payload": testnet}},
        {"cryptoX402": {"version": "2", "payload": X402_PROOF}},
    )
    policy = SpendPolicy(max_per_payment=Money.usd("10"))
    assert pay(payments, challenge, policy=policy).offer.raw == testnet


def test_mpp_wins_a_tie_and_the_instrument_is_read_once(
    payments: PaymentsClient, stubber: Stubber, sent: list[Any]
) -> None:
    headers = {"PAYMENT-REQUIRED": X402_V2_HEADER, "WWW-Authenticate": mpp_challenge("m1")}
    challenge = PaymentChallenge.from_response(status_code=402, headers=headers, body=None)
    assert [o.protocol for o in challenge.offers] == ["x402", "mpp"]
    expect_instrument(stubber)
    for _ in range(2):
        expect_payment(
            stubber,
            "MPP",
            ANY,
            {"mpp": {"version": "1", "selectedPaymentId": "m1", "paymentCredential": "Payment c"}},
        )
    first, second = pay(payments, challenge), pay(payments, challenge)
    assert first.offer.protocol == "mpp"
    assert first.client_token == second.client_token  # the same challenge: the same payment
    assert [op for op, _ in sent] == ["GetPaymentInstrument", "ProcessPayment", "ProcessPayment"]


def test_refusals_send_nothing(payments: PaymentsClient, stubber: Stubber, sent: list[Any]) -> None:
    costly = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": v2_required(v2_accept("5000000"))}, body=None
    )
    expect_instrument(stubber)
    with pytest.raises(PolicyViolationError) as caught:
        pay(payments, costly)  # 5 USDC over the default 1.00 USD cap
    assert caught.value.rule == "max_per_payment"
    with pytest.raises(NoAcceptableOfferError, match="testnet"):
        pay(payments, costly, policy=SpendPolicy(allow_testnets=False))
    unknown = PaymentChallenge.from_response(
        status_code=402,
        headers={"PAYMENT-REQUIRED": v2_required(v2_accept("5", asset="0xdead"))},
        body=None,
    )
    with pytest.raises(NoAcceptableOfferError, match="extra_assets"):
        pay(payments, unknown)
    limit = AssetLimit(network="base-sepolia", address="0xDEAD", decimals=18, max_per_payment="0")
    with pytest.raises(PolicyViolationError, match="extra_assets"):
        pay(payments, unknown, policy=SpendPolicy(extra_assets=(limit,)))
    with pytest.raises(NoAcceptableOfferError, match="recipients"):
        pay(payments, costly, policy=SpendPolicy(recipients={"0x0000"}))
    unsponsored = PaymentChallenge.from_response(
        status_code=402,
        headers={"WWW-Authenticate": mpp_challenge("u", fee_payer=False)},
        body=None,
    )
    with pytest.raises(NoAcceptableOfferError, match="buyer_pays_gas_fees"):
        pay(payments, unsponsored)
    expired = PaymentChallenge.from_response(
        status_code=402,
        headers={"WWW-Authenticate": mpp_challenge("e", expires="2020-01-01T00:00:00Z")},
        body=None,
    )
    with pytest.raises(NoAcceptableOfferError, match="expired"):
        pay(payments, expired)
    with pytest.raises(InvalidInputError, match="payment_session_id"):
        payments.pay_for(costly, payment_session_id="nope", payment_instrument_id=INSTRUMENT)
    assert [op for op, _ in sent] == ["GetPaymentInstrument"]  # no ProcessPayment at all


def test_solana_wallet_pays_only_solana_offers(payments: PaymentsClient, stubber: Stubber) -> None:
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": X402_V2_HEADER}, body=None
    )
    expect_instrument(stubber, "SOLANA")
    with pytest.raises(NoAcceptableOfferError, match="SOLANA wallet"):
        pay(payments, challenge)


def test_outcome_unknown_failure_carries_the_token(
    payments: PaymentsClient, stubber: Stubber
) -> None:
    challenge = PaymentChallenge.from_response(
        status_code=402, headers={"PAYMENT-REQUIRED": X402_V2_HEADER}, body=None
    )
    expect_instrument(stubber)
    for _ in range(2):
        stubber.add_client_error("process_payment", "InternalServerException", http_status_code=500)
    with pytest.raises(InternalServerError) as caught:
        pay(payments, challenge)
    assert caught.value.outcome_unknown
    assert caught.value.client_token == derived_client_token(SESSION, INSTRUMENT, challenge)


def test_x402_version_as_int_and_aws_billing(payments: PaymentsClient, stubber: Stubber) -> None:
    assert X402Payment(version=2, payload={}).version == "2"  # issue 16: x402 carries an int
    requirement = {**X402_V2_ACCEPT, "extra": {"quoteToken": "quote-123"}}
    key = DpopKey(crv="P-256", x="x" * 43, y="y" * 43)
    stubber.add_response(
        "process_payment",
        {
            **payment_response(
                {"awsBillingX402": {"version": "2", "paymentToken": "jwt.a.b"}}, "AWS_BILLING_X402"
            ),
            "paymentInstrumentId": "aws.agentcorepayments.awsbilling.v1",
        },
        {
            "paymentManagerArn": ARN,
            "userId": "user-1",
            "paymentSessionId": SESSION,
            "paymentInstrumentId": "aws.agentcorepayments.awsbilling.v1",
            "paymentType": "AWS_BILLING_X402",
            "clientToken": ANY,
            "paymentInput": {
                "awsBillingX402": {
                    "version": "2",
                    "payload": requirement,
                    "options": {"dpopJwk": key.to_wire()},
                }
            },
        },
    )
    result = payments.process_payment(
        payment_session_id=SESSION,
        payment_instrument_id=AwsBillingX402Payment.instrument_id,
        payment=AwsBillingX402Payment(version=2, payload=requirement, dpop_key=key),
    )
    assert result.aws_billing is not None
    assert result.aws_billing.payment_token.get_secret_value() == "jwt.a.b"
    assert "jwt.a.b" not in repr(result)
