"""Answers lost after the service committed, plus throttling, 5xx and resets.

The emulator applies a share of CreatePaymentSession, ProcessPayment and MeterUsage
requests and then closes the connection without answering. Invariants: exactly one
session, payment or metering record per logical call (counted by client token in the
emulator's state); every attempt of a call carried the same client token; budgets
never go negative and each session was charged exactly what its payments add up to.
A call that still fails after its retry budget is replayed with the token its error
carries, the documented recovery; that must not create a second anything either.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pytest

from agentcore_billing import (
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    Money,
    MppPayment,
    PaymentsClient,
    PaymentSession,
    ServiceError,
    ServiceQuotaExceededError,
    X402Payment,
    client_token_from_key,
    new_client_token,
)
from agentcore_billing.emulator import (
    NO_QUOTAS,
    Emulator,
    FaultConfig,
    PaymentRecord,
    RequestRecord,
    SessionSnapshot,
)
from tests.support.emulated import (
    CONNECTOR_ID,
    MANAGER_ARN,
    NOW,
    FakeTime,
    fault_counts,
    metering_client,
    payments_client,
)
from tests.support.payloads import mpp, x402

pytestmark = pytest.mark.reliability

SEED = 424242
USER = "rely-user-r2"
LOSSY = FaultConfig(
    drop_after_commit_rate=0.20, throttle_rate=0.10, error_rate=0.03, reset_rate=0.02
)
SESSIONS = 320
PAYMENTS = 320
METERINGS = 320
INSTRUMENTS = 150
CAP = Money.usd("0.10")
PRICE_ATOMIC = 30_000  # 0.03 USD in 6-decimal stablecoin units: three fit under the cap
PAYMENTS_PER_SESSION = 4
CONTAINER_PRODUCT = "rely-container-product"
MAX_REPLAYS = 3

T = TypeVar("T")


@dataclass
class Call(Generic[T]):
    """One logical call: its final result or error, and every request it caused."""

    outcome: T | ServiceError
    token: str
    requests: Sequence[RequestRecord]
    replays: int


def logical_call(emu: Emulator, call: Callable[[str | None], T], token: str | None) -> Call[T]:
    """Run ``call`` once; replay it with the error's token while the outcome is unknown."""
    before = len(emu.requests())
    sent = token
    outcome: T | ServiceError
    replays = 0
    while True:
        try:
            outcome = call(sent)
        except ServiceError as err:
            assert err.client_token is not None, f"{err!r} carries no client token"
            if sent is not None:
                assert err.client_token == sent
            sent, outcome = err.client_token, err
            if not (err.retryable or err.outcome_unknown) or replays == MAX_REPLAYS:
                break
            replays += 1
        else:
            returned = getattr(outcome, "client_token", None)
            assert returned is not None and (sent is None or returned == sent)
            sent = returned
            break
    return Call(outcome, str(sent), emu.requests()[before:], replays)


def _check_one_token(call: Call[Any], operation: str) -> None:
    assert call.requests, "a logical call sent nothing"
    assert {r.operation for r in call.requests} == {operation}
    tokens = {r.client_token for r in call.requests}
    assert tokens == {call.token}, f"attempts of one call carried tokens {tokens}"


def _token_choice(index: int, key: str) -> str | None:
    """Mix minted tokens, caller tokens and tokens derived from an idempotency key."""
    return (None, new_client_token(), client_token_from_key(f"{key}-{index}"))[index % 3]


def _emulator(fake: FakeTime) -> Emulator:
    faults = dict.fromkeys(("CreatePaymentSession", "ProcessPayment", "MeterUsage"), LOSSY)
    return Emulator(seed=SEED, clock=fake.now, quotas=NO_QUOTAS, faults=faults)


def _figures_of(calls: Sequence[Call[Any]]) -> dict[str, Any]:
    requests = [r for call in calls for r in call.requests]
    return {
        "calls": len(calls),
        "requests": len(requests),
        "faults": fault_counts(requests),
        "replays": sum(call.replays for call in calls),
    }


def _create_sessions(emu: Emulator, payments: PaymentsClient) -> list[Call[Any]]:
    calls = []
    for index in range(SESSIONS):
        cap = CAP if index % 4 else None

        def create(token: str | None, cap: Money | None = cap) -> Any:
            return payments.create_payment_session(
                expiry_time_in_minutes=60, max_spend=cap, client_token=token
            )

        call = logical_call(emu, create, _token_choice(index, "session"))
        _check_one_token(call, "CreatePaymentSession")
        assert not isinstance(call.outcome, ServiceError), call.outcome
        calls.append(call)
    return calls


def _pay(
    emu: Emulator, payments: PaymentsClient, sessions: Sequence[PaymentSession], instrument: str
) -> tuple[list[Call[Any]], Counter[str]]:
    """Four 0.03 payments per 0.10 session: three fit, the fourth is refused (402)."""
    calls = []
    paid: Counter[str] = Counter()
    for index in range(PAYMENTS):
        session = sessions[index // PAYMENTS_PER_SESSION]
        payment: X402Payment | MppPayment = (
            x402(PRICE_ATOMIC) if index % 2 else mpp(PRICE_ATOMIC, challenge_id=f"c-{index}")
        )

        def pay(
            token: str | None,
            session_id: str = session.payment_session_id,
            payment: X402Payment | MppPayment = payment,
        ) -> Any:
            return payments.process_payment(
                payment_session_id=session_id,
                payment_instrument_id=instrument,
                payment=payment,
                client_token=token,
            )

        call = logical_call(emu, pay, _token_choice(index, "payment"))
        _check_one_token(call, "ProcessPayment")
        if index % PAYMENTS_PER_SESSION == PAYMENTS_PER_SESSION - 1:
            assert isinstance(call.outcome, ServiceQuotaExceededError), call.outcome
        else:
            assert not isinstance(call.outcome, ServiceError), call.outcome
            paid[session.payment_session_id] += 1
        calls.append(call)
    return calls, paid


def _check_budgets(
    sessions: Sequence[SessionSnapshot], stored: Sequence[PaymentRecord], paid: Counter[str]
) -> None:
    """Budgets never negative; each session charged exactly the sum of its payments."""
    price = Decimal(PRICE_ATOMIC).scaleb(-6)
    charged = Counter(record.payment_session_id for record in stored)
    assert {record.amount for record in stored} == {price}
    for snapshot in sessions:
        if snapshot.max_spend is None:
            assert snapshot.available_spend is None
            continue
        assert snapshot.available_spend is not None and snapshot.available_spend >= 0
        assert (
            snapshot.max_spend - snapshot.available_spend
            == price * charged[snapshot.payment_session_id]
        )
        assert charged[snapshot.payment_session_id] == paid[snapshot.payment_session_id]


def test_sessions_and_payments_exactly_once(figures: Any) -> None:
    fake = FakeTime()
    started = time.perf_counter()
    with _emulator(fake) as emu:
        instrument = emu.add_payment_instrument(
            payment_manager_arn=MANAGER_ARN, payment_connector_id=CONNECTOR_ID, user_id=USER
        ).payment_instrument_id
        payments = payments_client(emu, fake, user_id=USER, seed=SEED)
        session_calls = _create_sessions(emu, payments)
        capped = [c.outcome for c in session_calls if c.outcome.max_spend is not None]
        payment_calls, paid = _pay(emu, payments, capped, instrument)
        sessions = emu.sessions()
        stored_payments = emu.payments()

    # Exactly one session per logical call, the one the call returned.
    assert len(sessions) == SESSIONS
    session_of = {s.client_token: s for s in sessions}
    assert len(session_of) == SESSIONS
    for call in session_calls:
        assert session_of[call.token].payment_session_id == call.outcome.payment_session_id

    # Exactly one payment per successful call; none for refused ones.
    payment_of = {p.client_token: p for p in stored_payments}
    assert len(payment_of) == len(stored_payments) == sum(paid.values())
    for call in payment_calls:
        if isinstance(call.outcome, ServiceError):
            assert call.token not in payment_of
        else:
            assert payment_of[call.token].process_payment_id == call.outcome.process_payment_id
    _check_budgets(sessions, stored_payments, paid)

    summary_sessions = _figures_of(session_calls)
    summary_payments = _figures_of(payment_calls)
    assert summary_sessions["faults"].get("drop_after_commit")
    assert summary_payments["faults"].get("drop_after_commit")
    available = [s.available_spend for s in sessions if s.available_spend is not None]
    figures.add(
        sessions=summary_sessions,
        payments=summary_payments,
        payments_refused_over_budget=sum(
            isinstance(c.outcome, ServiceError) for c in payment_calls
        ),
        min_available_usd=str(min(available)),
        fake_seconds_slept=round(fake.slept, 3),
        wall_seconds=round(time.perf_counter() - started, 2),
    )


def test_meter_usage_exactly_once(figures: Any) -> None:
    fake = FakeTime()
    started = time.perf_counter()
    with _emulator(fake) as emu:
        emu.add_product(CONTAINER_PRODUCT)
        metering = metering_client(emu, fake, seed=SEED, product_code=CONTAINER_PRODUCT)
        calls = []
        for index in range(METERINGS):
            quantity: int | Decimal = index if index % 2 else Decimal(index) / 8

            def meter(token: str | None, index: int = index, quantity: Any = quantity) -> Any:
                return metering.meter_usage(
                    timestamp=NOW - timedelta(hours=1, seconds=index),
                    dimension=f"dim-{index}",
                    quantity=quantity,
                    client_token=token,
                )

            token = (None, f"meter-token-{index}", client_token_from_key(f"m-{index}"))[index % 3]
            call = logical_call(emu, meter, token)
            _check_one_token(call, "MeterUsage")
            assert not isinstance(call.outcome, ServiceError), call.outcome
            assert call.outcome.client_token == call.token
            calls.append(call)
        accepted = [a for a in emu.accepted_usage_records() if a.operation == "MeterUsage"]

    per_dimension = Counter(a.dimension for a in accepted)
    assert len(accepted) == METERINGS
    assert set(per_dimension.values()) == {1}
    stored = {a.dimension: a.metering_record_id for a in accepted}
    for index, call in enumerate(calls):
        assert call.outcome.metering_record_id == stored[f"dim-{index}"]

    summary = _figures_of(calls)
    assert summary["faults"].get("drop_after_commit")
    figures.add(
        meter_usage=summary,
        metering_records=len(accepted),
        fake_seconds_slept=round(fake.slept, 3),
        wall_seconds=round(time.perf_counter() - started, 2),
    )


def test_instruments_exactly_once(figures: Any) -> None:
    fake = FakeTime()
    with Emulator(
        seed=SEED, clock=fake.now, quotas=NO_QUOTAS, faults={"CreatePaymentInstrument": LOSSY}
    ) as emu:
        payments = payments_client(emu, fake, user_id=USER, seed=SEED)
        calls = []
        for index in range(INSTRUMENTS):
            details = EmbeddedCryptoWallet(
                network=("ETHEREUM", "SOLANA")[index % 2],
                linked_accounts=[EmailLinkedAccount(email_address=f"buyer{index}@example.com")],
            )

            def create(token: str | None, details: EmbeddedCryptoWallet = details) -> Any:
                return payments.create_payment_instrument(
                    payment_connector_id=CONNECTOR_ID, details=details, client_token=token
                )

            call = logical_call(emu, create, _token_choice(index, "instrument"))
            _check_one_token(call, "CreatePaymentInstrument")
            assert not isinstance(call.outcome, ServiceError), call.outcome
            calls.append(call)
        instruments = emu.instruments()

    # Exactly one instrument per logical call: the one the call returned.
    stored = {i.payment_instrument_id for i in instruments}
    assert len(instruments) == INSTRUMENTS == len(stored)
    assert {call.outcome.payment_instrument_id for call in calls} == stored
    summary = _figures_of(calls)
    assert summary["faults"].get("drop_after_commit")
    figures.add(create_payment_instrument=summary, instruments=len(instruments))


def test_resolve_customer_after_a_lost_answer_is_flagged_unknown(figures: Any) -> None:
    """ResolveCustomer has no client token and a registration token redeems once.

    When an attempt's answer is lost, the retry finds the token redeemed
    (ExpiredTokenException). That used to surface as a plain ExpiredTokenError claiming
    the token expired; it must say the outcome is unknown (the lost attempt probably
    redeemed it).
    """
    fake = FakeTime()
    faults = {"ResolveCustomer": FaultConfig(drop_after_commit_rate=0.3)}
    with Emulator(seed=1, clock=fake.now, quotas=NO_QUOTAS, faults=faults) as emu:
        customer = emu.add_customer(
            customer_aws_account_id="111122223333",
            product_code="rely-r2-product",
            license_arn="arn:aws:license-manager::111122223333:license:l-r2",
        )
        metering = metering_client(emu, fake)
        failures = []
        for index in range(40):
            token = f"rely-r2-registration-{index}"
            emu.add_registration_token(token, customer)
            try:
                metering.resolve_customer(token)
            except ServiceError as err:
                failures.append(err)
    assert failures, "no answer was lost"
    assert all(err.outcome_unknown for err in failures), [err.code for err in failures]
    figures.add(
        calls=40, flagged_unknown=len(failures), codes=dict(Counter(err.code for err in failures))
    )
