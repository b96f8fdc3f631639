"""One MeteringClient and one PaymentsClient shared by 8 threads doing mixed work.

Each thread acts for its own user and customer, with its own tokens and quantities,
against an emulator that throttles, fails and loses answers now and then. Invariants:
no exception in any thread; every result matches the inputs of the thread that made
the call (ids, users, amounts, quantities, client tokens); and in the emulator's state
every session, payment and metering record carries the token and the user of the
thread that asked for it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import (
    MeteringClient,
    MeteringOutcome,
    Money,
    PaymentsClient,
    UsageRecord,
    client_token_from_key,
)
from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig
from tests.support.emulated import (
    CONNECTOR_ID,
    JOIN_TIMEOUT,
    MANAGER_ARN,
    NOW,
    FakeTime,
    fault_counts,
    metering_client,
    payments_client,
)
from tests.support.payloads import mpp, x402

pytestmark = pytest.mark.reliability

THREADS = 8
ROUNDS = 12
PRODUCT = "rely-r5-product"
SHAKY = FaultConfig(
    throttle_rate=0.08, error_rate=0.03, drop_after_commit_rate=0.05, latency=0.0005
)


@dataclass
class Worker:
    """What one thread is, and what it did."""

    number: int
    instrument_id: str = ""
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> client token
    payments: dict[str, str] = field(default_factory=dict)  # payment id -> client token
    meterings: dict[str, str] = field(default_factory=dict)  # dimension -> record id
    operations: Counter[str] = field(default_factory=Counter)
    error: BaseException | None = None

    @property
    def user(self) -> str:
        return f"rely-r5-user-{self.number}"

    @property
    def account(self) -> str:
        return f"{555500000000 + self.number:012d}"

    @property
    def license_arn(self) -> str:
        return f"arn:aws:license-manager::{self.account}:license:l-r5-{self.number}"

    @property
    def registration_token(self) -> str:
        return f"rely-r5-registration-{self.number}"

    def cap(self, round_number: int) -> Money:
        return Money.usd(f"{self.number + 1}.{round_number:02d}")


def _session_round(payments: PaymentsClient, me: Worker, n: int) -> None:
    token = client_token_from_key(f"r5-{me.number}-{n}") if n % 2 else None
    session = payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=me.cap(n), user_id=me.user, client_token=token
    )
    assert session.user_id == me.user and session.max_spend == me.cap(n)
    assert token is None or session.client_token == token
    assert session.client_token is not None
    me.sessions[session.payment_session_id] = session.client_token
    again = payments.get_payment_session(session.payment_session_id, user_id=me.user)
    assert (again.payment_session_id, again.user_id) == (session.payment_session_id, me.user)
    assert again.max_spend == me.cap(n)

    payment = x402(10_000 * (me.number + 1)) if n % 2 else mpp(10_000, challenge_id=f"{me.number}")
    pay_token = client_token_from_key(f"r5-pay-{me.number}-{n}") if n % 3 else None
    result = payments.process_payment(
        payment_session_id=session.payment_session_id,
        payment_instrument_id=me.instrument_id,
        payment=payment,
        user_id=me.user,
        client_token=pay_token,
    )
    assert result.payment_session_id == session.payment_session_id
    assert result.payment_instrument_id == me.instrument_id
    assert pay_token is None or result.client_token == pay_token
    assert result.client_token is not None
    me.payments[result.process_payment_id] = result.client_token
    me.operations.update(["create_payment_session", "get_payment_session", "process_payment"])


def _metering_round(metering: MeteringClient, me: Worker, n: int) -> None:
    dimension = f"t{me.number}-d{n}"
    quantity = me.number * 1000 + n
    token = f"r5-meter-{me.number}-{n}" if n % 2 else None
    result = metering.meter_usage(
        product_code=PRODUCT,
        timestamp=NOW - timedelta(minutes=n),
        dimension=dimension,
        quantity=quantity,
        client_token=token,
    )
    assert token is None or result.client_token == token
    assert result.metering_record_id
    me.meterings[dimension] = result.metering_record_id

    records = [
        UsageRecord(
            timestamp=NOW - timedelta(hours=h + 1),
            dimension=f"batch-{n}",
            quantity=Decimal(me.number * 100 + h),
            customer_aws_account_id=me.account,
            license_arn=me.license_arn,
        )
        for h in range(10)
    ]
    report = metering.batch_meter_usage(records)
    assert [r.record for r in report.results] == records
    assert all(r.record is record for r, record in zip(report.results, records, strict=True))
    assert [r.outcome for r in report.results] == [MeteringOutcome.SUCCESS] * len(records)

    customer = metering.resolve_customer(me.registration_token)
    assert (customer.customer_aws_account_id, customer.license_arn) == (me.account, me.license_arn)
    me.operations.update(["meter_usage", "batch_meter_usage", "resolve_customer"])


def _listing_round(payments: PaymentsClient, me: Worker) -> None:
    listed = {s.payment_session_id for s in payments.list_payment_sessions(user_id=me.user)}
    assert listed == set(me.sessions)
    doomed = sorted(me.sessions)[0]
    assert payments.delete_payment_session(doomed, user_id=me.user) == "DELETED"
    me.sessions.pop(doomed)
    me.operations.update(["list_payment_sessions", "delete_payment_session"])


def _work(
    payments: PaymentsClient, metering: MeteringClient, me: Worker, start: threading.Barrier
) -> None:
    try:
        start.wait(JOIN_TIMEOUT)
        for n in range(ROUNDS):
            _session_round(payments, me, n)
            _metering_round(metering, me, n)
            if n % 4 == 3:
                _listing_round(payments, me)
    except BaseException as err:  # reported by the main thread
        me.error = err


def _seed(emu: Emulator, workers: list[Worker]) -> None:
    emu.add_product(PRODUCT)
    for me in workers:
        me.instrument_id = emu.add_payment_instrument(
            payment_manager_arn=MANAGER_ARN, payment_connector_id=CONNECTOR_ID, user_id=me.user
        ).payment_instrument_id
        customer = emu.add_customer(
            customer_aws_account_id=me.account,
            product_code="rely-r5-saas",
            license_arn=me.license_arn,
        )
        emu.add_registration_token(me.registration_token, customer, reusable=True)


def test_shared_clients_across_threads(figures: Any) -> None:
    fake = FakeTime()
    workers = [Worker(number) for number in range(THREADS)]
    started = time.perf_counter()
    with Emulator(seed=5, clock=fake.now, quotas=NO_QUOTAS, default_faults=SHAKY) as emu:
        _seed(emu, workers)
        payments = payments_client(emu, fake, user_id="rely-r5-default")
        metering = metering_client(emu, fake, max_workers=2)
        start = threading.Barrier(THREADS)
        threads = [
            threading.Thread(
                target=_work,
                args=(payments, metering, me, start),
                name=f"rely-r5-{me.number}",
                daemon=True,
            )
            for me in workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "a worker hung"
        sessions = emu.sessions()
        payments_made = emu.payments()
        accepted = emu.accepted_usage_records()
        requests = emu.requests()
    elapsed = time.perf_counter() - started

    for me in workers:
        if me.error is not None:
            raise AssertionError(f"thread {me.number} failed: {me.error!r}") from me.error

    # Server side: every object carries the token and user of the thread that made it.
    owner_of_session = {sid: me for me in workers for sid in me.sessions}
    live = [s for s in sessions if s.user_id.startswith("rely-r5-user-")]
    assert len(live) == len(owner_of_session)
    for snapshot in live:
        me = owner_of_session[snapshot.payment_session_id]
        assert (snapshot.user_id, snapshot.client_token) == (
            me.user,
            me.sessions[snapshot.payment_session_id],
        )
    owner_of_payment = {pid: me for me in workers for pid in me.payments}
    assert len(payments_made) == len(owner_of_payment) == THREADS * ROUNDS
    for record in payments_made:
        me = owner_of_payment[record.process_payment_id]
        assert (record.user_id, record.client_token, record.payment_instrument_id) == (
            me.user,
            me.payments[record.process_payment_id],
            me.instrument_id,
        )
    metered = [a for a in accepted if a.operation == "MeterUsage"]
    assert len(metered) == THREADS * ROUNDS
    for usage in metered:
        me = workers[int(usage.dimension.split("-")[0][1:])]
        assert usage.metering_record_id == me.meterings[usage.dimension]
        assert usage.quantity == me.number * 1000 + int(usage.dimension.split("-d")[1])
    batched = [a for a in accepted if a.operation == "BatchMeterUsage"]
    assert len(batched) == THREADS * ROUNDS * 10
    for usage in batched:
        me = workers[int(usage.customer_aws_account_id or "0") - 555500000000]
        assert usage.license_arn == me.license_arn
        assert int(usage.quantity) // 100 == me.number

    operations: Counter[str] = Counter()
    for me in workers:
        operations.update(me.operations)
    faults = fault_counts(requests)
    assert faults.get("drop_after_commit") and faults.get("throttle")
    figures.add(
        threads=THREADS,
        operations=sum(operations.values()),
        by_operation=dict(sorted(operations.items())),
        requests=len(requests),
        faults=faults,
        wall_seconds=round(elapsed, 2),
    )
