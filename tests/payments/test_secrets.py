"""Secrets never show: not in reprs, str(), JSON dumps, errors or logs."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore_billing import (
    CoinbaseCdpTokenRequest,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    InvalidInputError,
    MppPayment,
    OAuth2LinkedAccount,
    PaymentsClient,
    RetryPolicy,
    ServiceError,
    SmsLinkedAccount,
    StripePrivyTokenRequest,
    X402Payment,
)
from agentcore_billing._payments.models.requests import (
    CreatePaymentInstrumentInput,
    ProcessPaymentInput,
    ResourcePaymentTokenInput,
)
from agentcore_billing.testing import emulator_session
from tests.support import ARN

SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
CONNECTOR_ID = "coinbase-abcdef1234"
CANARY = "canary7f3a9c"
CANARY_EMAIL = f"{CANARY}@example.com"
CANARY_PHONE = "+19998887777"


def _shown(*objects: Any) -> str:
    parts = []
    for obj in objects:
        parts += [repr(obj), str(obj)]
        dump = getattr(obj, "model_dump_json", None)
        if dump is not None:
            parts.append(dump())
    return "\n".join(parts)


def _assert_hidden(text: str) -> None:
    assert CANARY not in text
    assert CANARY_PHONE not in text
    assert "9998887777" not in text


def test_inputs_hide_their_secrets():
    wallet = EmbeddedCryptoWallet(
        network="SOLANA", linked_accounts=[EmailLinkedAccount(email_address=CANARY_EMAIL)]
    )
    oauth = OAuth2LinkedAccount(
        provider="google", sub=CANARY, email_address=CANARY_EMAIL, name=CANARY, username=CANARY
    )
    x402 = X402Payment(version="2", payload={"signature": CANARY})
    stripe = StripePrivyTokenRequest(request_path="/v1/wallets", request_body=f'{{"k":"{CANARY}"}}')
    requests = [
        CreatePaymentInstrumentInput(
            payment_manager_arn=ARN, payment_connector_id=CONNECTOR_ID, details=wallet
        ),
        ProcessPaymentInput(
            payment_manager_arn=ARN,
            payment_session_id=SESSION_ID,
            payment_instrument_id=INSTRUMENT_ID,
            payment=x402,
        ),
        ResourcePaymentTokenInput(
            workload_identity_token=CANARY, resource_credential_provider_name="p", request=stripe
        ),
    ]
    _assert_hidden(
        _shown(wallet, oauth, x402, stripe, SmsLinkedAccount(phone_number=CANARY_PHONE), *requests)
    )
    # ...while the wire still carries them.
    wire = [str(request.to_params()) for request in requests[1:3]]  # type: ignore[attr-defined]
    assert all(CANARY in text for text in wire)


@pytest.mark.parametrize(
    "build",
    [
        lambda: EmailLinkedAccount(email_address=f"{CANARY}@nodot"),
        lambda: SmsLinkedAccount(phone_number=f"+1{CANARY}"),
        lambda: OAuth2LinkedAccount(provider="github", sub=CANARY * 30),
        lambda: OAuth2LinkedAccount(provider="nope", sub=CANARY, name=CANARY),
        lambda: EmbeddedCryptoWallet(
            network="BITCOIN", linked_accounts=[EmailLinkedAccount(email_address=CANARY_EMAIL)]
        ),
        lambda: EmbeddedCryptoWallet(
            network="SOLANA", linked_accounts=[{"kind": "email", "email_address": CANARY}]
        ),
        lambda: X402Payment(version="x", payload={"signature": CANARY}),
        lambda: X402Payment(version="1", payload=f"not a dict {CANARY}"),
        lambda: MppPayment(version="1", www_authenticate_headers=[CANARY, CANARY]),
        lambda: StripePrivyTokenRequest(request_path="bad", request_body=CANARY),
        lambda: StripePrivyTokenRequest(request_path="/p", request_body=f"{CANARY}\x00"),
        lambda: ResourcePaymentTokenInput(
            workload_identity_token=CANARY,
            resource_credential_provider_name="bad name",
            request=CoinbaseCdpTokenRequest(request_method="GET", request_path="/x"),
        ),
        lambda: ResourcePaymentTokenInput(
            workload_identity_token=CANARY,
            resource_credential_provider_name="p",
            request={"request_path": "/x", "request_body": CANARY, "oops": 1},
        ),
    ],
)
def test_input_errors_never_echo_a_secret(build):
    with pytest.raises(ValidationError) as caught:
        build()
    # errors() hands back the raw input by pydantic's design; what gets printed or logged
    # (str, repr, and errors without the input) must not show it.
    error = caught.value
    _assert_hidden(str(error) + repr(error) + str(error.errors(include_input=False)))


def test_results_hide_their_secrets(payments, stubber, wire):
    stubber.add_response(
        "process_payment",
        wire.payment({"cryptoX402": {"version": "2", "payload": {"sig": CANARY}}}, "CRYPTO_X402"),
    )
    stubber.add_response(
        "process_payment",
        wire.payment(
            {"mpp": {"version": "1", "selectedPaymentId": "c", "paymentCredential": CANARY}}
        ),
    )
    stubber.add_response(
        "get_resource_payment_token",
        {
            "paymentTokenResponse": {
                "stripePrivyTokenResponse": {
                    "appId": "app",
                    "basicAuthToken": CANARY,
                    "authorizationSignature": CANARY,
                }
            }
        },
    )
    stubber.add_response(
        "get_payment_instrument",
        {
            "paymentInstrument": wire.instrument_summary(
                paymentInstrumentDetails={
                    "embeddedCryptoWallet": {
                        "network": "ETHEREUM",
                        "linkedAccounts": [{"sms": {"phoneNumber": CANARY_PHONE}}],
                    }
                }
            )
        },
    )
    payment = X402Payment(version="2", payload={"a": CANARY})
    results = [
        payments.process_payment(
            payment_session_id=SESSION_ID, payment_instrument_id=INSTRUMENT_ID, payment=payment
        )
        for _ in range(2)
    ]
    token = payments.get_resource_payment_token(
        workload_identity_token=CANARY,
        resource_credential_provider_name="privy",
        request=StripePrivyTokenRequest(request_path="/v1/x", request_body=CANARY),
    )
    instrument = payments.get_payment_instrument(INSTRUMENT_ID)
    _assert_hidden(_shown(*results, token, instrument, instrument.wallet))
    assert results[0].x402 is not None
    assert results[0].x402.payload.get_secret_value() == {"sig": CANARY}
    assert results[1].mpp is not None
    assert results[1].mpp.payment_credential.get_secret_value() == CANARY


def test_service_errors_and_retry_logs_carry_no_secret(payments, stubber, caplog):
    caplog.set_level(logging.DEBUG)
    stubber.add_client_error("process_payment", "ThrottlingException", "slow", 429)
    stubber.add_client_error("process_payment", "ConflictException", "token reused", 409)
    with pytest.raises(ServiceError) as caught:
        payments.process_payment(
            payment_session_id=SESSION_ID,
            payment_instrument_id=INSTRUMENT_ID,
            payment=X402Payment(version="2", payload={"signature": CANARY}),
        )
    _assert_hidden(str(caught.value) + repr(caught.value) + caplog.text)
    assert "retrying ProcessPayment" in caplog.text


def test_bytes_in_an_x402_payload_never_show_through_the_chained_cause():
    # botocore's own validation refuses the bytes before anything is sent (nothing
    # listens on port 9).
    payments = PaymentsClient(
        ARN,
        session=emulator_session(),
        endpoint_url="http://127.0.0.1:9",
        retry=RetryPolicy.none(),
    )
    secret = b"SIGNATURE-BYTES-0123456789abcdef"
    payment = X402Payment(version="1", payload={"scheme": "exact", "signature": secret})
    with pytest.raises(InvalidInputError) as caught:
        payments.process_payment(
            payment_session_id="payment-session-abcdefghij12345",
            payment_instrument_id="payment-instrument-abcdefghij12345",
            payment=payment,
        )
    error = caught.value
    rendered = "".join(traceback.format_exception(error))
    assert "SIGNATURE-BYTES" not in rendered
    assert error.__context__ is None
    assert type(error.__cause__).__name__ == "ScrubbedCause"
    assert "botocore.exceptions.ParamValidationError" in str(error.__cause__)
    assert "signature" in str(error)  # the field is named, its value is not
