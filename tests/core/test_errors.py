"""Error mapping: every documented code of every service, by code, never by message."""

from __future__ import annotations

import pickle

import botocore.session
import pytest
from botocore.exceptions import ClientError

import agentcore_billing as acb
from agentcore_billing._core.errors import ERROR_CLASSES, error_class_for, from_client_error

PAYMENT_OPERATIONS = [
    "CreatePaymentInstrument",
    "CreatePaymentSession",
    "DeletePaymentInstrument",
    "DeletePaymentSession",
    "GetPaymentInstrument",
    "GetPaymentInstrumentBalance",
    "GetPaymentSession",
    "GetResourcePaymentToken",
    "ListPaymentInstruments",
    "ListPaymentSessions",
    "ProcessPayment",
]


def _documented_codes() -> set[tuple[str, str]]:
    session = botocore.session.get_session()
    pairs: set[tuple[str, str]] = set()
    payments = session.get_service_model("bedrock-agentcore")
    for name in PAYMENT_OPERATIONS:
        for shape in payments.operation_model(name).error_shapes:
            pairs.add((name, shape.name))
    control = session.get_service_model("bedrock-agentcore-control")
    for name in control.operation_names:
        if "Payment" in name:
            for shape in control.operation_model(name).error_shapes:
                pairs.add((name, shape.name))
    metering = session.get_service_model("meteringmarketplace")
    for name in metering.operation_names:
        for shape in metering.operation_model(name).error_shapes:
            pairs.add((name, shape.name))
    return pairs


DOCUMENTED = sorted(_documented_codes())


def _client_error(code: str, status: int, operation: str, message: str = "boom") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "req-123"},
        },
        operation,
    )


@pytest.mark.parametrize(("operation", "code"), DOCUMENTED)
def test_every_documented_code_has_its_own_class(operation: str, code: str) -> None:
    err = from_client_error(_client_error(code, 400, operation), client_token="tok")
    expected_name = code.removesuffix("Exception") + "Error"
    if code == "ValidationException":
        expected_name = "ServiceValidationError"
    assert type(err).__name__ == expected_name
    assert getattr(acb, expected_name) is type(err)
    assert (err.operation, err.code, err.http_status, err.request_id) == (
        operation,
        code,
        400,
        "req-123",
    )
    assert err.client_token == "tok"
    assert isinstance(err, acb.ServiceError)
    assert isinstance(err, acb.AgentCoreBillingError)


def test_the_table_holds_nothing_undocumented() -> None:
    documented = {code for _, code in DOCUMENTED}
    assert set(ERROR_CLASSES) == documented


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("ThrottlingException", True),
        ("InternalServerException", True),
        ("InternalServiceErrorException", True),
        ("ValidationException", False),
        ("AccessDeniedException", False),
        ("ConflictException", False),
        ("ResourceNotFoundException", False),
        ("ServiceQuotaExceededException", False),
        ("SubscriptionRequiredException", False),
        ("TimestampOutOfBoundsException", False),
        ("IdempotencyConflictException", False),
    ],
)
def test_only_transient_codes_are_retryable(code: str, retryable: bool) -> None:
    assert from_client_error(_client_error(code, 400, "Op")).retryable is retryable


def test_unknown_codes_fall_back_by_status_not_by_message() -> None:
    assert error_class_for("Brand new", 503) is acb.InternalServerError
    assert error_class_for("Brand new", 429) is acb.ThrottlingError
    assert error_class_for("TooManyRequestsException", 400) is acb.ThrottlingError
    assert error_class_for("Brand new", 400) is acb.ServiceError
    throttled_message = _client_error("Mystery", 400, "Op", message="ThrottlingException")
    assert type(from_client_error(throttled_message)) is acb.ServiceError


def test_str_leads_with_operation_and_request_id() -> None:
    err = from_client_error(_client_error("ConflictException", 409, "ProcessPayment", "busy"))
    assert str(err) == "ProcessPayment [request req-123]: ConflictException (HTTP 409): busy"


def test_outcome_unknown_is_spelled_out_with_the_token() -> None:
    err = acb.TransportError(
        operation="ProcessPayment",
        code="ReadTimeoutError",
        client_token="t-1",
        outcome_unknown=True,
    )
    assert str(err) == (
        "ProcessPayment: ReadTimeoutError; the outcome is unknown: replay the call with "
        "client_token='t-1' to complete it exactly once"
    )
    assert err.args == (str(err),)


def test_errors_survive_pickling() -> None:
    boto_err = _client_error("ThrottlingException", 429, "MeterUsage")
    err = from_client_error(boto_err, client_token="x")
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is acb.ThrottlingError
    assert (clone.code, clone.request_id, clone.client_token) == (err.code, "req-123", "x")


def test_input_errors_are_value_errors_naming_field_rule_and_value() -> None:
    err = acb.InvalidInputError("expiry_time_in_minutes", "must be 15..480", "5")
    assert isinstance(err, ValueError)
    assert str(err) == "expiry_time_in_minutes: must be 15..480 (got 5)"


def test_the_field_list_is_the_constructor_and_the_docstring_says_the_same() -> None:
    assert acb.ServiceError.FIELDS == (
        "operation",
        "code",
        "message",
        "http_status",
        "request_id",
        "retryable",
        "client_token",
        "outcome_unknown",
        "earlier_attempt_unanswered",
    )
    doc = acb.ServiceError.__doc__ or ""
    attributes = doc.split("Attributes:")[1].split("Example:")[0]
    documented = [line.split(":")[0].strip() for line in attributes.splitlines() if ": " in line]
    documented = [name for name in documented if name.isidentifier()]
    assert tuple(documented) == acb.ServiceError.FIELDS


def test_flags_are_final_at_construction_and_survive_pickling() -> None:
    err = acb.ResourceNotFoundError(
        operation="DeletePaymentSession",
        code="ResourceNotFoundException",
        outcome_unknown=True,
        earlier_attempt_unanswered=True,
    )
    assert err.args == (str(err),)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is acb.ResourceNotFoundError
    assert clone.fields() == err.fields()
    assert str(clone) == str(err)
    changed = err.replace(outcome_unknown=False)
    assert (changed.outcome_unknown, err.outcome_unknown) == (False, True)
    assert changed.args == (str(changed),) and "unknown" not in str(changed)


def test_messages_are_bounded_to_a_few_kilobytes() -> None:
    huge = "x" * 1_000_000
    err = acb.ServiceValidationError(
        operation="ProcessPayment", code="ValidationException", message=huge
    )
    assert len(str(err)) < 2_200
    assert str(err).endswith("... (998000 more characters)")
    refused = acb.InvalidInputError("payment", huge, huge)
    assert len(str(refused)) < 2_500
    assert refused.value is not None and refused.value.endswith("(999800 more characters)")
