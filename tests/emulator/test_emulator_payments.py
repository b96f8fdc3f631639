"""AgentCore payments over HTTP with a real boto3 client: state, budgets, idempotency, pages."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from .helpers import (
    CONNECTOR_ID,
    MANAGER_ARN,
    OTHER_MANAGER_ARN,
    TOKEN_A,
    USER,
    available,
    error_of,
    new_instrument,
    new_session,
    pay,
    x402_input,
)


def test_session_lifecycle(payments, emu):
    created = payments.create_payment_session(
        userId=USER,
        paymentManagerArn=MANAGER_ARN,
        expiryTimeInMinutes=60,
        limits={"maxSpendAmount": {"value": "5.00", "currency": "USD"}},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    session = created["paymentSession"]
    assert re.fullmatch(r"payment-session-[0-9a-zA-Z]{15}", session["paymentSessionId"])
    assert session["limits"]["maxSpendAmount"] == {"value": "5.00", "currency": "USD"}
    assert session["availableLimits"]["availableSpendAmount"]["value"] == "5.00"
    assert session["userId"] == USER
    assert session["expiryTimeInMinutes"] == 60
    ids = {"userId": USER, "paymentManagerArn": MANAGER_ARN}
    session_id = session["paymentSessionId"]

    fetched = payments.get_payment_session(**ids, paymentSessionId=session_id)["paymentSession"]
    assert fetched["createdAt"] == session["createdAt"]
    listed = payments.list_payment_sessions(**ids)["paymentSessions"]
    assert [s["paymentSessionId"] for s in listed] == [session_id]

    deleted = payments.delete_payment_session(**ids, paymentSessionId=session_id)
    assert deleted["status"] == "DELETED"
    code, status, _ = error_of(
        lambda: payments.get_payment_session(**ids, paymentSessionId=session_id)
    )
    assert (code, status) == ("ResourceNotFoundException", 404)
    code, status, _ = error_of(
        lambda: payments.delete_payment_session(**ids, paymentSessionId=session_id)
    )
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert emu.sessions() == ()


def test_payment_spends_budget_and_refuses_overspend(payments, emu):
    session = new_session(payments, max_spend="0.01")
    instrument = new_instrument(payments)
    first = pay(payments, session, instrument)
    assert first["status"] == "PROOF_GENERATED"
    assert re.fullmatch(r"[0-9a-f-]{36}", first["processPaymentId"])
    authorization = first["paymentOutput"]["cryptoX402"]["payload"]["authorization"]
    assert authorization["value"] == "5000"
    assert available(payments, session) == "0.005"
    pay(payments, session, instrument)
    assert available(payments, session) == "0.000"

    code, status, response = error_of(lambda: pay(payments, session, instrument))
    assert (code, status) == ("ServiceQuotaExceededException", 402)
    assert "Insufficient budget" in response["Error"]["Message"]
    assert available(payments, session) == "0.000"
    assert [p.amount for p in emu.payments()] == [Decimal("0.005"), Decimal("0.005")]


def test_session_without_limits_has_no_budget(payments):
    session = new_session(payments, max_spend=None)
    assert "limits" not in session
    assert "availableLimits" not in session
    result = pay(payments, session, new_instrument(payments), paymentInput=x402_input("10" * 9))
    assert result["status"] == "PROOF_GENERATED"


def test_expired_session_refuses_payment(payments, clock):
    session = new_session(payments, expiryTimeInMinutes=15)
    instrument = new_instrument(payments)
    clock.advance(timedelta(minutes=15).total_seconds())
    code, status, response = error_of(lambda: pay(payments, session, instrument))
    assert (code, status) == ("ValidationException", 400)
    assert "expired" in response["Error"]["Message"]


def test_create_session_client_token_replays_or_conflicts(payments, emu):
    first = new_session(payments, clientToken=TOKEN_A)
    again = new_session(payments, clientToken=TOKEN_A)
    assert again == first
    assert len(emu.sessions()) == 1
    assert emu.sessions()[0].client_token == TOKEN_A
    code, status, _ = error_of(lambda: new_session(payments, clientToken=TOKEN_A, max_spend="2"))
    assert (code, status) == ("ConflictException", 409)


def test_process_payment_client_token_charges_once(payments, emu):
    session = new_session(payments)
    instrument = new_instrument(payments)
    first = pay(payments, session, instrument, clientToken=TOKEN_A)
    replay = pay(payments, session, instrument, clientToken=TOKEN_A)
    assert replay["processPaymentId"] == first["processPaymentId"]
    assert replay["paymentOutput"] == first["paymentOutput"]
    assert len(emu.payments()) == 1
    assert available(payments, session) == "0.995"
    other_amount = x402_input("6000")
    code, status, _ = error_of(
        lambda: pay(payments, session, instrument, clientToken=TOKEN_A, paymentInput=other_amount)
    )
    assert (code, status) == ("ConflictException", 409)
    assert len(emu.payments()) == 1


def test_instrument_lifecycle(payments):
    created = payments.create_payment_instrument(
        userId=USER,
        paymentManagerArn=MANAGER_ARN,
        paymentConnectorId=CONNECTOR_ID,
        paymentInstrumentType="EMBEDDED_CRYPTO_WALLET",
        paymentInstrumentDetails={
            "embeddedCryptoWallet": {
                "network": "ETHEREUM",
                "linkedAccounts": [{"email": {"emailAddress": "buyer@example.com"}}],
            }
        },
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    instrument = created["paymentInstrument"]
    instrument_id = instrument["paymentInstrumentId"]
    assert re.fullmatch(r"payment-instrument-[0-9a-zA-Z]{15}", instrument_id)
    assert instrument["status"] == "ACTIVE"
    wallet = instrument["paymentInstrumentDetails"]["embeddedCryptoWallet"]
    assert re.fullmatch(r"0x[0-9a-f]{40}", wallet["walletAddress"])
    assert wallet["linkedAccounts"] == [{"email": {"emailAddress": "buyer@example.com"}}]
    ids = {"userId": USER, "paymentManagerArn": MANAGER_ARN, "paymentInstrumentId": instrument_id}

    assert payments.get_payment_instrument(**ids)["paymentInstrument"] == instrument
    balance = payments.get_payment_instrument_balance(
        **ids, paymentConnectorId=CONNECTOR_ID, chain="BASE_SEPOLIA", token="USDC"
    )["tokenBalance"]
    assert balance == {
        "amount": "100000000",
        "decimals": 6,
        "token": "USDC",
        "network": "ETHEREUM",
        "chain": "BASE_SEPOLIA",
    }


def test_instrument_delete_is_soft(payments, emu):
    instrument = new_instrument(payments)
    ids = {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "paymentInstrumentId": instrument["paymentInstrumentId"],
    }
    deleted = payments.delete_payment_instrument(**ids, paymentConnectorId=CONNECTOR_ID)
    assert deleted["status"] == "DELETED"
    again = payments.delete_payment_instrument(**ids, paymentConnectorId=CONNECTOR_ID)
    assert again["status"] == "DELETED"
    fetched = payments.get_payment_instrument(**ids)["paymentInstrument"]
    assert fetched["status"] == "DELETED"
    assert emu.instruments()[0].status == "DELETED"

    code, _, response = error_of(lambda: pay(payments, new_session(payments), fetched))
    assert code == "ValidationException"
    assert "inactive" in response["Error"]["Message"]
    code, status, _ = error_of(
        lambda: payments.get_payment_instrument_balance(
            **ids, paymentConnectorId=CONNECTOR_ID, chain="BASE", token="USDC"
        )
    )
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_create_instrument_client_token(payments, emu):
    first = new_instrument(payments, clientToken=TOKEN_A)
    assert new_instrument(payments, clientToken=TOKEN_A) == first
    assert len(emu.instruments()) == 1
    code, status, _ = error_of(
        lambda: new_instrument(payments, clientToken=TOKEN_A, network="SOLANA")
    )
    assert (code, status) == ("ConflictException", 409)


def test_balance_follows_seed_and_network(payments, emu):
    instrument = new_instrument(payments, network="SOLANA")
    emu.set_instrument_balance(instrument["paymentInstrumentId"], 1_500_000)
    ids = {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "paymentConnectorId": CONNECTOR_ID,
        "paymentInstrumentId": instrument["paymentInstrumentId"],
        "token": "USDC",
    }
    balance = payments.get_payment_instrument_balance(**ids, chain="SOLANA_DEVNET")
    assert balance["tokenBalance"]["amount"] == "1500000"
    code, status, _ = error_of(lambda: payments.get_payment_instrument_balance(**ids, chain="BASE"))
    assert (code, status) == ("ValidationException", 400)


def test_list_sessions_pages_with_next_token(payments, raw_payments, clock):
    created = []
    for _ in range(5):
        created.append(new_session(payments)["paymentSessionId"])
        clock.advance(1)
    ids = {"userId": USER, "paymentManagerArn": MANAGER_ARN}
    first = payments.list_payment_sessions(**ids, maxResults=2)
    second = payments.list_payment_sessions(**ids, maxResults=2, nextToken=first["nextToken"])
    third = payments.list_payment_sessions(**ids, maxResults=2, nextToken=second["nextToken"])
    pages = [first, second, third]
    assert [len(page["paymentSessions"]) for page in pages] == [2, 2, 1]
    assert "nextToken" not in third
    seen = [s["paymentSessionId"] for page in pages for s in page["paymentSessions"]]
    assert seen == created

    paginator = payments.get_paginator("list_payment_sessions")
    pages_iter = paginator.paginate(**ids, PaginationConfig={"PageSize": 3})
    assert [s["paymentSessionId"] for page in pages_iter for s in page["paymentSessions"]] == (
        created
    )
    code, _, _ = error_of(lambda: raw_payments.list_payment_sessions(**ids, maxResults=0))
    assert code == "ValidationException"
    code, _, _ = error_of(lambda: payments.list_payment_sessions(**ids, nextToken="garbage"))
    assert code == "ValidationException"


def test_list_instruments_filters_by_connector(payments):
    mine = [new_instrument(payments)["paymentInstrumentId"] for _ in range(3)]
    new_instrument(payments, paymentConnectorId="stripe-conn-abcdef1234")
    ids = {"userId": USER, "paymentManagerArn": MANAGER_ARN}
    paginator = payments.get_paginator("list_payment_instruments")
    pages = paginator.paginate(
        **ids, paymentConnectorId=CONNECTOR_ID, PaginationConfig={"PageSize": 2}
    )
    found = [i["paymentInstrumentId"] for page in pages for i in page["paymentInstruments"]]
    assert sorted(found) == sorted(mine)
    assert len(payments.list_payment_instruments(**ids)["paymentInstruments"]) == 4


def test_resources_are_scoped_to_manager_and_user(payments):
    session = new_session(payments)
    instrument = new_instrument(payments)
    session_id = session["paymentSessionId"]
    for user, arn in (("someone-else", MANAGER_ARN), (USER, OTHER_MANAGER_ARN)):
        code, _, _ = error_of(
            lambda u=user, a=arn: payments.get_payment_session(
                userId=u, paymentManagerArn=a, paymentSessionId=session_id
            )
        )
        assert code == "ResourceNotFoundException"
        listed = payments.list_payment_sessions(userId=user, paymentManagerArn=arn)
        assert listed["paymentSessions"] == []
    code, _, _ = error_of(
        lambda: payments.get_payment_instrument(
            userId=USER,
            paymentManagerArn=MANAGER_ARN,
            paymentConnectorId="stripe-conn-abcdef1234",
            paymentInstrumentId=instrument["paymentInstrumentId"],
        )
    )
    assert code == "ResourceNotFoundException"


def test_user_comes_from_header_or_bearer_token(payments):
    code, status, response = error_of(
        lambda: payments.create_payment_session(
            paymentManagerArn=MANAGER_ARN, expiryTimeInMinutes=30
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert "userId" in response["Error"]["Message"]

    claims = base64.urlsafe_b64encode(json.dumps({"sub": "jwt-user"}).encode()).rstrip(b"=")
    bearer = f"Bearer e30.{claims.decode()}.sig"

    def add_bearer(request, **_):
        request.headers["Authorization"] = bearer

    payments.meta.events.register("before-send.bedrock-agentcore.*", add_bearer)
    session = payments.create_payment_session(
        paymentManagerArn=MANAGER_ARN, expiryTimeInMinutes=30
    )["paymentSession"]
    assert session["userId"] == "jwt-user"


def test_get_resource_payment_token(payments):
    coinbase = payments.get_resource_payment_token(
        workloadIdentityToken="workload-token",
        resourceCredentialProviderName="coinbase-provider",
        paymentTokenRequest={
            "coinbaseCdpTokenRequest": {
                "requestMethod": "POST",
                "requestPath": "/platform/v2/evm/accounts",
                "includeWalletAuthToken": True,
            }
        },
    )["paymentTokenResponse"]["coinbaseCdpTokenResponse"]
    assert coinbase["bearerToken"].count(".") == 2
    assert coinbase["walletAuthToken"].count(".") == 2
    stripe = payments.get_resource_payment_token(
        workloadIdentityToken="workload-token",
        resourceCredentialProviderName="privy-provider",
        paymentTokenRequest={
            "stripePrivyTokenRequest": {
                "requestPath": "/v1/wallets",
                "requestBody": "{}",
                "includeAuthorizationSignature": True,
            }
        },
    )["paymentTokenResponse"]["stripePrivyTokenResponse"]
    assert {"appId", "basicAuthToken", "authorizationSignature", "requestExpiry"} <= set(stripe)


def test_unknown_session_or_instrument_is_not_found(payments):
    session = new_session(payments)
    instrument = new_instrument(payments)
    ghost_session = {**session, "paymentSessionId": "payment-session-000000000000000"}
    ghost_instrument = {**instrument, "paymentInstrumentId": "payment-instrument-000000000000000"}
    for call in (
        lambda: pay(payments, ghost_session, instrument),
        lambda: pay(payments, session, ghost_instrument),
    ):
        code, status, _ = error_of(call)
        assert (code, status) == ("ResourceNotFoundException", 404)


def test_seeded_instrument(payments, emu):
    seeded = emu.add_payment_instrument(
        payment_manager_arn=MANAGER_ARN,
        payment_connector_id=CONNECTOR_ID,
        user_id=USER,
        network="SOLANA",
        balance=42,
    )
    assert seeded.status == "ACTIVE"
    assert len(seeded.wallet_address) == 44
    fetched = payments.get_payment_instrument(
        userId=USER, paymentManagerArn=MANAGER_ARN, paymentInstrumentId=seeded.payment_instrument_id
    )["paymentInstrument"]
    assert fetched["paymentInstrumentDetails"]["embeddedCryptoWallet"]["network"] == "SOLANA"
    assert emu.instruments()[0].balance == 42
    with pytest.raises(ValueError):
        emu.add_payment_instrument(
            payment_manager_arn=MANAGER_ARN,
            payment_connector_id=CONNECTOR_ID,
            user_id=USER,
            network="BITCOIN",
        )
    with pytest.raises(KeyError):
        emu.set_instrument_balance("payment-instrument-unknown", 1)
    with pytest.raises(ValueError):
        emu.set_instrument_balance(seeded.payment_instrument_id, -1)
