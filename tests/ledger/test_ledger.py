"""UsageLedger on real SQLite files and a real PostgreSQL schema, against the emulator."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import (
    HourState,
    InvalidInputError,
    LateEventError,
    MeteringClient,
    UsageEvent,
    UsageLedger,
)
from agentcore_billing._ledger import hooks
from agentcore_billing.emulator import Emulator
from agentcore_billing.emulator._faults import FaultConfig
from agentcore_billing.testing import ManualClock

from .conftest import ACCOUNT, ACCOUNT_B, LICENSE, LICENSE_B, PRODUCT, seed

HOUR = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)


def lic(
    event_id: str,
    quantity: Any,
    minute: int = 5,
    *,
    account: str = ACCOUNT,
    license_arn: str = LICENSE,
    dimension: str = "tokens",
    hour: datetime = HOUR,
    product: str | None = PRODUCT,
) -> UsageEvent:
    return UsageEvent(
        dimension=dimension,
        quantity=quantity,
        at=hour + timedelta(minutes=minute),
        event_id=event_id,
        customer_aws_account_id=account,
        license_arn=license_arn,
        product_code=product,
    )


@pytest.fixture
def ledger(db_url: str, clock: ManualClock) -> Iterator[UsageLedger]:
    with UsageLedger(db_url, clock=clock.now, sleep=clock.sleep) as opened:
        yield opened


@pytest.fixture
def metering(
    make_emulator: Callable[..., Emulator], metering_for: Callable[[Emulator], MeteringClient]
) -> MeteringClient:
    return metering_for(seed(make_emulator()))


@pytest.fixture
def emu_and_metering(
    make_emulator: Callable[..., Emulator], metering_for: Callable[[Emulator], MeteringClient]
) -> tuple[Emulator, MeteringClient]:
    emu = seed(make_emulator())
    return emu, metering_for(emu)


def test_each_hour_is_summed_exactly_and_metered_once(
    ledger: UsageLedger, clock: ManualClock, emu_and_metering: tuple[Emulator, MeteringClient]
) -> None:
    emu, metering = emu_and_metering
    events = [lic(f"a{i}", Decimal("0.000001") * i, i % 30) for i in range(1, 201)]
    events += [lic(f"b{i}", 7, i % 30, account=ACCOUNT_B, license_arn=LICENSE_B) for i in range(30)]
    events.append(lic("c1", 3, hour=HOUR - timedelta(hours=1), dimension="jobs"))
    assert ledger.record_many(events).stored == 231
    first = ledger.flush(metering)  # 10:30: hour 9 is past its lateness window, 10 is open
    assert [(h.dimension, h.quantity) for h in first.hours] == [("jobs", 3)]
    clock.advance(3600)  # 11:30: hour 10 is past its lateness window
    report = ledger.flush(metering)
    assert report.sealed == 2 and report.pending == 0 and report.ok
    got = {
        (h.customer_aws_account_id, h.dimension, h.hour): h.quantity
        for h in first.hours + report.hours
    }
    assert got == {
        (ACCOUNT, "tokens", HOUR): Decimal("0.020100"),
        (ACCOUNT_B, "tokens", HOUR): 210,
        (ACCOUNT, "jobs", HOUR - timedelta(hours=1)): 3,
    }
    assert all(h.metering_record_id for h in report.hours)
    accepted = {
        (a.customer_aws_account_id, a.dimension, a.timestamp): a.quantity
        for a in emu.accepted_usage_records()
    }
    assert accepted == {key: Decimal(value) for key, value in got.items()}
    sent = [r for q in emu.requests() for r in q.params.get("UsageRecords", [])]
    assert {("Quantity" in r, "QuantityAsDecimal" in r) for r in sent} == {
        (True, False),
        (False, True),
    }
    assert len(emu.requests()) == 2  # one product: both buyers' hours share one request
    assert ledger.flush(metering).hours == [] and len(emu.requests()) == 2
    assert ledger.status().counts[HourState.METERED] == 3


def test_a_repeated_event_id_counts_once(
    ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    assert (
        ledger.record(
            dimension="tokens",
            quantity=5,
            at=HOUR,
            event_id="e-1",
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
        )
        is True
    )
    assert (
        ledger.record(
            dimension="tokens",
            quantity=9,
            at=HOUR,
            event_id="e-1",
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
        )
        is False
    )
    summary = ledger.record_many([lic("e-1", 4), lic("e-2", 4), lic("e-2", 6)])
    assert (summary.stored, summary.duplicates) == (1, 2)
    clock.advance(3600)
    (hour,) = ledger.flush(metering).hours
    assert hour.quantity == 9 and hour.events == 2  # 5 (first e-1) + 4 (first e-2)


def test_late_events_are_carried_into_the_oldest_open_hour(
    ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    ledger.record_many([lic("on-time", 10)])
    clock.advance(3600)
    assert ledger.flush(metering).hours[0].quantity == 10
    assert ledger.record_many([lic("late", 4)]).carried == 1  # hour 10 is sealed: into 11
    ledger.record(
        dimension="tokens",
        quantity=1,
        at=HOUR,
        event_id="late-2",
        customer_aws_account_id=ACCOUNT,
        license_arn=LICENSE,
    )
    clock.advance(3600)
    report = ledger.flush(metering)
    assert report.late_carried == 2
    (hour,) = report.hours
    assert (hour.hour, hour.quantity, hour.state) == (HOUR + timedelta(hours=1), 5, "metered")


def test_late_events_are_refused_with_reject(
    db_url: str, clock: ManualClock, metering: MeteringClient
) -> None:
    with UsageLedger(db_url, clock=clock.now, sleep=clock.sleep, late_events="reject") as ledger:
        ledger.record_many([lic("on-time", 10)])
        clock.advance(3600)
        ledger.flush(metering)
        with pytest.raises(LateEventError, match="already sealed"):
            ledger.record_many([lic("fresh", 1, hour=HOUR + timedelta(hours=1)), lic("late", 4)])
        with pytest.raises(LateEventError):
            ledger.record(
                dimension="tokens",
                quantity=1,
                at=HOUR,
                event_id="late-2",
                customer_aws_account_id=ACCOUNT,
                license_arn=LICENSE,
            )
        assert ledger.status().counts[HourState.OPEN] == 0  # "fresh" went with its call
        clock.advance(3600)
        report = ledger.flush(metering)
        assert (report.late_rejected, report.late_carried, report.hours) == (2, 0, [])


def test_invalid_events_are_refused_before_anything_is_stored(ledger: UsageLedger) -> None:
    with pytest.raises(InvalidInputError, match="quantity"):
        ledger.record(
            dimension="d",
            quantity=1.5,
            at=HOUR,
            event_id="x",  # type: ignore[arg-type]
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
        )
    with pytest.raises(InvalidInputError, match="at"):
        ledger.record(
            dimension="d",
            quantity=1,
            at=datetime(2026, 11, 23, 10),
            event_id="x",
            customer_aws_account_id=ACCOUNT,
            license_arn=LICENSE,
        )
    good = {
        "dimension": "d",
        "quantity": 1,
        "at": HOUR,
        "event_id": "g",
        "customer_identifier": "cust-c",
        "product_code": PRODUCT,
    }
    with pytest.raises(InvalidInputError, match=r"events\[1\]\.quantity"):
        ledger.record_many([good, {**good, "event_id": "b", "quantity": "0.0000001"}])
    with pytest.raises(InvalidInputError, match="future"):
        ledger.record_many([{**good, "at": HOUR + timedelta(hours=2)}])
    with pytest.raises(InvalidInputError, match="exclusive"):
        ledger.record_many([{**good, "license_arn": LICENSE}])
    assert ledger.status().counts[HourState.OPEN] == 0


def test_terminal_states(
    ledger: UsageLedger,
    clock: ManualClock,
    emu_and_metering: tuple[Emulator, MeteringClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _emu, metering = emu_and_metering
    unknown = "arn:aws:license-manager::999999999999:license:l-9"
    metering.batch_meter_usage(
        [
            {
                "timestamp": HOUR,
                "dimension": "dup",
                "quantity": 1,
                "customer_aws_account_id": ACCOUNT,
                "license_arn": LICENSE,
            }
        ],
        product_code=PRODUCT,
    )
    ledger.record_many(
        [
            lic("ok", 1),
            lic("nosub", 1, account="999999999999", license_arn=unknown, product=None),
            lic("big1", 2_000_000_000, dimension="big"),
            lic("big2", 2_000_000_000, dimension="big"),
            lic("dup", 2, dimension="dup"),
        ]
    )
    clock.advance(3600)
    with caplog.at_level("ERROR", logger="agentcore_billing.ledger"):
        states = {
            h.dimension + ("-" if h.license_arn == unknown else ""): h
            for h in ledger.flush(metering).hours
        }
    assert {k: str(h.state) for k, h in states.items()} == {
        "tokens": "metered",
        "tokens-": "not_subscribed",
        "big": "rejected",
        "dup": "duplicate",
    }
    assert "2147483647" in (states["big"].reason or "")
    assert "DuplicateRecord" in caplog.text
    ledger.record_many([lic("old", 1, hour=HOUR + timedelta(hours=1))])
    clock.advance(25 * 3600)
    (expired,) = ledger.flush(metering).hours
    assert expired.state is HourState.EXPIRED and "never sent" in (expired.reason or "")
    assert ledger.hours("expired")[0].hour == HOUR + timedelta(hours=1)


class _Died(BaseException):
    """Stands in for a worker that dies right after committing its claim."""


def test_a_sent_hour_without_answer_ends_unconfirmed(
    ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    ledger.record_many([lic("a", 1)])
    clock.advance(3600)

    def die(point: str) -> None:
        if point == "claim.after_commit":
            raise _Died

    hooks.set_crash_hook(die)
    try:
        with pytest.raises(_Died):
            ledger.flush(metering)
    finally:
        hooks.set_crash_hook(None)
    status = ledger.status()
    assert status.counts[HourState.CLAIMED] == 1 and status.oldest_unsent == HOUR
    clock.advance(23 * 3600 - 30 * 60)  # 23:30 after the hour: near the deadline
    assert [h.hour for h in ledger.status().near_deadline] == [HOUR]
    clock.advance(3600)
    (hour,) = ledger.flush(metering).hours
    assert hour.state is HourState.UNCONFIRMED and hour.attempts == 1


def test_an_outcome_is_stored_only_under_the_lease_that_sent_it(
    db_url: str,
    ledger: UsageLedger,
    clock: ManualClock,
    emu_and_metering: tuple[Emulator, MeteringClient],
) -> None:
    emu, metering = emu_and_metering
    ledger.record_many([lic("a", 1), lic("b", 2, dimension="jobs")])
    clock.advance(3600)
    other: list[Any] = []

    def take_over(point: str) -> None:
        if point == "send.before" and not other:
            hooks.set_crash_hook(None)
            clock.advance(ledger.lease.total_seconds() + 1)  # the first lease ran out
            with UsageLedger(db_url, clock=clock.now, sleep=clock.sleep) as second:
                other.append(second.flush(metering))

    hooks.set_crash_hook(take_over)
    try:
        first = ledger.flush(metering)
    finally:
        hooks.set_crash_hook(None)
    assert first.hours == [] and len(other[0].hours) == 2
    assert len(emu.accepted_usage_records()) == 2  # the first worker's resend: same ids
    ids = {h.metering_record_id for h in other[0].hours}
    assert {h.metering_record_id for h in ledger.hours("metered")} == ids


def test_unprocessed_hours_are_resent_within_the_flush(
    ledger: UsageLedger,
    clock: ManualClock,
    make_emulator: Callable[..., Emulator],
    metering_for: Callable[[Emulator], MeteringClient],
) -> None:
    emu = seed(make_emulator(faults={"BatchMeterUsage": FaultConfig(unprocessed_rate=0.5)}))
    ledger.record_many([lic(f"e{d}", d + 1, dimension=f"d{d}") for d in range(40)])
    clock.advance(3600)
    report = ledger.flush(metering_for(emu))
    assert report.counts[HourState.METERED] == 40 and report.pending == 0
    assert sum(a.quantity for a in emu.accepted_usage_records()) == sum(range(1, 41))


def test_record_from_many_threads_is_durable_and_exact(
    db_url: str, ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    def work(worker: int) -> None:
        for i in range(40):
            ledger.record(
                dimension="tokens",
                quantity=Decimal("0.5"),
                at=HOUR,
                event_id=f"w{worker}-{i}",
                customer_aws_account_id=ACCOUNT,
                license_arn=LICENSE,
            )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with UsageLedger(db_url, clock=clock.now) as reopened:  # what a new process sees
        (open_hour,) = reopened.hours("open")
    assert (open_hour.events, open_hour.quantity) == (320, 160)


def test_status_and_listing(
    ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    ledger.record_many([lic("a", 1), lic("b", 2, hour=HOUR - timedelta(hours=2))])
    status = ledger.status()
    assert status.counts[HourState.OPEN] == 2 and status.oldest_unsent == HOUR - timedelta(hours=2)
    assert status.as_dict()["oldest_unsent"] == "2026-11-23T08:00:00Z"
    clock.advance(3600)
    ledger.flush(metering)
    status = ledger.status()
    assert status.counts[HourState.METERED] == 2 and status.oldest_unsent is None
    assert [h.state for h in ledger.hours()] == ["metered", "metered"]
    with pytest.raises(InvalidInputError, match="state"):
        ledger.hours("nope")


def test_pruning_keeps_event_ids_for_35_days(
    ledger: UsageLedger, clock: ManualClock, metering: MeteringClient
) -> None:
    ledger.record_many([lic("a", 1)])
    clock.advance(3600)
    ledger.flush(metering)
    clock.advance(34 * 86400)
    assert ledger.prune() == (0, 0)
    assert ledger.record_many([lic("a", 1)]).duplicates == 1  # still remembered
    clock.advance(2 * 86400)
    assert ledger.prune(hours_older_than=timedelta(days=30)) == (1, 1)


def test_schema_is_migrated_once_and_newer_schemas_are_refused(
    db_url: str, clock: ManualClock
) -> None:
    from agentcore_billing import ConfigurationError

    UsageLedger(db_url, clock=clock.now).close()
    with UsageLedger(db_url, clock=clock.now) as again, again._store.write() as tx:
        tx.execute("UPDATE ledger_schema SET version = 99")
    with pytest.raises(ConfigurationError, match="newer"):
        UsageLedger(db_url, clock=clock.now)


def test_bad_arguments_are_named(sqlite_url: str) -> None:
    with pytest.raises(InvalidInputError, match="late_events"):
        UsageLedger(sqlite_url, late_events="drop")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="lateness"):
        UsageLedger(sqlite_url, lateness=timedelta(days=2))
    with pytest.raises(InvalidInputError, match="url"):
        UsageLedger("mysql://x")
    ledger = UsageLedger(sqlite_url)
    ledger.close()
    ledger.close()
    with pytest.raises(InvalidInputError, match="closed"):
        ledger.status()


def test_sqlite_ledgers_never_import_psycopg(sqlite_url: str) -> None:
    code = (
        "import sys, agentcore_billing\n"
        f"with agentcore_billing.UsageLedger({sqlite_url!r}) as l: l.status()\n"
        "print(sorted(m for m in sys.modules if m.startswith('psycopg')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_failure_of_the_whole_call_releases_the_hours_for_the_next_flush(
    ledger: UsageLedger,
    clock: ManualClock,
    emu_and_metering: tuple[Emulator, MeteringClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentcore_billing import ConfigurationError

    emu, metering = emu_and_metering
    ledger.record_many([lic("a", 1)])
    clock.advance(3600)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    no_credentials = MeteringClient(
        region_name="us-east-1", endpoint_url=emu.endpoint_url, clock=clock.now, sleep=clock.sleep
    )
    with pytest.raises(ConfigurationError, match="credentials"):
        ledger.flush(no_credentials)
    assert ledger.status().counts[HourState.SEALED] == 1  # released, not stuck in a lease
    clock.advance(2)
    (hour,) = ledger.flush(metering).hours
    assert hour.state is HourState.METERED and hour.attempts == 2


def test_an_unreachable_postgresql_is_a_configuration_error_without_the_password() -> None:
    from agentcore_billing import ConfigurationError
    from agentcore_billing._ledger.postgres import PostgresStore

    with pytest.raises(ConfigurationError, match=r"127\.0\.0\.1:1/test") as caught:
        PostgresStore("postgresql://bill:s3cret@127.0.0.1:1/test", connect_timeout=0.3)
    assert "s3cret" not in str(caught.value)


def test_a_frozen_record_changed_in_the_database_is_not_sent(
    ledger: UsageLedger,
    clock: ManualClock,
    emu_and_metering: tuple[Emulator, MeteringClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, metering = emu_and_metering
    ledger.record_many([lic("a", 1), lic("b", 2, dimension="jobs")])
    clock.advance(3600)

    def stop(point: str) -> None:
        if point == "claim.before_commit":  # seal, then stop before anything is claimed
            raise _Died

    hooks.set_crash_hook(stop)
    try:
        with pytest.raises(_Died):
            ledger.flush(metering)
    finally:
        hooks.set_crash_hook(None)
    with ledger._store.write() as tx:
        tx.execute(
            "UPDATE ledger_hours SET record = REPLACE(record, '1', '9') WHERE dimension = 'tokens'"
        )
    with caplog.at_level("ERROR", logger="agentcore_billing.ledger"):
        hours = {h.dimension: h for h in ledger.flush(metering).hours}
    assert hours["tokens"].state is HourState.REJECTED and "hash" in (hours["tokens"].reason or "")
    assert hours["jobs"].state is HourState.METERED
    assert [a.dimension for a in emu.accepted_usage_records()] == ["jobs"]
    assert "does not match its hash" in caplog.text
