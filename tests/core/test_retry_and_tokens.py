"""The single retry layer and client tokens, driven through real botocore clients."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from botocore.stub import Stubber
from pydantic import ValidationError

from agentcore_billing import (
    AccessDeniedError,
    InternalServerError,
    InvalidInputError,
    RetryPolicy,
    ServiceValidationError,
    ThrottlingError,
    TransportError,
    client_token_from_key,
    new_client_token,
)
from agentcore_billing._core.clock import ManualClock
from agentcore_billing._core.engine import Invoker
from agentcore_billing._core.idempotency import (
    METER_USAGE_TOKEN,
    PAYMENTS_TOKEN,
    resolve_client_token,
)
from agentcore_billing._core.retry import Retrier, is_retryable
from agentcore_billing._core.seam import LazyClient
from agentcore_billing.testing import CannedResponder
from tests.support import ARN, NOW, payments_boto_client

SESSION = {
    "paymentSessionId": "payment-session-abcdefghij12345",
    "paymentManagerArn": ARN,
    "userId": "user-1",
    "expiryTimeInMinutes": 60,
    "createdAt": NOW,
    "updatedAt": NOW,
}


def _invoker(client: Any, clock: ManualClock, **policy: Any) -> Invoker:
    settings: dict[str, Any] = {"jitter": False, "initial_delay": 0.5, "max_delay": 4.0}
    settings.update(policy)
    retrier = Retrier(RetryPolicy(**settings), sleep=clock.sleep, monotonic=clock.monotonic)
    return Invoker(LazyClient("bedrock-agentcore", client=client), retrier)


def _create(invoker: Invoker, token: str) -> dict[str, Any]:
    params = {"paymentManagerArn": ARN, "expiryTimeInMinutes": 60}
    return invoker.call("CreatePaymentSession", params, client_token=token).data


def test_throttle_then_500_then_success_reuses_one_token() -> None:
    client, clock = payments_boto_client(), ManualClock()
    token = resolve_client_token(None, PAYMENTS_TOKEN)
    expected = {"paymentManagerArn": ARN, "expiryTimeInMinutes": 60, "clientToken": token}
    with Stubber(client) as stub:
        stub.add_client_error(
            "create_payment_session", "ThrottlingException", "slow", 429, expected_params=expected
        )
        stub.add_client_error(
            "create_payment_session",
            "InternalServerException",
            "oops",
            500,
            expected_params=expected,
        )
        stub.add_response("create_payment_session", {"paymentSession": SESSION}, expected)
        response = _create(_invoker(client, clock), token)
        stub.assert_no_pending_responses()
    assert response["paymentSession"]["paymentSessionId"] == SESSION["paymentSessionId"]
    assert clock.sleeps == [0.5, 1.0]


def test_transport_errors_are_retried_with_the_same_token_then_marked_unknown() -> None:
    client, clock = payments_boto_client(), ManualClock()
    seen_tokens: list[str] = []

    def refuse(request: Any, **_: Any) -> None:
        seen_tokens.append(request.body.decode() if request.body else "")
        raise ConnectionClosedError(endpoint_url="https://example.invalid")

    client.meta.events.register("before-send.bedrock-agentcore.CreatePaymentSession", refuse)
    token = new_client_token()
    with pytest.raises(TransportError) as info:
        _create(_invoker(client, clock, max_attempts=3), token)
    assert len(seen_tokens) == 3
    assert all(f'"clientToken": "{token}"' in body for body in seen_tokens)
    assert clock.sleeps == [0.5, 1.0]
    err = info.value
    assert err.client_token == token
    assert err.outcome_unknown is True
    assert err.operation == "CreatePaymentSession"
    assert "outcome is unknown" in str(err)


def test_transport_error_then_success_over_the_real_wire_path() -> None:
    client, clock = payments_boto_client(), ManualClock()
    responder = CannedResponder().attach(client)
    responder.queue_error(
        "CreatePaymentSession", EndpointConnectionError(endpoint_url="https://example.invalid")
    )
    wire_session = {**SESSION, "createdAt": NOW.isoformat(), "updatedAt": NOW.isoformat()}
    responder.queue("CreatePaymentSession", 201, {"paymentSession": wire_session})
    token = new_client_token()
    response = _create(_invoker(client, clock), token)
    assert response["paymentSession"]["userId"] == "user-1"
    assert [r.body["clientToken"] for r in responder.requests] == [token, token]
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("ValidationException", 400, ServiceValidationError),
        ("AccessDeniedException", 403, AccessDeniedError),
    ],
)
def test_permanent_errors_are_never_retried(code: str, status: int, cls: type[Exception]) -> None:
    client, clock = payments_boto_client(), ManualClock()
    with Stubber(client) as stub:
        stub.add_client_error("create_payment_session", code, "no", status)
        with pytest.raises(cls) as info:
            _create(_invoker(client, clock), new_client_token())
        stub.assert_no_pending_responses()
    assert clock.sleeps == []
    assert info.value.outcome_unknown is False  # type: ignore[attr-defined]


def test_exhausted_5xx_on_a_mutating_call_is_outcome_unknown() -> None:
    client, clock = payments_boto_client(), ManualClock()
    token = new_client_token()
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("create_payment_session", "InternalServerException", "x", 500)
        with pytest.raises(InternalServerError) as info:
            _create(_invoker(client, clock, max_attempts=2), token)
    assert info.value.outcome_unknown and info.value.client_token == token


def test_deadline_stops_before_a_wait_that_would_cross_it() -> None:
    client, clock = payments_boto_client(), ManualClock()
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("create_payment_session", "ThrottlingException", "x", 429)
        with pytest.raises(ThrottlingError):
            _create(_invoker(client, clock, max_attempts=10, deadline=1.0), new_client_token())
    # 0.5 fits in the 1 s deadline; the next wait (1.0) would cross it.
    assert clock.sleeps == [0.5]


def test_retries_are_logged_at_debug_with_attempt_and_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, clock = payments_boto_client(), ManualClock()
    caplog.set_level(logging.DEBUG, logger="agentcore_billing")
    with Stubber(client) as stub:
        stub.add_client_error("create_payment_session", "ThrottlingException", "x", 429)
        stub.add_response("create_payment_session", {"paymentSession": SESSION})
        _create(_invoker(client, clock), new_client_token())
    messages = [r.getMessage() for r in caplog.records if r.name == "agentcore_billing"]
    assert any("after attempt 1" in m and "ThrottlingException" in m for m in messages)


def test_full_jitter_stays_under_the_exponential_cap() -> None:
    policy = RetryPolicy(initial_delay=0.1, max_delay=2.0)
    rng = random.Random(7)
    for retry in range(1, 12):
        cap = min(2.0, 0.1 * 2 ** (retry - 1))
        assert 0 <= policy.backoff(retry, jitter_draw=rng.random()) <= cap


def test_retry_policy_is_frozen_and_validated() -> None:
    policy = RetryPolicy()
    with pytest.raises(ValidationError):
        policy.max_attempts = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValidationError):
        RetryPolicy(initial_delay=5, max_delay=1)
    with pytest.raises(ValidationError):
        RetryPolicy(deadline=float("nan"))
    none = RetryPolicy.none()
    assert (none.max_attempts, none.deadline) == (1, None)


def test_the_predicate_only_accepts_our_transient_errors() -> None:
    assert is_retryable(ThrottlingError(operation="Op", code="ThrottlingException"))
    assert is_retryable(TransportError(operation="Op", code="ReadTimeoutError"))
    assert not is_retryable(AccessDeniedError(operation="Op", code="AccessDeniedException"))
    assert not is_retryable(RuntimeError("not ours"))
    assert not is_retryable(InvalidInputError("f", "rule"))


class TestTokens:
    def test_minted_tokens_fit_every_operation(self) -> None:
        token = new_client_token()
        assert PAYMENTS_TOKEN.check(token) == token
        assert METER_USAGE_TOKEN.check(token) == token

    def test_the_callers_token_wins(self) -> None:
        mine = "order-42-" + "a" * 30
        assert resolve_client_token(mine, PAYMENTS_TOKEN) == mine

    @pytest.mark.parametrize(
        "bad",
        [
            "a" * 32,  # uuid4().hex is one short
            "a" * 257,
            "has_underscore_" + "a" * 30,
            "-leading-hyphen-" + "a" * 30,
            "trailing-hyphen-" + "a" * 30 + "-",
            "spaces are not allowed " + "a" * 20,
        ],
    )
    def test_payment_tokens_are_checked_against_the_service_rule(self, bad: str) -> None:
        with pytest.raises(InvalidInputError) as info:
            resolve_client_token(bad, PAYMENTS_TOKEN)
        assert info.value.field == "client_token"

    def test_meter_usage_tokens_are_1_to_64(self) -> None:
        assert resolve_client_token("x", METER_USAGE_TOKEN) == "x"
        with pytest.raises(InvalidInputError):
            resolve_client_token("x" * 65, METER_USAGE_TOKEN)
        with pytest.raises(InvalidInputError):
            resolve_client_token("", METER_USAGE_TOKEN)

    def test_derived_tokens_are_stable_and_valid(self) -> None:
        token = client_token_from_key("order-42")
        assert token == client_token_from_key("order-42") != client_token_from_key("order-43")
        assert PAYMENTS_TOKEN.check(token) and METER_USAGE_TOKEN.check(token)
        with pytest.raises(InvalidInputError):
            client_token_from_key("")


def test_unencodable_idempotency_key_is_an_input_error() -> None:
    """client_token_from_key used to raise UnicodeEncodeError (from uuid5) for a key
    holding a lone surrogate."""
    with pytest.raises(InvalidInputError):
        client_token_from_key("order-\ud800")
