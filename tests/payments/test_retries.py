"""One client token per logical call, across throttling, 5xx and transport failures."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from agentcore_billing import (
    EmbeddedCryptoWallet,
    InternalServerError,
    Money,
    MppPayment,
    PaymentsClient,
    ResourceNotFoundError,
    RetryPolicy,
    ServiceValidationError,
    TransportError,
)
from agentcore_billing._core.idempotency import PAYMENTS_TOKEN
from tests.support import ARN

SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
EXACT_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.5, max_delay=4.0, deadline=None, jitter=False
)
GIVEN_TOKEN = "caller-chosen-token-000000000000001"


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


MPP_OUTPUT = {"mpp": {"version": "1", "selectedPaymentId": "c", "paymentCredential": "P x"}}
CASES: dict[str, tuple[str, Callable[..., Any], Callable[[Any], dict[str, Any]]]] = {
    "CreatePaymentSession": (
        "create_payment_session",
        _create_session,
        lambda wire: {"paymentSession": wire.session()},
    ),
    "ProcessPayment": ("process_payment", _process, lambda wire: wire.payment(MPP_OUTPUT)),
    "CreatePaymentInstrument": (
        "create_payment_instrument",
        _create_instrument,
        lambda wire: {"paymentInstrument": wire.instrument()},
    ),
}


@pytest.fixture
def rig(payments, stubber, sent, clock, wire) -> SimpleNamespace:
    """The stubbed client and what records its attempts, in one place."""
    return SimpleNamespace(payments=payments, stubber=stubber, sent=sent, clock=clock, wire=wire)


@pytest.mark.parametrize("operation", sorted(CASES))
@pytest.mark.parametrize("given_token", [None, GIVEN_TOKEN])
def test_throttling_then_5xx_then_success_reuses_one_token(rig, operation, given_token):
    method, call, answer = CASES[operation]
    rig.stubber.add_client_error(method, "ThrottlingException", "slow down", 429)
    rig.stubber.add_client_error(method, "InternalServerException", "oops", 500)
    rig.stubber.add_response(method, answer(rig.wire))
    result = call(rig.payments, given_token)
    assert [op for op, _ in rig.sent] == [operation] * 3
    tokens = {params["clientToken"] for _, params in rig.sent}
    assert tokens == {result.client_token}
    assert result.client_token == (given_token or PAYMENTS_TOKEN.check(result.client_token))
    assert rig.clock.sleeps == [0.5, 1.0]
    rig.stubber.assert_no_pending_responses()


@pytest.mark.parametrize("operation", sorted(CASES))
def test_persistent_5xx_leaves_the_outcome_unknown_with_the_token(
    payments, stubber, sent, clock, operation
):
    method, call, _ = CASES[operation]
    for _ in range(EXACT_RETRY.max_attempts):
        stubber.add_client_error(method, "InternalServerException", "oops", 500)
    with pytest.raises(InternalServerError) as caught:
        call(payments)
    error = caught.value
    tokens = {params["clientToken"] for _, params in sent}
    assert len(sent) == 4 and tokens == {error.client_token}
    assert error.outcome_unknown is True
    assert f"client_token={error.client_token!r}" in str(error)
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_a_refused_create_is_not_retried_and_still_carries_the_token(
    payments, stubber, sent, clock
):
    stubber.add_client_error("create_payment_session", "ValidationException", "bad", 400)
    with pytest.raises(ServiceValidationError) as caught:
        _create_session(payments)
    assert len(sent) == 1 and clock.sleeps == []
    assert caught.value.client_token == sent[0][1]["clientToken"]
    assert caught.value.outcome_unknown is False


def test_reads_are_retried_without_a_token(payments, stubber, sent, clock, wire):
    stubber.add_client_error("get_payment_session", "ThrottlingException", "slow", 429)
    stubber.add_response(
        "get_payment_session",
        {"paymentSession": wire.session()},
        {"paymentManagerArn": ARN, "paymentSessionId": SESSION_ID},
    )
    assert payments.get_payment_session(SESSION_ID).client_token is None
    assert len(sent) == 2 and all("clientToken" not in params for _, params in sent)
    assert clock.sleeps == [0.5]


def test_each_list_page_is_retried_on_its_own(payments, stubber, sent, clock, wire):
    first = {"paymentSessions": [wire.session()], "nextToken": "p2"}
    second = {"paymentSessions": [wire.session(paymentSessionId="payment-session-000000000000002")]}
    stubber.add_response("list_payment_sessions", first, {"paymentManagerArn": ARN})
    stubber.add_client_error("list_payment_sessions", "InternalServerException", "oops", 500)
    stubber.add_response(
        "list_payment_sessions", second, {"paymentManagerArn": ARN, "nextToken": "p2"}
    )
    ids = [s.payment_session_id for s in payments.list_payment_sessions()]
    assert ids == [SESSION_ID, "payment-session-000000000000002"]
    assert [params.get("nextToken") for _, params in sent] == [None, "p2", "p2"]
    assert clock.sleeps == [0.5]


def test_delete_that_went_through_unanswered_reports_deleted(payments, stubber, sent):
    stubber.add_client_error("delete_payment_session", "InternalServerException", "oops", 500)
    stubber.add_client_error("delete_payment_session", "ResourceNotFoundException", "gone", 404)
    assert payments.delete_payment_session(SESSION_ID) == "DELETED"
    assert len(sent) == 2


def test_delete_of_a_missing_session_raises(payments, stubber):
    stubber.add_client_error("delete_payment_session", "ResourceNotFoundException", "gone", 404)
    with pytest.raises(ResourceNotFoundError):
        payments.delete_payment_session(SESSION_ID)
    stubber.add_client_error("delete_payment_instrument", "ThrottlingException", "slow", 429)
    stubber.add_client_error("delete_payment_instrument", "ResourceNotFoundException", "gone", 404)
    with pytest.raises(ResourceNotFoundError):
        payments.delete_payment_instrument(
            INSTRUMENT_ID, payment_connector_id="coinbase-abcdef1234"
        )


# -- transport failures, raised from botocore's before-send hook ----------------------


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._data = json.dumps(payload).encode()

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._data


class FlakyNetwork:
    """Fails the first ``failures`` sends of an operation, then answers with ``payload``."""

    def __init__(self, failures: list[Exception], status: int, payload: dict[str, Any]) -> None:
        self.failures = failures
        self.status = status
        self.payload = payload
        self.bodies: list[dict[str, Any]] = []

    def attach(self, client: Any, operation: str) -> FlakyNetwork:
        client.meta.events.register(f"before-send.bedrock-agentcore.{operation}", self.send)
        return self

    def send(self, request: Any, **_: Any) -> AWSResponse:
        self.bodies.append(json.loads(request.body))
        if self.failures:
            raise self.failures.pop(0)
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": "req-ok"}
        return AWSResponse(request.url, self.status, headers, _Body(self.payload))


def _drops(count: int) -> list[Exception]:
    endpoint = "https://bedrock-agentcore.us-east-1.amazonaws.com"
    kinds = [
        lambda: EndpointConnectionError(endpoint_url=endpoint),
        lambda: ConnectionClosedError(endpoint_url=endpoint),
    ]
    return [kinds[n % 2]() for n in range(count)]


ISO_SESSION = {
    "paymentSessionId": SESSION_ID,
    "paymentManagerArn": ARN,
    "userId": "u",
    "expiryTimeInMinutes": 60,
    "createdAt": "2026-11-23T10:00:00Z",
    "updatedAt": "2026-11-23T10:00:00.123Z",
}


@pytest.fixture
def own_client_payments(clock) -> PaymentsClient:
    """A PaymentsClient that builds its own boto3 client (raw ISO timestamps, no retries)."""
    return PaymentsClient(
        ARN,
        region_name="us-east-1",
        retry=EXACT_RETRY,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        clock=clock.now,
    )


def test_transport_errors_are_retried_with_one_token(own_client_payments, clock):
    network = FlakyNetwork(_drops(2), 201, {"paymentSession": ISO_SESSION}).attach(
        own_client_payments.client, "CreatePaymentSession"
    )
    session = _create_session(own_client_payments)
    assert len(network.bodies) == 3
    assert {body["clientToken"] for body in network.bodies} == {session.client_token}
    assert clock.sleeps == [0.5, 1.0]
    assert session.created_at == datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    assert session.updated_at.microsecond == 123000


def test_persistent_transport_errors_leave_the_outcome_unknown(own_client_payments, clock):
    network = FlakyNetwork(_drops(4), 201, {"paymentSession": ISO_SESSION}).attach(
        own_client_payments.client, "CreatePaymentSession"
    )
    with pytest.raises(TransportError) as caught:
        _create_session(own_client_payments)
    error = caught.value
    assert error.outcome_unknown is True
    assert error.operation == "CreatePaymentSession" and error.http_status is None
    assert {body["clientToken"] for body in network.bodies} == {error.client_token}
    assert len(network.bodies) == 4 and clock.sleeps == [0.5, 1.0, 2.0]
    assert "replay" in str(error)

    # Replaying with the error's token sends the very same token (and, the answer being
    # older than the replay, reads the session back once to be sure it still exists).
    read_back = FlakyNetwork([], 200, {"paymentSession": ISO_SESSION}).attach(
        own_client_payments.client, "GetPaymentSession"
    )
    session = _create_session(own_client_payments, client_token=error.client_token)
    assert len(read_back.bodies) == 1
    assert network.bodies[-1]["clientToken"] == error.client_token == session.client_token


def test_process_payment_over_a_dropped_connection(own_client_payments, wire):
    answer = {
        **wire.payment(MPP_OUTPUT),
        "createdAt": "2026-11-23T10:00:00Z",
        "updatedAt": "2026-11-23T10:00:00Z",
    }
    network = FlakyNetwork(_drops(1), 200, answer).attach(
        own_client_payments.client, "ProcessPayment"
    )
    result = _process(own_client_payments)
    assert len(network.bodies) == 2
    assert {body["clientToken"] for body in network.bodies} == {result.client_token}
    assert network.bodies[0]["paymentType"] == "MPP"


def test_an_injected_client_gives_datetimes_and_still_works(boto_client, clock):
    payments = PaymentsClient(
        ARN, client=boto_client, retry=EXACT_RETRY, sleep=clock.sleep, monotonic=clock.monotonic
    )
    network = FlakyNetwork(_drops(1), 200, {"paymentSession": ISO_SESSION}).attach(
        boto_client, "GetPaymentSession"
    )
    session = payments.get_payment_session(SESSION_ID, user_id="u")
    assert len(network.bodies) == 2
    assert session.created_at == datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    assert clock.sleeps == [0.5]
