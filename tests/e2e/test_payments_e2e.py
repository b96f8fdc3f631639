"""PaymentsClient end to end: real boto3 client, emulator over HTTP, fake clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from agentcore_billing import (
    ConflictError,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    Money,
    PaymentResult,
    PaymentsClient,
    ResourceNotFoundError,
    RetryPolicy,
    ServiceQuotaExceededError,
    ServiceValidationError,
    TransportError,
    new_client_token,
)
from agentcore_billing.emulator import Emulator, FaultConfig, FaultKind
from agentcore_billing.testing import ManualClock

from .support import fail_first_attempt, mpp, of, x402

DROP = FaultConfig(drop_after_commit_rate=1.0)


# -- sessions: lifecycle, paging, context manager --------------------------------------


def test_session_lifecycle_create_get_list_in_pages_delete(
    payments: PaymentsClient, emu: Emulator, clock: ManualClock
) -> None:
    created = []
    for _ in range(7):
        created.append(
            payments.create_payment_session(expiry_time_in_minutes=60, max_spend=Money.usd("5"))
        )
        clock.advance(1)  # distinct createdAt: the service lists in creation order

    first = created[0]
    assert first.client_token is not None
    assert first.available_spend == first.max_spend == Money.usd("5")
    assert first.spent == Money.usd("0")

    fetched = payments.get_payment_session(first.payment_session_id)
    assert fetched.payment_session_id == first.payment_session_id
    assert fetched.created_at == first.created_at
    assert fetched.expires_at == first.created_at + timedelta(minutes=60)
    assert fetched.max_spend == Money.usd("5")
    assert fetched.client_token is None  # only the creating call knows the token

    listed = list(payments.list_payment_sessions(page_size=3))
    assert [s.payment_session_id for s in listed] == [s.payment_session_id for s in created]
    pages = of(emu, "ListPaymentSessions")
    assert len(pages) == 3  # 3 + 3 + 1
    assert [p.params.get("maxResults") for p in pages] == [3, 3, 3]
    assert "nextToken" not in pages[0].params
    assert all("nextToken" in p.params for p in pages[1:])

    assert payments.delete_payment_session(first.payment_session_id) == "DELETED"
    with pytest.raises(ResourceNotFoundError) as gone:
        payments.get_payment_session(first.payment_session_id)
    assert gone.value.http_status == 404
    assert gone.value.request_id
    remaining = {s.payment_session_id for s in payments.list_payment_sessions(page_size=3)}
    assert remaining == {s.payment_session_id for s in created[1:]}
    assert {s.payment_session_id for s in emu.sessions()} == remaining


def test_payment_session_context_manager_deletes_on_exit(
    payments: PaymentsClient, emu: Emulator
) -> None:
    with payments.payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("1")) as session:
        assert [s.payment_session_id for s in emu.sessions()] == [session.payment_session_id]
    assert emu.sessions() == ()
    deletes = of(emu, "DeletePaymentSession")
    assert [d.params["paymentSessionId"] for d in deletes] == [session.payment_session_id]


def test_payment_session_context_manager_deletes_when_the_block_raises(
    payments: PaymentsClient, emu: Emulator
) -> None:
    class BlockFailedError(Exception):
        pass

    with pytest.raises(BlockFailedError), payments.payment_session(expiry_time_in_minutes=30):
        assert len(emu.sessions()) == 1
        raise BlockFailedError
    assert emu.sessions() == ()
    assert [r.status for r in of(emu, "DeletePaymentSession")] == [200]


def test_payment_session_context_manager_tolerates_a_session_already_gone(
    payments: PaymentsClient, emu: Emulator
) -> None:
    with payments.payment_session(expiry_time_in_minutes=30) as session:
        payments.delete_payment_session(session.payment_session_id)
    # The exit's delete got ResourceNotFoundException and swallowed it.
    assert [r.error_code for r in of(emu, "DeletePaymentSession")] == [
        None,
        "ResourceNotFoundException",
    ]


# -- budgets and expiry -----------------------------------------------------------------


def test_budgeted_session_x402_and_mpp_payments_spend_down_and_overspend_is_refused(
    payments: PaymentsClient, emu: Emulator
) -> None:
    assert emu.demo is not None
    instrument = emu.demo.payment_instrument_id
    session = payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=Money.usd("1.00")
    )
    sid = session.payment_session_id

    paid_x402 = payments.process_payment(
        payment_session_id=sid, payment_instrument_id=instrument, payment=x402(250_000)
    )
    assert paid_x402.status == "PROOF_GENERATED"
    assert paid_x402.payment_type == "CRYPTO_X402"
    assert paid_x402.x402 is not None and paid_x402.mpp is None
    proof = paid_x402.x402.payload.get_secret_value()
    assert proof["authorization"]["value"] == "250000"
    after_x402 = payments.get_payment_session(sid)
    assert after_x402.available_spend == Money.usd("0.75")
    assert after_x402.spent == Money.usd("0.25")

    paid_mpp = payments.process_payment(
        payment_session_id=sid, payment_instrument_id=instrument, payment=mpp(50)
    )
    assert paid_mpp.mpp is not None and paid_mpp.x402 is None
    assert paid_mpp.mpp.selected_payment_id == "ch-1"
    assert paid_mpp.mpp.payment_credential.get_secret_value().startswith("Payment ")
    after_mpp = payments.get_payment_session(sid)
    assert after_mpp.available_spend == Money.usd("0.25")
    assert after_mpp.spent == Money.usd("0.75")

    with pytest.raises(ServiceQuotaExceededError) as refused:
        payments.process_payment(
            payment_session_id=sid, payment_instrument_id=instrument, payment=x402(300_000)
        )
    error = refused.value
    assert error.code == "ServiceQuotaExceededException"
    assert error.http_status == 402
    assert error.retryable is False
    assert error.client_token is not None
    assert not error.outcome_unknown
    # Not retried, nothing charged: one request with that token, two payments in all.
    assert [r.client_token for r in of(emu, "ProcessPayment")].count(error.client_token) == 1
    assert [p.amount for p in emu.payments()] == [Decimal("0.25"), Decimal("0.5")]
    assert [p.client_token for p in emu.payments()] == [
        paid_x402.client_token,
        paid_mpp.client_token,
    ]
    assert payments.get_payment_session(sid).available_spend == Money.usd("0.25")

    # The exact remainder is still payable.
    payments.process_payment(
        payment_session_id=sid, payment_instrument_id=instrument, payment=x402(250_000, "2")
    )
    assert payments.get_payment_session(sid).available_spend == Money.usd("0")


def test_expired_session_refuses_payment(
    payments: PaymentsClient, emu: Emulator, clock: ManualClock
) -> None:
    assert emu.demo is not None
    session = payments.create_payment_session(expiry_time_in_minutes=15, max_spend=Money.usd("1"))
    assert not session.is_expired()

    clock.advance(15 * 60)  # the emulator's clock and the client's are the same clock
    assert session.is_expired()
    with pytest.raises(ServiceValidationError) as refused:
        payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=emu.demo.payment_instrument_id,
            payment=x402(1_000),
        )
    assert "expired" in refused.value.message
    assert emu.payments() == ()
    assert payments.get_payment_session(session.payment_session_id).available_spend == (
        Money.usd("1")
    )


# -- idempotency ------------------------------------------------------------------------


def test_same_client_token_replays_one_session_and_one_payment(
    payments: PaymentsClient, emu: Emulator
) -> None:
    assert emu.demo is not None
    token = new_client_token()
    first = payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=Money.usd("2"), client_token=token
    )
    again = payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=Money.usd("2"), client_token=token
    )
    assert again == first
    assert again.client_token == token
    assert len(emu.sessions()) == 1

    pay_token = new_client_token()

    def pay() -> object:
        return payments.process_payment(
            payment_session_id=first.payment_session_id,
            payment_instrument_id=emu.demo.payment_instrument_id,  # type: ignore[union-attr]
            payment=x402(400_000),
            client_token=pay_token,
        )

    assert pay() == pay()
    assert len(emu.payments()) == 1
    assert payments.get_payment_session(first.payment_session_id).spent == Money.usd("0.4")


def test_same_client_token_with_other_parameters_is_a_conflict(
    payments: PaymentsClient, emu: Emulator
) -> None:
    token = new_client_token()
    payments.create_payment_session(expiry_time_in_minutes=60, client_token=token)
    with pytest.raises(ConflictError) as conflict:
        payments.create_payment_session(expiry_time_in_minutes=90, client_token=token)
    assert conflict.value.http_status == 409
    assert conflict.value.client_token == token
    assert len(emu.sessions()) == 1
    assert len(of(emu, "CreatePaymentSession")) == 2  # a conflict is never retried


@pytest.mark.parametrize("operation", ["CreatePaymentSession", "ProcessPayment"])
def test_commit_then_drop_is_replayed_with_the_same_token_into_one_resource(
    operation: str, payments: PaymentsClient, emu: Emulator
) -> None:
    assert emu.demo is not None
    session = None
    if operation == "ProcessPayment":
        session = payments.create_payment_session(
            expiry_time_in_minutes=60, max_spend=Money.usd("1")
        )
    fail_first_attempt(payments.client, emu, operation, DROP)

    if session is None:
        made = payments.create_payment_session(expiry_time_in_minutes=60)
        token = made.client_token
        assert [s.payment_session_id for s in emu.sessions()] == [made.payment_session_id]
    else:
        paid = payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=emu.demo.payment_instrument_id,
            payment=x402(100_000),
        )
        token = paid.client_token
        assert [p.process_payment_id for p in emu.payments()] == [paid.process_payment_id]
        charged = payments.get_payment_session(session.payment_session_id)
        assert charged.available_spend == Money.usd("0.9")  # debited once

    attempts = of(emu, operation)
    assert [a.fault for a in attempts] == [FaultKind.DROP_AFTER_COMMIT, None]
    assert [a.committed for a in attempts] == [True, True]
    assert attempts[0].status is None  # the answer never left the emulator
    assert attempts[1].status in (200, 201)
    assert {a.client_token for a in attempts} == {token}
    assert emu.counts()[operation] == {"dropped": 1, "ok": 1}


def test_outcome_unknown_error_carries_the_token_that_completes_the_payment_once(
    make_payments: Callable[..., PaymentsClient], emu: Emulator
) -> None:
    assert emu.demo is not None
    payments = make_payments(emu, retry=RetryPolicy(max_attempts=3, initial_delay=0.001))
    session = payments.create_payment_session(expiry_time_in_minutes=60, max_spend=Money.usd("1"))
    emu.set_faults({"ProcessPayment": DROP})  # every answer is lost

    def pay(client_token: str | None = None) -> PaymentResult:
        return payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=emu.demo.payment_instrument_id,  # type: ignore[union-attr]
            payment=mpp(30),
            client_token=client_token,
        )

    with pytest.raises(TransportError) as lost:
        pay()
    error = lost.value
    assert error.outcome_unknown
    assert error.client_token is not None
    assert error.client_token in str(error)  # the message says how to finish the call
    assert [r.client_token for r in of(emu, "ProcessPayment")] == [error.client_token] * 3
    assert len(emu.payments()) == 1  # three attempts, one charge

    emu.set_faults()
    replayed = pay(client_token=error.client_token)
    assert [p.process_payment_id for p in emu.payments()] == [replayed.process_payment_id]
    assert replayed.client_token == error.client_token
    assert payments.get_payment_session(session.payment_session_id).spent == Money.usd("0.3")


def test_delete_whose_answer_was_dropped_is_reported_deleted(
    payments: PaymentsClient, emu: Emulator
) -> None:
    session = payments.create_payment_session(expiry_time_in_minutes=60)
    fail_first_attempt(payments.client, emu, "DeletePaymentSession", DROP)
    assert payments.delete_payment_session(session.payment_session_id) == "DELETED"
    assert emu.sessions() == ()
    assert [r.error_code for r in of(emu, "DeletePaymentSession")] == [
        None,
        "ResourceNotFoundException",
    ]


# -- instruments ------------------------------------------------------------------------


def test_instrument_create_get_list_balance_delete(
    payments: PaymentsClient, emu: Emulator, clock: ManualClock
) -> None:
    assert emu.demo is not None
    connector = emu.demo.payment_connector_id
    clock.advance(1)  # created after the demo wallet: listed after it
    created = payments.create_payment_instrument(
        payment_connector_id=connector,
        details=EmbeddedCryptoWallet(
            network="SOLANA",
            linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")],
        ),
    )
    iid = created.payment_instrument_id
    assert created.status == "ACTIVE"
    assert created.client_token is not None
    assert created.wallet is not None and created.wallet.wallet_address
    assert created.wallet.linked_accounts[0].kind == "email"

    fetched = payments.get_payment_instrument(iid, payment_connector_id=connector)
    assert fetched.wallet is not None
    assert fetched.wallet.wallet_address == created.wallet.wallet_address
    assert fetched.wallet.network == "SOLANA"

    listed = list(payments.list_payment_instruments(page_size=1))
    assert [i.payment_instrument_id for i in listed] == [emu.demo.payment_instrument_id, iid]
    assert len(of(emu, "ListPaymentInstruments")) == 2

    balance = payments.get_payment_instrument_balance(
        iid, payment_connector_id=connector, chain="SOLANA"
    )
    assert (balance.decimal_amount, balance.token, balance.chain) == (
        Decimal("100"),
        "USDC",
        "SOLANA",
    )
    emu.set_instrument_balance(iid, 1_234_567)
    balance = payments.get_payment_instrument_balance(
        iid, payment_connector_id=connector, chain="SOLANA_DEVNET"
    )
    assert balance.decimal_amount == Decimal("1.234567")
    with pytest.raises(ServiceValidationError):
        payments.get_payment_instrument_balance(iid, payment_connector_id=connector, chain="BASE")

    assert payments.delete_payment_instrument(iid, payment_connector_id=connector) == "DELETED"
    assert payments.get_payment_instrument(iid).status == "DELETED"  # soft delete
    with pytest.raises(ResourceNotFoundError):
        payments.get_payment_instrument_balance(iid, payment_connector_id=connector, chain="SOLANA")
    session = payments.create_payment_session(expiry_time_in_minutes=60)
    with pytest.raises(ServiceValidationError):
        payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=iid,
            payment=x402(1),
        )
    assert emu.payments() == ()


def test_instrument_create_replayed_after_a_dropped_answer_is_one_instrument(
    payments: PaymentsClient, emu: Emulator, make_payments: Callable[..., PaymentsClient]
) -> None:
    assert emu.demo is not None
    before = len(emu.instruments())
    fail_first_attempt(payments.client, emu, "CreatePaymentInstrument", DROP)
    created = payments.create_payment_instrument(
        payment_connector_id=emu.demo.payment_connector_id,
        details=EmbeddedCryptoWallet(
            network="ETHEREUM",
            linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")],
        ),
    )
    assert len(emu.instruments()) == before + 1
    attempts = of(emu, "CreatePaymentInstrument")
    assert [a.client_token for a in attempts] == [created.client_token] * 2
    # Another user does not see it: instruments are scoped to their user.
    stranger = make_payments(emu, user_id="someone-else")
    with pytest.raises(ResourceNotFoundError):
        stranger.get_payment_instrument(created.payment_instrument_id)


def test_a_session_whose_create_answer_was_lost_is_deleted_before_the_error(
    emu: Emulator, make_payments: Callable[..., PaymentsClient]
) -> None:
    payments = make_payments(emu, retry=RetryPolicy.none())
    before = {s.payment_session_id for s in payments.list_payment_sessions()}
    drop = FaultConfig(drop_after_commit_rate=1.0)
    fail_first_attempt(payments.client, emu, "CreatePaymentSession", drop)
    entered = []
    with (
        pytest.raises(TransportError) as caught,
        payments.payment_session(expiry_time_in_minutes=480, max_spend=Money.usd("5")),
    ):
        entered.append(True)
    assert entered == []
    assert caught.value.outcome_unknown
    creates = of(emu, "CreatePaymentSession")
    assert len(creates) == 2  # the lost attempt, then the replay with the same token
    assert creates[0].client_token == creates[1].client_token == caught.value.client_token
    [deleted] = of(emu, "DeletePaymentSession")
    assert deleted.status == 200
    assert {s.payment_session_id for s in payments.list_payment_sessions()} == before


def test_a_delete_whose_answer_was_lost_is_flagged_outcome_unknown(
    emu: Emulator, make_payments: Callable[..., PaymentsClient]
) -> None:
    payments = make_payments(emu, retry=RetryPolicy.none())
    session = payments.create_payment_session(expiry_time_in_minutes=30)
    drop = FaultConfig(drop_after_commit_rate=1.0)
    fail_first_attempt(payments.client, emu, "DeletePaymentSession", drop)
    with pytest.raises(TransportError) as caught:
        payments.delete_payment_session(session.payment_session_id)
    assert caught.value.outcome_unknown and caught.value.client_token is None
    assert str(caught.value).endswith(
        "the outcome is unknown: the request may have taken effect unanswered"
    )
    with pytest.raises(ResourceNotFoundError):  # it was deleted, though unanswered
        payments.get_payment_session(session.payment_session_id)
