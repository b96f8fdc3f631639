"""Every documented error of every payments operation maps to its class, with full context.

The (operation, error code, HTTP status) cases come from the installed botocore
service model, so a new documented error shows up here without editing the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
import pytest

from agentcore_billing import (
    AccessDeniedError,
    CoinbaseCdpTokenRequest,
    ConflictError,
    EmbeddedCryptoWallet,
    InternalServerError,
    Money,
    ResourceNotFoundError,
    RetryPolicy,
    ServiceError,
    ServiceQuotaExceededError,
    ServiceValidationError,
    SubscriptionRequiredError,
    ThrottlingError,
    UnauthorizedError,
    X402Payment,
)
from agentcore_billing._core.errors import ClientTokenConflictError

SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
CONNECTOR_ID = "coinbase-abcdef1234"
TOKEN = "replayable-token-0000-1111-2222-3333"

EXPECTED_CLASS: dict[str, type[ServiceError]] = {
    "AccessDeniedException": AccessDeniedError,
    "ConflictException": ConflictError,
    "InternalServerException": InternalServerError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ServiceQuotaExceededException": ServiceQuotaExceededError,
    "SubscriptionRequiredException": SubscriptionRequiredError,
    "ThrottlingException": ThrottlingError,
    "UnauthorizedException": UnauthorizedError,
    "ValidationException": ServiceValidationError,
}

CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "CreatePaymentSession": (
        "create_payment_session",
        lambda p: p.create_payment_session(
            expiry_time_in_minutes=60, max_spend=Money.usd("1"), client_token=TOKEN
        ),
    ),
    "GetPaymentSession": ("get_payment_session", lambda p: p.get_payment_session(SESSION_ID)),
    "ListPaymentSessions": ("list_payment_sessions", lambda p: list(p.list_payment_sessions())),
    "DeletePaymentSession": (
        "delete_payment_session",
        lambda p: p.delete_payment_session(SESSION_ID),
    ),
    "CreatePaymentInstrument": (
        "create_payment_instrument",
        lambda p: p.create_payment_instrument(
            payment_connector_id=CONNECTOR_ID,
            details=EmbeddedCryptoWallet(network="ETHEREUM", linked_accounts=[]),
            client_token=TOKEN,
        ),
    ),
    "GetPaymentInstrument": (
        "get_payment_instrument",
        lambda p: p.get_payment_instrument(INSTRUMENT_ID),
    ),
    "ListPaymentInstruments": (
        "list_payment_instruments",
        lambda p: list(p.list_payment_instruments()),
    ),
    "DeletePaymentInstrument": (
        "delete_payment_instrument",
        lambda p: p.delete_payment_instrument(INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID),
    ),
    "GetPaymentInstrumentBalance": (
        "get_payment_instrument_balance",
        lambda p: p.get_payment_instrument_balance(
            INSTRUMENT_ID, payment_connector_id=CONNECTOR_ID, chain="BASE"
        ),
    ),
    "ProcessPayment": (
        "process_payment",
        lambda p: p.process_payment(
            payment_session_id=SESSION_ID,
            payment_instrument_id=INSTRUMENT_ID,
            payment=X402Payment(version="2", payload={"a": 1}),
            client_token=TOKEN,
        ),
    ),
    "GetResourcePaymentToken": (
        "get_resource_payment_token",
        lambda p: p.get_resource_payment_token(
            workload_identity_token="w",
            resource_credential_provider_name="cdp",
            request=CoinbaseCdpTokenRequest(request_method="GET", request_path="/x"),
        ),
    ),
}
TOKENED = {"CreatePaymentSession", "CreatePaymentInstrument", "ProcessPayment"}


def _documented() -> list[tuple[str, str, int]]:
    model = botocore.session.get_session().get_service_model("bedrock-agentcore")
    cases = []
    for operation in sorted(CALLS):
        for shape in model.operation_model(operation).error_shapes:
            cases.append((operation, shape.name, shape.metadata["error"]["httpStatusCode"]))
    return cases


DOCUMENTED = _documented()


def test_every_payments_operation_is_covered():
    model = botocore.session.get_session().get_service_model("bedrock-agentcore")
    payments_ops = {
        name
        for name in model.operation_names
        if model.operation_model(name).http["requestUri"].startswith("/payments/")
        or name == "GetResourcePaymentToken"
    }
    assert payments_ops == set(CALLS)
    assert len(DOCUMENTED) >= 50


@pytest.mark.parametrize(("operation", "code", "status"), DOCUMENTED)
def test_documented_error_maps_to_its_class(make_payments, stubber, operation, code, status):
    method, call = CALLS[operation]
    payments = make_payments(retry=RetryPolicy.none())
    stubber.add_client_error(
        method,
        service_error_code=code,
        service_message=f"{code} happened",
        http_status_code=status,
        response_meta={"RequestId": f"req-{operation}"},
    )
    with pytest.raises(ServiceError) as caught:
        call(payments)
    error = caught.value
    expected = EXPECTED_CLASS[code]
    if code == "ConflictException" and operation in TOKENED:  # a token reuse
        expected = ClientTokenConflictError
    assert type(error) is expected and isinstance(error, EXPECTED_CLASS[code])
    assert (error.operation, error.code, error.http_status) == (operation, code, status)
    assert error.request_id == f"req-{operation}"
    assert error.message == f"{code} happened"
    assert f"req-{operation}" in str(error) and operation in str(error)
    assert error.retryable is (code in {"ThrottlingException", "InternalServerException"})
    assert error.client_token == (TOKEN if operation in TOKENED else None)
    # Creates and payments (token members) and deletes change state: a 5xx leaves
    # their outcome unknown.
    mutating = operation in TOKENED or operation.startswith("Delete")
    assert error.outcome_unknown is (mutating and status >= 500)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "code",
    [
        "ValidationException",
        "AccessDeniedException",
        "ConflictException",
        "ServiceQuotaExceededException",
        "SubscriptionRequiredException",
    ],
)
def test_caller_errors_are_never_retried(payments, stubber, sent, clock, code):
    status = {"ServiceQuotaExceededException": 402, "ConflictException": 409}.get(code, 400)
    stubber.add_client_error("process_payment", code, "no", status)
    with pytest.raises(ServiceError):
        CALLS["ProcessPayment"][1](payments)
    assert len(sent) == 1 and clock.sleeps == []
