"""PaymentChallenge.from_response and Settlement.from_response against the specs' vectors."""

from __future__ import annotations

import email.message
import json
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from agentcore_billing import InvalidChallengeError, PaymentChallenge, Settlement
from agentcore_billing._payments.authheader import parse_www_authenticate

from .vectors import (
    MPP_EXAMPLE,
    X402_V1_BODY,
    X402_V1_SETTLED,
    X402_V2_ACCEPT,
    X402_V2_FAILED,
    X402_V2_HEADER,
    X402_V2_SETTLED,
    b64,
    mpp_challenge,
)


def read(headers: Any = None, body: Any = None) -> PaymentChallenge:
    return PaymentChallenge.from_response(status_code=402, headers=headers or {}, body=body)


def test_x402_v1_body_from_the_spec() -> None:
    offer = read(body=json.dumps(X402_V1_BODY).encode()).offers[0]
    assert (offer.protocol, offer.version, offer.scheme) == ("x402", 1, "exact")
    assert offer.network == "eip155:84532"  # "base-sepolia" mapped to CAIP-2
    assert offer.amount == 10000 and isinstance(offer.amount, int)
    assert offer.pay_to == "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
    assert offer.raw == X402_V1_BODY["accepts"][0]  # verbatim, legacy name included


def test_x402_v2_header_from_the_spec() -> None:
    challenge = read(headers={"PAYMENT-REQUIRED": X402_V2_HEADER}, body=b"{}")
    (offer,) = challenge.offers
    assert (offer.protocol, offer.version, offer.network, offer.amount) == (
        "x402",
        2,
        "eip155:84532",
        10000,
    )
    assert offer.raw == X402_V2_ACCEPT
    assert challenge.required is not None
    assert challenge.required["resource"]["url"] == "https://api.example.com/premium-data"


def test_x402_v2_in_the_body_is_tolerated() -> None:
    document = {"x402Version": 2, "accepts": [X402_V2_ACCEPT]}
    assert read(body=document).offers[0].amount == 10000


def test_mpp_example_challenge_from_the_draft() -> None:
    (offer,) = read(headers={"WWW-Authenticate": MPP_EXAMPLE}).offers
    assert (offer.protocol, offer.scheme, offer.method) == ("mpp", "charge", "example")
    assert offer.challenge_id == "x7Tg2pLqR9mKvNwY3hBcZa"
    assert (offer.amount, offer.asset, offer.pay_to) == (1000, "USD", "acct_123")
    assert offer.expires_at == datetime(2025, 1, 15, 12, 5, tzinfo=timezone.utc)
    assert offer.header == MPP_EXAMPLE  # verbatim for ProcessPayment
    assert offer.network is None  # an unknown method names no chain


def test_mpp_networks_follow_the_method() -> None:
    evm = read(headers={"WWW-Authenticate": mpp_challenge("c1", chain_id=8453)}).offers[0]
    assert evm.network == "eip155:8453"
    solana = mpp_challenge("c2", method="solana")  # no methodDetails.network: mainnet
    assert read(headers={"WWW-Authenticate": solana}).offers[0].network == (
        "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
    )


# draft-ryan-httpauth-payment 7.3: a server offering several intents or methods sends
# one challenge per WWW-Authenticate field; RFC 9110 11.6.1 allows them in one field.
ONE, TWO = mpp_challenge("one"), mpp_challenge("two", amount="20000")


@pytest.mark.parametrize(
    "headers",
    [
        {"WWW-Authenticate": [ONE, TWO]},
        [("WWW-Authenticate", ONE), ("www-authenticate", TWO)],
        httpx.Headers([("WWW-Authenticate", ONE), ("WWW-Authenticate", TWO)]),
        CaseInsensitiveDict({"www-authenticate": f"{ONE}, {TWO}"}),  # requests joins repeats
        {"WWW-Authenticate": f'Basic realm="x", {ONE}, Bearer abc==, {TWO}'},
    ],
    ids=["dict-of-lists", "pairs", "httpx.Headers", "requests", "mixed-schemes"],
)
def test_every_header_container_gives_both_challenges(headers: Any) -> None:
    offers = read(headers=headers).offers
    assert [o.challenge_id for o in offers] == ["one", "two"]
    assert [o.header for o in offers] == [ONE, TWO]  # each challenge's own text


def test_email_message_headers_with_repeats() -> None:
    message = email.message.Message()
    message["WWW-Authenticate"] = ONE
    message["WWW-Authenticate"] = TWO
    message["PAYMENT-REQUIRED"] = X402_V2_HEADER
    offers = read(headers=message).offers
    assert [o.protocol for o in offers] == ["x402", "mpp", "mpp"]
    assert [o.index for o in offers] == [0, 1, 2]


def test_rfc9110_quoting() -> None:
    value = r'Payment id="a\"b,c", realm=api, method=evm, intent="charge", request="e30", x=y'
    (challenge,) = parse_www_authenticate(value)
    assert challenge.params["id"] == 'a"b,c'  # quoted-pair unescaped, comma kept
    assert challenge.params["realm"] == "api"  # a token value
    assert challenge.raw == value
    with pytest.raises(ValueError, match="twice"):
        parse_www_authenticate('Payment id="a", id="b"')


def test_not_a_402_and_no_offer_are_refused() -> None:
    with pytest.raises(InvalidChallengeError, match="HTTP 200"):
        PaymentChallenge.from_response(status_code=200, headers={}, body=None)
    with pytest.raises(InvalidChallengeError, match="no parseable payment offer"):
        read(headers={"WWW-Authenticate": 'Basic realm="x"'}, body="<html>pay</html>")
    with pytest.raises(InvalidChallengeError, match="not base64"):
        read(headers={"PAYMENT-REQUIRED": "%%%"})


def test_challenges_over_16_kb_are_refused() -> None:
    huge = mpp_challenge("big").replace('realm="api.example.com"', 'realm="' + "r" * 17000 + '"')
    with pytest.raises(InvalidChallengeError, match="over 16384 bytes"):
        read(headers={"WWW-Authenticate": huge})
    big_v2 = b64({"x402Version": 2, "accepts": [X402_V2_ACCEPT], "pad": "x" * 17000})
    with pytest.raises(InvalidChallengeError, match="PAYMENT-REQUIRED header is"):
        read(headers={"PAYMENT-REQUIRED": big_v2})
    # A large body beside a readable header is ignored, not parsed.
    assert read(headers={"WWW-Authenticate": ONE}, body=b"{" + b" " * 20000).offers


def test_unparseable_offers_are_reported_and_the_rest_kept() -> None:
    broken = 'Payment id="x", method=evm, intent=charge, request="%%%"'
    challenge = read(headers={"WWW-Authenticate": [broken, ONE]})
    assert [o.challenge_id for o in challenge.offers] == ["one"]
    assert any("base64" in problem for problem in challenge.problems)


def test_same_answer_same_digest() -> None:
    first = read(headers={"PAYMENT-REQUIRED": X402_V2_HEADER})
    again = read(headers=[("payment-required", X402_V2_HEADER)])
    other = read(headers={"WWW-Authenticate": ONE})
    assert first.digest == again.digest != other.digest


def test_settlement_vectors_from_the_specs() -> None:
    settled = Settlement.from_response({"PAYMENT-RESPONSE": X402_V2_SETTLED})
    assert settled is not None
    assert (settled.protocol, settled.version, settled.success) == ("x402", 2, True)
    assert settled.payer == "0x857b06519E91e3A54538791bDbb0E22373e36b66"
    failed = Settlement.from_response(httpx.Headers({"payment-response": X402_V2_FAILED}))
    assert failed is not None and failed.success is False
    assert failed.error_reason == "insufficient_funds"
    v1 = Settlement.from_response([("X-PAYMENT-RESPONSE", X402_V1_SETTLED)])
    assert v1 is not None and v1.version == 1 and v1.network == "eip155:84532"
    receipt = b64({"status": "success", "method": "tempo", "reference": "0xabc"})
    mpp = Settlement.from_response({"Payment-Receipt": receipt})
    assert mpp is not None and (mpp.protocol, mpp.success, mpp.reference) == ("mpp", True, "0xabc")
    assert Settlement.from_response({"Content-Type": "text/plain"}) is None


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=8)
_VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@given(st.lists(st.dictionaries(_NAMES, _VALUES, min_size=1, max_size=5), min_size=1, max_size=3))
def test_quoted_params_round_trip(challenges: list[dict[str, str]]) -> None:
    # RFC 9110 5.6.4: quoted-string with backslash escaping of '"' and '\\'.
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    texts = [
        "Payment " + ", ".join(f"{name}={quoted(value)}" for name, value in params.items())
        for params in challenges
    ]
    parsed = parse_www_authenticate(", ".join(texts))
    assert [c.params for c in parsed] == challenges
    assert [c.raw for c in parsed] == texts
