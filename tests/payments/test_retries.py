"""One client token per logical call, across throttling, 5xx and transport failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from botocore.stub import ANY

from agentcore_billing._clock import ManualClock
from agentcore_billing._errors import (
    InternalServerError,
    ResourceNotFoundError,
    ServiceValidationError,
    TransportError,
)
from agentcore_billing._idempotency import PAYMENTS_TOKEN
from agentcore_billing._money import Money
from agentcore_billing._payment_linked import EmbeddedCryptoWallet
from agentcore_billing._payment_process import MppPayment
from agentcore_billing._payments import PaymentsClient
from agentcore_billing._retry import RetryPolicy

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
EXACT_RETRY = RetryPolicy(max_attempts=4, initial_delay=0.5, max_delay=4.0, deadline=None, jitter=False)
ENDPOINT = "https://bedrock-agentcore.us-east-1.amazonaws.com"


def _create_session(payments: PaymentsClient, client_token: str | None = None) -> Any:
    return payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=Money.usd("5"), client_token=client_token
    )


def _process(payments: PaymentsClient, client_token: str | None = None) -> Any:
    return payments.process_payment(
        payment_session_id=SESSION_ID,
        payment_instrument_id=INSTRUMENT_ID,
        payment=MppPayment(version="1", www_authenticate_headers=['Payment id="c"']),
        client_token=client_token,
    )


def _create_instrument(payments: PaymentsClient, client_token: str | None = None) -> Any:
    return payments.create_payment_instrument(
        payment_connector_id="coinbase-abcdef1234",
        details=EmbeddedCryptoWallet(network="ETHEREUM", linked_accounts=[]),
        client_token=client_token,
    )


def _answers(wire: Any) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    mpp_output = {"mpp": {"version": "1", "selectedPaymentId": "c", "paymentCredential": "P x"}}
    return {
        "CreatePaymentSession": (
            "create_payment_session",
            _create_session,
            {"paymentSession": wire.session()},
        ),
        "ProcessPayment": ("process_payment", _process, wire.payment(mpp_output)),
        "CreatePaymentInstrument": (
            "create_payment_instrument",
            _create_instrument,
            {"paymentInstrument": wire.instrument()},
        ),
    }


@pytest.mark.parametrize("operation", ["CreatePaymentSession", "ProcessPayment", "CreatePaymentInstrument"])
@pytest.mark.parametrize("given_token", [None, "caller-chosen-token-000000000000001"])
def test_throttling_and_5xx_are_retried_with_one_token(
    payments, stubber, sent, clock, wire, operation, given_token
):
    method, call, answer = _answers(wire)[operation]
    stubber.add_client_error(method, "ThrottlingException", "slow down", 429)
    stubber.add_client_error(method, "InternalServerException", "oops", 500)
    stubber.add_response(method, answer, {**_expected_any(sent), "clientToken": ANY} if False else None)
    result = call(payments, given_token)
    tokens = [params["clientToken"] for op, params in sent]
    assert [op for op, _ in sent] == [operation] * 3
    assert len(set(tokens)) == 1
    assert result.client_token == tokens[0]
    if given_token is not None:
        assert tokens[0] == given_token
    else:
        assert PAYMENTS_TOKEN.check(tokens[0])
    assert clock.sleeps == [0.5, 1.0]
    stubber.assert_no_pending_responses()


def _expected_any(_: Any) -> dict[str, Any]:
    return {}
