"""ProcessPayment (x402 and MPP) and GetResourcePaymentToken: exact requests, secret results."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.stub import ANY
from pydantic import Secret, SecretStr

from agentcore_billing import (
    CoinbaseCdpToken,
    CoinbaseCdpTokenRequest,
    MppPayment,
    MppPaymentOutput,
    PaymentResult,
    ResourcePaymentToken,
    StripePrivyToken,
    StripePrivyTokenRequest,
    X402Payment,
    X402PaymentOutput,
)
from tests.support import ARN

SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
TOKEN = "replayable-token-0000-1111-2222-3333"
PAYLOAD = {"x402Version": 2, "scheme": "exact", "payload": {"signature": "0xsig"}}
CHALLENGE = 'Payment id="ch_1", realm="api.example.com", method="tempo", intent="charge"'


def _process_params(
    payment_type: str, payment_input: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "paymentManagerArn": ARN,
        "paymentSessionId": SESSION_ID,
        "paymentInstrumentId": INSTRUMENT_ID,
        "paymentType": payment_type,
        "paymentInput": payment_input,
        "clientToken": TOKEN,
        **extra,
    }


def test_x402_payment_sends_the_payload_and_returns_a_secret_output(payments, stubber, wire):
    output = {"cryptoX402": {"version": "2", "payload": {"signed": "0xsigned"}}}
    stubber.add_response(
        "process_payment",
        wire.payment(output, "CRYPTO_X402"),
        _process_params(
            "CRYPTO_X402",
            {
                "cryptoX402": {
                    "version": "2",
                    "payload": PAYLOAD,
                    "permit2AllowanceLimit": "1000000",
                }
            },
            userId="user-1",
            agentName="agent",
        ),
    )
    result = payments.process_payment(
        payment_session_id=SESSION_ID,
        payment_instrument_id=INSTRUMENT_ID,
        payment=X402Payment(version="2", payload=PAYLOAD, permit2_allowance_limit="1000000"),
        user_id="user-1",
        agent_name="agent",
        client_token=TOKEN,
    )
    stubber.assert_no_pending_responses()
    assert isinstance(result, PaymentResult)
    assert result.process_payment_id == wire.payment_id
    assert result.status == "PROOF_GENERATED"
    assert result.payment_type == "CRYPTO_X402"
    assert result.created_at == wire.now
    assert result.client_token == TOKEN
    assert isinstance(result.payment_output, X402PaymentOutput)
    assert result.x402 is result.payment_output and result.mpp is None
    assert isinstance(result.x402.payload, Secret)
    assert result.x402.payload.get_secret_value() == {"signed": "0xsigned"}


def test_mpp_payment_sends_one_challenge_and_returns_a_secret_credential(payments, stubber, wire):
    output = {
        "mpp": {"version": "1", "selectedPaymentId": "ch_1", "paymentCredential": "Payment abc"}
    }
    stubber.add_response(
        "process_payment",
        wire.payment(output),
        _process_params(
            "MPP",
            {
                "mpp": {
                    "version": "1",
                    "wwwAuthenticateHeaders": [CHALLENGE],
                    "buyerPaysGasFees": True,
                }
            },
        ),
    )
    result = payments.process_payment(
        payment_session_id=SESSION_ID,
        payment_instrument_id=INSTRUMENT_ID,
        payment=MppPayment(
            version="1", www_authenticate_headers=[CHALLENGE], buyer_pays_gas_fees=True
        ),
        client_token=TOKEN,
    )
    assert isinstance(result.payment_output, MppPaymentOutput)
    assert result.mpp is not None and result.x402 is None
    assert result.mpp.selected_payment_id == "ch_1"
    assert isinstance(result.mpp.payment_credential, SecretStr)
    assert result.mpp.payment_credential.get_secret_value() == "Payment abc"


def test_process_mints_a_token_and_tolerates_an_unknown_output_kind(
    payments, boto_client, stubber, sent, wire
):
    def new_output_kind(parsed: dict[str, Any], **_: Any) -> None:
        parsed["paymentOutput"] = {"lightning": {"preimage": "00"}}
        parsed["settlement"] = {"txHash": "0x1"}

    boto_client.meta.events.register("after-call.bedrock-agentcore.ProcessPayment", new_output_kind)
    mpp_input = {
        "mpp": {"version": "1", "wwwAuthenticateHeaders": [CHALLENGE], "buyerPaysGasFees": False}
    }
    stubber.add_response(
        "process_payment",
        wire.payment({"mpp": {"version": "1", "selectedPaymentId": "c", "paymentCredential": "P"}}),
        {**_process_params("MPP", mpp_input), "clientToken": ANY},
    )
    result = payments.process_payment(
        payment_session_id=SESSION_ID,
        payment_instrument_id=INSTRUMENT_ID,
        payment=MppPayment(version="1", www_authenticate_headers=[CHALLENGE]),
    )
    assert result.payment_output is None
    assert result.client_token == sent[0][1]["clientToken"]


def test_coinbase_token_request_and_secret_response(payments, stubber):
    stubber.add_response(
        "get_resource_payment_token",
        {
            "paymentTokenResponse": {
                "coinbaseCdpTokenResponse": {
                    "bearerToken": "eyJ.bearer",
                    "walletAuthToken": "eyJ.w",
                }
            }
        },
        {
            "workloadIdentityToken": "workload-token",
            "resourceCredentialProviderName": "coinbase-cdp",
            "paymentTokenRequest": {
                "coinbaseCdpTokenRequest": {
                    "requestMethod": "POST",
                    "requestHost": "api.cdp.coinbase.com",
                    "requestPath": "/platform/v2/evm/accounts",
                    "includeWalletAuthToken": True,
                    "requestBody": '{"name": "wallet"}',
                }
            },
        },
    )
    token = payments.get_resource_payment_token(
        workload_identity_token="workload-token",
        resource_credential_provider_name="coinbase-cdp",
        request=CoinbaseCdpTokenRequest(
            request_method="POST",
            request_host="api.cdp.coinbase.com",
            request_path="/platform/v2/evm/accounts",
            include_wallet_auth_token=True,
            request_body='{"name": "wallet"}',
        ),
    )
    assert isinstance(token, ResourcePaymentToken)
    assert isinstance(token.coinbase_cdp, CoinbaseCdpToken) and token.stripe_privy is None
    assert token.coinbase_cdp.bearer_token.get_secret_value() == "eyJ.bearer"
    assert token.coinbase_cdp.wallet_auth_token is not None
    assert token.coinbase_cdp.wallet_auth_token.get_secret_value() == "eyJ.w"


def test_stripe_privy_token_request_and_secret_response(payments, stubber):
    stubber.add_response(
        "get_resource_payment_token",
        {
            "paymentTokenResponse": {
                "stripePrivyTokenResponse": {
                    "appId": "app-1",
                    "basicAuthToken": "YXBwOnNlY3JldA==",
                    "authorizationSignature": "c2lnbmF0dXJl",
                    "requestExpiry": 1795428000000,
                }
            }
        },
        {
            "workloadIdentityToken": "workload-token",
            "resourceCredentialProviderName": "privy_1",
            "paymentTokenRequest": {
                "stripePrivyTokenRequest": {
                    "requestPath": "/v1/wallets",
                    "requestBody": "{}",
                    "includeAuthorizationSignature": True,
                }
            },
        },
    )
    token = payments.get_resource_payment_token(
        workload_identity_token=SecretStr("workload-token"),
        resource_credential_provider_name="privy_1",
        request=StripePrivyTokenRequest(
            request_path="/v1/wallets", request_body="{}", include_authorization_signature=True
        ),
    )
    privy = token.stripe_privy
    assert isinstance(privy, StripePrivyToken) and token.coinbase_cdp is None
    assert privy.app_id == "app-1"
    assert privy.basic_auth_token.get_secret_value() == "YXBwOnNlY3JldA=="
    assert privy.authorization_signature is not None
    assert privy.request_expires_at == datetime.fromtimestamp(1795428000, tz=timezone.utc)


# -- input rules: each names the field and nothing is sent ---------------------------


def _mpp(**overrides: Any) -> dict[str, Any]:
    return {"version": "1", "www_authenticate_headers": [CHALLENGE], **overrides}


@pytest.mark.parametrize(
    ("build", "field", "rule"),
    [
        (
            lambda: MppPayment(**_mpp(www_authenticate_headers=[])),
            "www_authenticate_headers",
            "exactly one",
        ),
        (
            lambda: MppPayment(**_mpp(www_authenticate_headers=[CHALLENGE, CHALLENGE])),
            "www_authenticate_headers",
            "got 2 headers",
        ),
        (
            lambda: MppPayment(**_mpp(www_authenticate_headers=CHALLENGE)),
            "www_authenticate_headers",
            None,
        ),
        (
            lambda: MppPayment(**_mpp(www_authenticate_headers=["P" * 16385])),
            "www_authenticate_headers",
            "1..16384 characters",
        ),
        (
            lambda: MppPayment(**_mpp(www_authenticate_headers=[""])),
            "www_authenticate_headers",
            "1..16384",
        ),
        (lambda: MppPayment(**_mpp(version="v1")), "version", "must match [0-9]+"),
        (lambda: MppPayment(**_mpp(version="1" * 11)), "version", "1..10 characters"),
        (lambda: MppPayment(**_mpp(buyer_pays_gas_fees="maybe")), "buyer_pays_gas_fees", None),
        (lambda: X402Payment(version="2.0", payload={}), "version", "must match"),
        (lambda: X402Payment(version="2", payload=[1, 2]), "payload", None),
        (
            lambda: X402Payment(version="2", payload={}, permit2_allowance_limit="12a"),
            "permit2_allowance_limit",
            "must match [0-9]+",
        ),
        (
            lambda: X402Payment(version="2", payload={}, permit2_allowance_limit="9" * 79),
            "permit2_allowance_limit",
            "1..78 characters",
        ),
        (lambda: X402Payment(version="2", payload={}, scheme="exact"), "scheme", None),
    ],
)
def test_payment_inputs_are_checked(rejects, build, field, rule):
    rejects(build, field, rule=rule)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"payment_session_id": "payment-session-short"}, "payment_session_id"),
        ({"payment_instrument_id": "payment-instrument-short"}, "payment_instrument_id"),
        ({"payment": {"version": "1"}}, "payment"),
        ({"user_id": "u" * 121}, "user_id"),
        ({"agent_name": "a" * 257}, "agent_name"),
        ({"client_token": "too_short"}, "client_token"),
    ],
)
def test_process_payment_arguments_are_checked(payments, rejects, kwargs, field):
    arguments = {
        "payment_session_id": SESSION_ID,
        "payment_instrument_id": INSTRUMENT_ID,
        "payment": MppPayment(**_mpp()),
        **kwargs,
    }
    rejects(lambda: payments.process_payment(**arguments), field)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"workload_identity_token": ""}, "workload_identity_token"),
        ({"workload_identity_token": 12345}, "workload_identity_token"),
        ({"resource_credential_provider_name": "has space"}, "resource_credential_provider_name"),
        ({"resource_credential_provider_name": "p" * 129}, "resource_credential_provider_name"),
        ({"request": {"request_method": "GET"}}, "request"),
    ],
)
def test_token_arguments_are_checked(payments, rejects, kwargs, field):
    arguments = {
        "workload_identity_token": "workload-CANARY",
        "resource_credential_provider_name": "coinbase-cdp",
        "request": CoinbaseCdpTokenRequest(request_method="GET", request_path="/v2/x"),
        **kwargs,
    }
    rejects(lambda: payments.get_resource_payment_token(**arguments), field, hides="CANARY")


@pytest.mark.parametrize(
    ("build", "field", "secret"),
    [
        (
            lambda: CoinbaseCdpTokenRequest(request_method="HEAD", request_path="/x"),
            "request_method",
            False,
        ),
        (
            lambda: CoinbaseCdpTokenRequest(request_method="GET", request_path="no-slash"),
            "request_path",
            False,
        ),
        (
            lambda: CoinbaseCdpTokenRequest(
                request_method="GET", request_path="/x", request_host="a b"
            ),
            "request_host",
            False,
        ),
        (
            lambda: CoinbaseCdpTokenRequest(
                request_method="GET", request_path="/x", request_body="é"
            ),
            "request_body",
            False,
        ),
        (
            lambda: StripePrivyTokenRequest(request_path="/x", request_body="CANARY\x00"),
            "request_body",
            True,
        ),
        (lambda: StripePrivyTokenRequest(request_path="/x", request_body=""), "request_body", True),
        (
            lambda: StripePrivyTokenRequest(request_path="/" + "p" * 2048, request_body="{}"),
            "request_path",
            False,
        ),
    ],
)
def test_token_requests_are_checked(rejects, build, field, secret):
    rejects(build, field, hides="CANARY" if secret else None)
