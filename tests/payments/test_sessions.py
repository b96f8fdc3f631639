"""Payment sessions: exact requests, typed responses, pagination, the context manager."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import ANY

from agentcore_billing import (
    AccessDeniedError,
    InvalidInputError,
    Money,
    PaymentSession,
    PaymentSessionSummary,
)
from agentcore_billing._core.idempotency import PAYMENTS_TOKEN
from tests.support import ARN, NOW

TOKEN = "replayable-token-0000-1111-2222-3333"
LIMITS = {"maxSpendAmount": {"value": "5.00", "currency": "USD"}}
AVAILABLE = {
    "availableSpendAmount": {"value": "3.75", "currency": "USD"},
    "updatedAt": NOW + timedelta(minutes=5),
}


def test_create_sends_exact_params_and_returns_a_typed_session(payments, stubber, wire):
    stubber.add_response(
        "create_payment_session",
        {"paymentSession": wire.session(limits=LIMITS, availableLimits=AVAILABLE)},
        {
            "paymentManagerArn": ARN,
            "expiryTimeInMinutes": 60,
            "limits": LIMITS,
            "userId": "user-1",
            "agentName": "shop-agent",
            "clientToken": TOKEN,
        },
    )
    session = payments.create_payment_session(
        expiry_time_in_minutes=60,
        max_spend=Money.usd("5.00"),
        user_id="user-1",
        agent_name="shop-agent",
        client_token=TOKEN,
    )
    stubber.assert_no_pending_responses()
    assert isinstance(session, PaymentSession)
    assert session.payment_session_id == wire.session_id
    assert session.payment_manager_arn == ARN
    assert session.user_id == "user-1"
    assert session.expiry_time_in_minutes == 60
    assert session.created_at == wire.now and session.created_at.tzinfo is not None
    assert session.max_spend == Money.usd("5.00")
    assert session.available_spend == Money.usd("3.75")
    assert session.available_spend_updated_at == wire.now + timedelta(minutes=5)
    assert session.spent == Money.usd("1.25")
    assert session.expires_at == wire.now + timedelta(minutes=60)
    assert session.client_token == TOKEN


def test_create_without_a_token_mints_one_and_returns_it(payments, stubber, sent, wire):
    stubber.add_response(
        "create_payment_session",
        {"paymentSession": wire.session()},
        {"paymentManagerArn": ARN, "expiryTimeInMinutes": 15, "clientToken": ANY},
    )
    session = payments.create_payment_session(expiry_time_in_minutes=15)
    [(operation, params)] = sent
    assert operation == "CreatePaymentSession"
    assert params["clientToken"] == session.client_token
    assert PAYMENTS_TOKEN.check(session.client_token) == session.client_token
    assert "limits" not in params and "userId" not in params
    assert session.max_spend is None and session.spent is None


def test_constructor_defaults_apply_and_calls_override_them(make_payments, stubber, wire):
    payments = make_payments(user_id="default-user", agent_name="default-agent")
    base = {"paymentManagerArn": ARN, "paymentSessionId": wire.session_id}
    answer = {"paymentSession": wire.session()}
    stubber.add_response(
        "get_payment_session",
        answer,
        {**base, "userId": "default-user", "agentName": "default-agent"},
    )
    stubber.add_response(
        "get_payment_session", answer, {**base, "userId": "other", "agentName": "bot"}
    )
    stubber.add_response(
        "delete_payment_session", {"status": "DELETED"}, {**base, "userId": "default-user"}
    )
    payments.get_payment_session(wire.session_id)
    payments.get_payment_session(wire.session_id, user_id="other", agent_name="bot")
    assert payments.delete_payment_session(wire.session_id) == "DELETED"
    stubber.assert_no_pending_responses()


def test_get_ignores_unknown_fields_and_normalises_timestamps(payments, boto_client, stubber, wire):
    def add_future_fields(parsed: dict[str, Any], **_: Any) -> None:
        parsed["somethingNew"] = {"nested": True}
        parsed["paymentSession"]["anotherNewField"] = "x"
        parsed["paymentSession"]["availableLimits"]["newLimit"] = 1

    boto_client.meta.events.register(
        "after-call.bedrock-agentcore.GetPaymentSession", add_future_fields
    )
    plus_two = timezone(timedelta(hours=2))
    stubber.add_response(
        "get_payment_session",
        {
            "paymentSession": wire.session(
                createdAt=NOW.astimezone(plus_two),
                limits=LIMITS,
                availableLimits=AVAILABLE,
            )
        },
        {"paymentManagerArn": ARN, "paymentSessionId": wire.session_id},
    )
    session = payments.get_payment_session(wire.session_id)
    assert session.created_at == wire.now
    assert session.created_at.utcoffset() == timedelta(0)
    assert session.client_token is None
    assert not hasattr(session, "anotherNewField")


def test_list_follows_next_token_across_pages(payments, stubber, sent, wire):
    ids = [f"payment-session-{n:015d}" for n in range(5)]
    pages = [(ids[0:2], "t1"), (ids[2:4], "t2"), (ids[4:], None)]
    previous = None
    for chunk, next_token in pages:
        page: dict[str, Any] = {
            "paymentSessions": [wire.session(paymentSessionId=i) for i in chunk]
        }
        if next_token:
            page["nextToken"] = next_token
        expected = {"paymentManagerArn": ARN, "maxResults": 2, "userId": "u"}
        if previous:
            expected["nextToken"] = previous
        stubber.add_response("list_payment_sessions", page, expected)
        previous = next_token
    summaries = list(payments.list_payment_sessions(page_size=2, user_id="u"))
    assert [s.payment_session_id for s in summaries] == ids
    assert all(isinstance(s, PaymentSessionSummary) for s in summaries)
    assert summaries[0].expires_at == wire.now + timedelta(minutes=60)
    assert len(sent) == 3
    stubber.assert_no_pending_responses()


def test_list_checks_arguments_before_iteration(payments, rejects):
    rejects(lambda: payments.list_payment_sessions(page_size=0), "page_size")


def test_delete_returns_the_status(payments, stubber, wire):
    stubber.add_response(
        "delete_payment_session",
        {"status": "DELETED"},
        {"paymentManagerArn": ARN, "paymentSessionId": wire.session_id},
    )
    assert payments.delete_payment_session(wire.session_id) == "DELETED"


def _queue_create_and_delete(stubber, wire, delete_error: str | None = None) -> None:
    stubber.add_response(
        "create_payment_session",
        {"paymentSession": wire.session(limits=LIMITS)},
        {"paymentManagerArn": ARN, "expiryTimeInMinutes": 30, "limits": LIMITS, "clientToken": ANY},
    )
    delete_params = {"paymentManagerArn": ARN, "paymentSessionId": wire.session_id}
    if delete_error is None:
        stubber.add_response("delete_payment_session", {"status": "DELETED"}, delete_params)
    else:
        status = {"ResourceNotFoundException": 404, "AccessDeniedException": 403}[delete_error]
        stubber.add_client_error(
            "delete_payment_session", delete_error, "no", status, expected_params=delete_params
        )


def test_context_manager_deletes_on_success(payments, stubber, sent, wire):
    _queue_create_and_delete(stubber, wire)
    with payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")) as s:
        assert s.payment_session_id == wire.session_id
        assert [op for op, _ in sent] == ["CreatePaymentSession"]
    assert [op for op, _ in sent] == ["CreatePaymentSession", "DeletePaymentSession"]
    stubber.assert_no_pending_responses()


def test_context_manager_deletes_when_the_block_raises(payments, stubber, sent, wire):
    _queue_create_and_delete(stubber, wire)
    with (
        pytest.raises(LookupError, match="from the block"),
        payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")),
    ):
        raise LookupError("from the block")
    assert [op for op, _ in sent] == ["CreatePaymentSession", "DeletePaymentSession"]
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("body_raises", [False, True])
def test_context_manager_ignores_a_session_already_gone(payments, stubber, wire, body_raises):
    _queue_create_and_delete(stubber, wire, "ResourceNotFoundException")
    if body_raises:
        with (
            pytest.raises(KeyError),
            payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")),
        ):
            raise KeyError("body")
    else:
        with payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")):
            pass
    stubber.assert_no_pending_responses()


def test_a_failed_delete_does_not_mask_the_block_error(payments, stubber, wire, caplog):
    _queue_create_and_delete(stubber, wire, "AccessDeniedException")
    with (
        pytest.raises(RuntimeError, match="the real problem") as caught,
        payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")),
    ):
        raise RuntimeError("the real problem")
    notes = getattr(caught.value, "__notes__", [])
    assert any("DeletePaymentSession" in note for note in notes)
    assert "could not delete payment session" in caplog.text
    stubber.assert_no_pending_responses()


def test_a_failed_delete_after_a_clean_block_is_raised(payments, stubber, wire):
    _queue_create_and_delete(stubber, wire, "AccessDeniedException")
    with (
        pytest.raises(AccessDeniedError) as caught,
        payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("5.00")),
    ):
        pass
    assert caught.value.operation == "DeletePaymentSession"


def _session(created_at: str = "2026-11-23T10:00:00Z", **wire: Any) -> PaymentSession:
    return PaymentSession.from_wire(
        {
            "paymentSessionId": "payment-session-abcdefghij12345",
            "paymentManagerArn": ARN,
            "userId": "u",
            "expiryTimeInMinutes": 15,
            "createdAt": created_at,
            "updatedAt": created_at,
            **wire,
        }
    )


def test_is_expired_uses_the_client_clock(payments, stubber, clock, wire):
    stubber.add_response(
        "get_payment_session",
        {"paymentSession": wire.session(expiryTimeInMinutes=15)},
        {"paymentManagerArn": ARN, "paymentSessionId": wire.session_id},
    )
    session = payments.get_payment_session(wire.session_id)
    assert not session.is_expired()
    clock.advance(15 * 60 - 1)
    assert not session.is_expired()
    clock.advance(1)
    assert session.is_expired()


def test_is_expired_with_an_explicit_time():
    session = _session()
    assert session.expires_at == datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc)
    assert session.is_expired(datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc))
    one_hour_east = timezone(timedelta(hours=1))
    assert not session.is_expired(datetime(2026, 11, 23, 11, 14, tzinfo=one_hour_east))
    with pytest.raises(InvalidInputError) as caught:
        session.is_expired(datetime(2026, 11, 23, 10, 0))
    assert caught.value.field == "now"


def test_is_expired_without_a_clock_reads_the_current_time():
    assert _session(created_at="2020-01-01T00:00:00Z").is_expired()


def test_spent_is_exact_and_timestamps_may_be_strings_or_epochs():
    session = _session(
        created_at="1795428000",
        limits={"maxSpendAmount": {"value": "0.30", "currency": "USD"}},
        availableLimits={"availableSpendAmount": {"value": "0.10", "currency": "USD"}},
    )
    assert session.spent == Money.usd("0.20")
    assert session.spent is not None and session.spent.amount == Decimal("0.20")
    assert session.created_at == datetime.fromtimestamp(1795428000, tz=timezone.utc)


# -- input rules: each names the field and nothing is sent ---------------------------


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (14, "greater than or equal to 15"),
        (481, "less than or equal to 480"),
        ("60", "valid integer"),
        (True, "valid integer"),
        (60.0, "valid integer"),
    ],
)
def test_expiry_is_checked(payments, rejects, value, rule):
    rejects(
        lambda: payments.create_payment_session(expiry_time_in_minutes=value),
        "expiry_time_in_minutes",
        rule=rule,
        shows=str(value),
    )


def test_max_spend_must_not_be_negative(payments, rejects):
    rejects(
        lambda: payments.create_payment_session(
            expiry_time_in_minutes=60, max_spend=Money.usd("-0.01")
        ),
        "max_spend",
        rule="must not be negative",
        shows="-0.01 USD",
    )


@pytest.mark.parametrize(
    "value",
    [
        5.0,
        "5.00",
        {"amount": "5", "currency": "EUR"},
        {"amount": "NaN", "currency": "USD"},
        Money.model_construct(amount=Decimal(5), currency="EUR"),  # a Money built unchecked
    ],
)
def test_max_spend_must_be_usd_money(payments, rejects, value):
    rejects(
        lambda: payments.create_payment_session(expiry_time_in_minutes=60, max_spend=value),
        "max_spend",
    )


@pytest.mark.parametrize(
    "session_id",
    [
        "payment-session-abcdefghij1234",  # 30 characters
        "payment-session-abcdefghij123456",  # 32 characters
        "payment-sessionX-bcdefghij12345",
        "payment-session-abcdefghij_2345",
        "",
    ],
)
def test_session_id_pattern_is_checked_for_get_and_delete(payments, rejects, session_id):
    rejects(
        lambda: payments.get_payment_session(session_id),
        "payment_session_id",
        shows=repr(session_id),
    )
    rejects(lambda: payments.delete_payment_session(session_id), "payment_session_id")


def test_user_id_and_agent_name_lengths_are_checked(payments, rejects):
    rejects(
        lambda: payments.create_payment_session(expiry_time_in_minutes=60, user_id="u" * 121),
        "user_id",
        rule="0..120 characters",
    )
    rejects(
        lambda: payments.get_payment_session(
            "payment-session-abcdefghij12345", agent_name="a" * 257
        ),
        "agent_name",
        rule="0..256 characters",
    )


@pytest.mark.parametrize(
    "token", ["short-token", "a" * 257, "has_underscore_" + "x" * 30, "-leading-hyphen-" + "x" * 30]
)
def test_client_token_is_checked(payments, rejects, token):
    rejects(
        lambda: payments.create_payment_session(expiry_time_in_minutes=60, client_token=token),
        "client_token",
    )
