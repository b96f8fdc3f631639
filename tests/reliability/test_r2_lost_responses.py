"""R2: answers lost after the service committed, plus throttling, 5xx and resets.

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
    Money,
    MppPayment,
    ServiceError,
    ServiceQuotaExceededError,
    X402Payment,
    client_token_from_key,
    new_client_token,
)
from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig, RequestRecord

from ._payloads import mpp, x402
from ._support import (
    CONNECTOR_ID,
    MANAGER_ARN,
    NOW,
    FakeTime,
    fault_counts,
    metering_client,
    payments_client,
)

pytestmark = pytest.mark.reliability

SEED = 424242
USER = "rely-user-r2"
LOSSY = FaultConfig(
    drop_after_commit_rate=0.20, throttle_rate=0.10, error_rate=0.03, reset_rate=0.02
)
SESSIONS = 320
PAYMENTS = 320
METERINGS = 320
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
    faults = {op: LOSSY for op in ("CreatePaymentSession", "ProcessPayment", "MeterUsage")}
    return Emulator(seed=SEED, clock=fake.now, quotas=NO_QUOTAS, faults=faults)


def _figures_of(calls: Sequence[Call[Any]]) -> dict[str, Any]:
    requests = [r for call in calls for r in call.requests]
    return {
        "calls": len(calls),
        "requests": len(requests),
        "faults": fault_counts(requests),
        "replays": sum(call.replays for call in calls),
    }


def test_r2_sessions_and_payments_exactly_once(figures: Any) -> None:
    fake = FakeTime()
    started = time.perf_counter()
    with _emulator(fake) as emu:
        instrument = emu.add_payment_instrument(
            payment_manager_arn=MANAGER_ARN, payment_connector_id=CONNECTOR_ID, user_id=USER
        ).payment_instrument_id
        payments = payments_client(emu, fake, user_id=USER, seed=SEED)

        session_calls = []
        for index in range(SESSIONS):
            cap = CAP if index % 4 else None

            def create(token: str | None, cap: Money | None = cap) -> Any:
                return payments.create_payment_session(
                    expiry_time_in_minutes=60, max_spend=cap, client_token=token
                )

            call = logical_call(emu, create, _token_choice(index, "session"))
            _check_one_token(call, "CreatePaymentSession")
            assert not isinstance(call.outcome, ServiceError), call.outcome
            assert call.outcome.client_token == call.token
            session_calls.append(call)

        capped = [c.outcome for c in session_calls if c.outcome.max_spend is not None]
        payment_calls = []
        expected_paid: Counter[str] = Counter()
        for index in range(PAYMENTS):
            session = capped[index // PAYMENTS_PER_SESSION]
            payment: X402Payment | MppPayment = (
                x402(PRICE_ATOMIC) if index % 2 else mpp(PRICE_ATOMIC, challenge_id=f"c-{index}")
            )

            def pay(token: str | None, session_id: str = session.payment_session_id,
                    payment: X402Payment | MppPayment = payment) -> Any:
                return payments.process_payment(
                    payment_session_id=session_id,
                    payment_instrument_id=instrument,
                    payment=payment,
                    client_token=token,
                )

            call = logical_call(emu, pay, _token_choice(index, "payment"))
            _check_one_token(call, "ProcessPayment")
            if index % PAYMENTS_PER_SESSION == PAYMENTS_PER_SESSION - 1:
                # The fourth 0.03 payment does not fit under a 0.10 cap.
                assert isinstance(call.outcome, ServiceQuotaExceededError), call.outcome
            else:
                assert not isinstance(call.outcome, ServiceError), call.outcome
                assert call.outcome.client_token == call.token
                expected_paid[session.payment_session_id] += 1
            payment_calls.append(call)

        sessions = emu.sessions()
        stored_payments = emu.payments()

    # Exactly one session per logical call, the one the call returned.
    by_token = Counter(s.client_token for s in sessions)
    assert len(sessions) == SESSIONS
    for call in session_calls:
        assert by_token[call.token] == 1
    session_of = {s.client_token: s for s in sessions}
    for call in session_calls:
        assert session_of[call.token].payment_session_id == call.outcome.payment_session_id

    # Exactly one payment per successful call; none for refused ones.
    paid_tokens = Counter(p.client_token for p in stored_payments)
    for call in payment_calls:
        if isinstance(call.outcome, ServiceError):
            assert paid_tokens[call.token] == 0
        else:
            assert paid_tokens[call.token] == 1
            stored = next(p for p in stored_payments if p.client_token == call.token)
            assert stored.process_payment_id == call.outcome.process_payment_id
    assert len(stored_payments) == sum(expected_paid.values())

    # Budgets never negative; each session charged exactly the sum of its payments.
    price = Decimal(PRICE_ATOMIC).scaleb(-6)
    charged: Counter[str] = Counter()
    for stored in stored_payments:
        charged[stored.payment_session_id] += 1
        assert stored.amount == price
    for snapshot in sessions:
        if snapshot.max_spend is None:
            assert snapshot.available_spend is None
            continue
        assert snapshot.available_spend is not None and snapshot.available_spend >= 0
        spent = snapshot.max_spend - snapshot.available_spend
        assert spent == price * charged[snapshot.payment_session_id]
        assert charged[snapshot.payment_session_id] == expected_paid[snapshot.payment_session_id]

    faults_sessions = _figures_of(session_calls)
    faults_payments = _figures_of(payment_calls)
    assert faults_sessions["faults"].get("drop_after_commit")
    assert faults_payments["faults"].get("drop_after_commit")
    figures.add(
        sessions=faults_sessions,
        payments=faults_payments,
        payments_refused_over_budget=sum(isinstance(c.outcome, ServiceError) for c in payment_calls),
        min_available_usd=str(min(s.available_spend for s in sessions if s.available_spend is not None)),
        fake_seconds_slept=round(fake.slept, 3),
        wall_seconds=round(time.perf_counter() - started, 2),
    )


def test_r2_meter_usage_exactly_once(figures: Any) -> None:
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
