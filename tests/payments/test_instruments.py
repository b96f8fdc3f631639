"""Payment instruments: typed wallets and linked accounts, listing, deleting, balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import ANY
from pydantic import SecretStr

from agentcore_billing import (
    DeveloperJwtLinkedAccount,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    OAuth2LinkedAccount,
    PaymentInstrument,
    PaymentInstrumentSummary,
    SmsLinkedAccount,
    TokenBalance,
)
from tests.support import ARN

INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
CONNECTOR_ID = "coinbase-abcdef1234"
TOKEN = "replayable-token-0000-1111-2222-3333"

LINKED = [
    (
        EmailLinkedAccount(email_address="buyer@example.com"),
        {"email": {"emailAddress": "buyer@example.com"}},
    ),
    (SmsLinkedAccount(phone_number="+14155550100"), {"sms": {"phoneNumber": "+14155550100"}}),
    (
        DeveloperJwtLinkedAccount(kid="key_1", sub="user-42"),
        {"developerJwt": {"kid": "key_1", "sub": "user-42"}},
    ),
    *[
        (
            OAuth2LinkedAccount(
                provider=provider, sub="sub-1", email_address="a@b.io", name="Ann", username="ann"
            ),
            {
                "oAuth2": {
                    provider: {
                        "sub": "sub-1",
                        "emailAddress": "a@b.io",
                        "name": "Ann",
                        "username": "ann",
                    }
                }
            },
        )
        for provider in ("google", "apple", "x", "telegram", "github")
    ],
    (
        OAuth2LinkedAccount(provider="github", sub="only-sub"),
        {"oAuth2": {"github": {"sub": "only-sub"}}},
    ),
]


@pytest.mark.parametrize(("account", "account_wire"), LINKED)
def test_create_sends_the_typed_wallet_with_each_linked_account_kind(
    payments, stubber, wire, account, account_wire
):
    details = {"embeddedCryptoWallet": {"network": "SOLANA", "linkedAccounts": [account_wire]}}
    stubber.add_response(
        "create_payment_instrument",
        {"paymentInstrument": wire.instrument_summary(paymentInstrumentDetails=details)},
        {
            "paymentManagerArn": ARN,
            "paymentConnectorId": CONNECTOR_ID,
            "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
            "paymentInstrumentDetails": details,
            "userId": "user-1",
            "clientToken": TOKEN,
        },
    )
    instrument = payments.create_payment_instrument(
        payment_connector_id=CONNECTOR_ID,
        details=EmbeddedCryptoWallet(network="SOLANA", linked_accounts=[account]),
        user_id="user-1",
        client_token=TOKEN,
    )
    stubber.assert_no_pending_responses()
    assert instrument.client_token == TOKEN
    assert instrument.wallet is not None
    assert instrument.wallet.linked_accounts == (account,)


def test_create_parses_the_instrument(payments, stubber, sent, wire):
    stubber.add_response(
        "create_payment_instrument",
        {"paymentInstrument": wire.instrument()},
        {
            "paymentManagerArn": ARN,
            "paymentConnectorId": CONNECTOR_ID,
            "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
            "paymentInstrumentDetails": {
                "embeddedCryptoWallet": {"network": "ETHEREUM", "linkedAccounts": []}
            },
            "clientToken": ANY,
        },
    )
    instrument = payments.create_payment_instrument(
        payment_connector_id=CONNECTOR_ID,
        details=EmbeddedCryptoWallet(network="ETHEREUM", linked_accounts=[]),
    )
    assert isinstance(instrument, PaymentInstrument)
    assert instrument.client_token == sent[0][1]["clientToken"]
    assert instrument.payment_instrument_id == INSTRUMENT_ID
    assert instrument.payment_connector_id == CONNECTOR_ID
    assert instrument.payment_instrument_type == "EMBEDDED_CRYPTO_WALLET"
    assert instrument.status == "ACTIVE"
    assert instrument.created_at == wire.now
    wallet = instrument.wallet
    assert wallet is not None and wallet.network == "ETHEREUM" and wallet.wallet_address == "0xabc"
    [linked] = wallet.linked_accounts
    assert isinstance(linked, EmailLinkedAccount)
    assert linked.email_address.get_secret_value() == "buyer@example.com"


def test_get_reads_what_the_service_returns_without_rechecking_it(
    payments, boto_client, stubber, wire
):
    def redact_and_extend(parsed: dict[str, Any], **_: Any) -> None:
        wallet = parsed["paymentInstrument"]["paymentInstrumentDetails"]["embeddedCryptoWallet"]
        wallet["linkedAccounts"] = [
            {"email": {"emailAddress": "b***@example", "verified": True}},
            {"passkey": {"id": "new kind of linked account"}},
            {"oAuth2": {"myspace": {"sub": "unknown provider"}}},
        ]
        wallet["newWalletField"] = 1
        parsed["paymentInstrument"]["newField"] = "x"

    boto_client.meta.events.register(
        "after-call.bedrock-agentcore.GetPaymentInstrument", redact_and_extend
    )
    stubber.add_response(
        "get_payment_instrument",
        {"paymentInstrument": wire.instrument(status="BLOCKED")},
        {"paymentManagerArn": ARN, "paymentInstrumentId": INSTRUMENT_ID},
    )
    instrument = payments.get_payment_instrument(INSTRUMENT_ID)
    assert instrument.status == "BLOCKED"
    assert instrument.client_token is None
    assert instrument.wallet is not None
    [email] = instrument.wallet.linked_accounts
    assert isinstance(email, EmailLinkedAccount)
    assert email.email_address.get_secret_value() == "b***@example"


def test_get_with_a_connector_and_an_unknown_details_kind(payments, boto_client, stubber, wire):
    def new_details_kind(parsed: dict[str, Any], **_: Any) -> None:
        parsed["paymentInstrument"]["paymentInstrumentDetails"] = {"card": {"last4": "4242"}}

    boto_client.meta.events.register(
        "after-call.bedrock-agentcore.GetPaymentInstrument", new_details_kind
    )
    stubber.add_response(
        "get_payment_instrument",
        {"paymentInstrument": wire.instrument()},
        {
            "paymentManagerArn": ARN,
            "paymentInstrumentId": INSTRUMENT_ID,
            "paymentConnectorId": CONNECTOR_ID,
            "agentName": "agent",
        },
    )
    instrument = payments.get_payment_instrument(
        INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID, agent_name="agent"
    )
    assert instrument.wallet is None


def test_list_follows_next_token_with_the_connector_filter(payments, stubber, wire):
    ids = [f"payment-instrument-{n:015d}" for n in range(3)]
    base = {"paymentManagerArn": ARN, "paymentConnectorId": CONNECTOR_ID}
    stubber.add_response(
        "list_payment_instruments",
        {
            "paymentInstruments": [wire.instrument_summary(paymentInstrumentId=i) for i in ids[:2]],
            "nextToken": "page-2",
        },
        base,
    )
    stubber.add_response(
        "list_payment_instruments",
        {"paymentInstruments": [wire.instrument_summary(paymentInstrumentId=ids[2])]},
        {**base, "nextToken": "page-2"},
    )
    found = list(payments.list_payment_instruments(payment_connector_id=CONNECTOR_ID))
    assert [i.payment_instrument_id for i in found] == ids
    assert all(type(i) is PaymentInstrumentSummary for i in found)
    stubber.assert_no_pending_responses()


def test_delete_returns_the_status(payments, stubber):
    stubber.add_response(
        "delete_payment_instrument",
        {"status": "DELETED"},
        {
            "paymentManagerArn": ARN,
            "paymentInstrumentId": INSTRUMENT_ID,
            "paymentConnectorId": CONNECTOR_ID,
            "userId": "u",
        },
    )
    status = payments.delete_payment_instrument(
        INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID, user_id="u"
    )
    assert status == "DELETED"


def test_balance_is_typed_and_converts_exactly(payments, stubber):
    stubber.add_response(
        "get_payment_instrument_balance",
        {
            "paymentInstrumentId": INSTRUMENT_ID,
            "tokenBalance": {
                "amount": "1234567",
                "decimals": 6,
                "token": "USDC",
                "network": "ETHEREUM",
                "chain": "BASE_SEPOLIA",
            },
        },
        {
            "paymentManagerArn": ARN,
            "paymentInstrumentId": INSTRUMENT_ID,
            "paymentConnectorId": CONNECTOR_ID,
            "chain": "BASE_SEPOLIA",
            "token": "USDC",
        },
    )
    balance = payments.get_payment_instrument_balance(
        INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID, chain="BASE_SEPOLIA"
    )
    assert isinstance(balance, TokenBalance)
    assert (balance.amount, balance.decimals, balance.token) == ("1234567", 6, "USDC")
    assert (balance.network, balance.chain) == ("ETHEREUM", "BASE_SEPOLIA")
    assert balance.payment_instrument_id == INSTRUMENT_ID
    assert balance.decimal_amount == Decimal("1.234567")


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        ("0", 6, Decimal("0")),
        ("1", 6, Decimal("0.000001")),
        ("9" * 78, 6, Decimal("9" * 72 + "." + "9" * 6)),  # uint256-sized, no rounding
        ("12.5", 6, Decimal("12.5")),  # already in whole tokens
        ("500", 0, Decimal("500")),
    ],
)
def test_decimal_amount_never_rounds(amount, decimals, expected):
    balance = TokenBalance(
        payment_instrument_id=INSTRUMENT_ID,
        amount=amount,
        decimals=decimals,
        token="USDC",
        network="SOLANA",
        chain="SOLANA_DEVNET",
    )
    assert balance.decimal_amount == expected
    assert str(balance.decimal_amount).replace(".", "").lstrip("0") == str(expected).replace(
        ".", ""
    ).lstrip("0")


# -- input rules: each names the field and nothing is sent ---------------------------


def _wallet(**overrides: Any) -> dict[str, Any]:
    return {"network": "ETHEREUM", "linked_accounts": [], **overrides}


@pytest.mark.parametrize(
    ("instrument_id", "rule"),
    [
        ("payment-instrument-abcdefghij1234", "exactly 34 characters"),
        ("payment-instrument-abcdefghij12345 ", "exactly 34 characters"),
        ("payment-instrumentXabcdefghij12345", "must match"),
        ("payment-session-abcdefghij12345xyz", "must match"),
    ],
)
def test_instrument_id_is_checked_everywhere(payments, rejects, instrument_id, rule):
    field = "payment_instrument_id"
    rejects(lambda: payments.get_payment_instrument(instrument_id), field, rule=rule)
    rejects(
        lambda: payments.delete_payment_instrument(
            instrument_id, payment_connector_id=CONNECTOR_ID
        ),
        field,
        shows=repr(instrument_id),
    )
    rejects(
        lambda: payments.get_payment_instrument_balance(
            instrument_id, payment_connector_id=CONNECTOR_ID, chain="BASE"
        ),
        field,
    )


@pytest.mark.parametrize("connector_id", ["coinbase", "Coinbase-abcdef1234", "coinbase-abcdef123"])
def test_connector_id_is_checked_everywhere(payments, rejects, connector_id):
    field = "payment_connector_id"
    rejects(
        lambda: payments.create_payment_instrument(
            payment_connector_id=connector_id, details=EmbeddedCryptoWallet(**_wallet())
        ),
        field,
        shows=repr(connector_id),
    )
    rejects(lambda: payments.list_payment_instruments(payment_connector_id=connector_id), field)
    rejects(
        lambda: payments.get_payment_instrument(INSTRUMENT_ID, payment_connector_id=connector_id),
        field,
    )
    rejects(
        lambda: payments.delete_payment_instrument(
            INSTRUMENT_ID, payment_connector_id=connector_id
        ),
        field,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"chain": "BITCOIN"}, "chain"),
        ({"chain": "BASE", "token": "USDT"}, "token"),
        ({"chain": "BASE", "agent_name": "a" * 257}, "agent_name"),
    ],
)
def test_balance_enums_are_checked(payments, rejects, kwargs, field):
    rejects(
        lambda: payments.get_payment_instrument_balance(
            INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID, **kwargs
        ),
        field,
    )


def test_list_page_size_and_user_id_are_checked(payments, rejects):
    rejects(lambda: payments.list_payment_instruments(page_size=-1), "page_size")
    rejects(lambda: payments.list_payment_instruments(user_id="u" * 121), "user_id")


@pytest.mark.parametrize(
    ("build", "field", "secret"),
    [
        (lambda: EmailLinkedAccount(email_address="not-an-email-CANARY"), "email_address", True),
        (lambda: EmailLinkedAccount(email_address="x" * 250 + "@a.io"), "email_address", True),
        (lambda: SmsLinkedAccount(phone_number="0415555CANARY"), "phone_number", True),
        (lambda: SmsLinkedAccount(phone_number="+1234567890123456"), "phone_number", True),
        (lambda: DeveloperJwtLinkedAccount(kid="has space", sub="s"), "kid", False),
        (lambda: DeveloperJwtLinkedAccount(kid="k", sub=""), "sub", False),
        (lambda: OAuth2LinkedAccount(provider="myspace", sub="CANARY"), "provider", False),
        (lambda: OAuth2LinkedAccount(provider="x", sub=""), "sub", True),
        (lambda: OAuth2LinkedAccount(provider="x", sub="s", name="CANARY" * 50), "name", True),
        (lambda: EmailLinkedAccount(emailAddress="a@b.io", extra="no"), "extra", False),
        (lambda: EmbeddedCryptoWallet(**_wallet(network="BITCOIN")), "network", False),
        (lambda: EmbeddedCryptoWallet(**_wallet(redirect_url="h" * 2049)), "redirect_url", False),
        (
            lambda: EmbeddedCryptoWallet(
                **_wallet(
                    linked_accounts=[
                        EmailLinkedAccount(email_address="a@b.io"),
                        SmsLinkedAccount(phone_number="+14155550100"),
                    ]
                )
            ),
            "linked_accounts",
            False,
        ),
        (
            lambda: EmbeddedCryptoWallet(
                **_wallet(linked_accounts=[{"kind": "email", "email_address": "bad-CANARY"}])
            ),
            "email_address",
            True,
        ),
    ],
)
def test_wallet_and_linked_account_rules_name_the_field(rejects, build, field, secret):
    error = rejects(build, field, hides="CANARY" if secret else None)
    if secret:
        assert "***" in str(error)


def test_an_invalid_wallet_is_refused_before_any_request(payments, rejects):
    rejects(
        lambda: payments.create_payment_instrument(
            payment_connector_id=CONNECTOR_ID,
            details={"network": "ETHEREUM", "linked_accounts": [], "walletAddres": "typo"},
        ),
        "walletAddres",
    )


def test_linked_accounts_are_secret_in_reprs():
    accounts = [account for account, _ in LINKED]
    text = repr(accounts) + str(accounts) + repr(EmbeddedCryptoWallet(**_wallet()))
    for secret in ("buyer@example.com", "+14155550100", "sub-1", "a@b.io", "Ann", "only-sub"):
        assert secret not in text
    assert "key_1" in text  # the developer JWT key id is not a secret
    assert isinstance(accounts[0].email_address, SecretStr)  # type: ignore[attr-defined]
