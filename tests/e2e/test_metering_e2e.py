"""MeteringClient end to end: real boto3 client, emulator over HTTP, fake clock.

Every figure asserted here (request counts and sizes, throttles, accepted records)
is read back from the emulator, i.e. from what actually crossed the wire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from agentcore_billing import (
    BatchMeterReport,
    CustomerNotEntitledError,
    ExpiredTokenError,
    IdempotencyConflictError,
    InvalidPublicKeyVersionError,
    InvalidTokenError,
    MeteringClient,
    MeteringOutcome,
    MeterUsageResult,
    RetryPolicy,
    UsageRecord,
)
from agentcore_billing.emulator import (
    NO_QUOTAS,
    AcceptedUsageRecord,
    Customer,
    Emulator,
    FaultConfig,
    FaultKind,
)
from agentcore_billing.testing import ManualClock

from .support import NOW, fail_first_attempt, hours_ago, of

DIMENSIONS = ("tokens", "requests", "gb_hours")

PATIENT_RETRY = RetryPolicy(max_attempts=15, initial_delay=0.001, max_delay=0.01, deadline=None)
"""Enough resubmissions that a 30 % storm cannot outlast them (0.3**15 per record)."""


def legacy_customers(emu: Emulator, count: int) -> list[Customer]:
    assert emu.demo is not None
    return [
        emu.add_customer(
            customer_aws_account_id=f"3000000000{i:02d}",
            product_code=emu.demo.legacy_product_code,
            customer_identifier=f"legacy-cust-{i:02d}",
        )
        for i in range(count)
    ]


def licensed_customers(emu: Emulator, count: int) -> list[Customer]:
    assert emu.demo is not None
    return [
        emu.add_customer(
            customer_aws_account_id=f"4000000000{i:02d}",
            product_code=emu.demo.saas_product_code,
            license_arn=f"arn:aws:license-manager::4000000000{i:02d}:license:l-{i:032x}",
        )
        for i in range(count)
    ]


def usage(customer: Customer, dimension: str, timestamp: datetime, quantity: int) -> UsageRecord:
    """A record in the customer's style: legacy identifier, or account id + license."""
    if customer.customer_identifier is not None:
        return UsageRecord(
            timestamp=timestamp,
            dimension=dimension,
            quantity=quantity,
            customer_identifier=customer.customer_identifier,
        )
    return UsageRecord(
        timestamp=timestamp,
        dimension=dimension,
        quantity=quantity,
        customer_aws_account_id=customer.customer_aws_account_id,
        license_arn=customer.license_arn,
    )


def records_for(customers: Iterable[Customer], hours: int) -> list[UsageRecord]:
    """One record per customer, dimension and hour: no two share a billing key."""
    return [
        usage(customer, dimension, timestamp, quantity=7 + number % 13)
        for number, (customer, dimension, timestamp) in enumerate(
            (c, d, t) for c in customers for d in DIMENSIONS for t in hours_ago(hours)
        )
    ]


def assert_accepted_equals_succeeded(report: BatchMeterReport, emu: Emulator) -> None:
    """What the emulator stored is exactly what the report calls SUCCESS, each once."""
    accepted: tuple[AcceptedUsageRecord, ...] = emu.accepted_usage_records()
    by_id = {a.metering_record_id: a for a in accepted}
    assert len(by_id) == len(accepted)  # nothing stored twice
    succeeded = report.succeeded
    assert {r.metering_record_id for r in succeeded} == set(by_id)
    assert len(succeeded) == len(accepted)
    for result in succeeded:
        stored = by_id[result.metering_record_id]  # type: ignore[index]
        record = result.record
        assert isinstance(record, UsageRecord)
        assert (stored.dimension, stored.timestamp, stored.quantity) == (
            record.dimension,
            record.timestamp,
            Decimal(record.quantity),
        )
        if record.customer_identifier is not None:
            assert stored.customer_identifier == record.customer_identifier
        else:
            assert (stored.customer_aws_account_id, stored.license_arn) == (
                record.customer_aws_account_id,
                record.license_arn,
            )


def batch_sizes(emu: Emulator) -> list[int]:
    return [len(r.params["UsageRecords"]) for r in of(emu, "BatchMeterUsage")]


# -- UnprocessedRecords storm -----------------------------------------------------------


def test_unprocessed_records_storm_is_resolved_without_loss_or_double_billing(
    make_emulator: Callable[..., Emulator], make_metering: Callable[..., MeteringClient]
) -> None:
    emu = make_emulator(
        quotas=NO_QUOTAS, faults={"BatchMeterUsage": FaultConfig(unprocessed_rate=0.3)}
    )
    assert emu.demo is not None
    records = records_for(licensed_customers(emu, 8), hours=21)
    assert len(records) == 504
    metering = make_metering(emu, max_workers=4, retry=PATIENT_RETRY)

    # Naming the product lets the eight licenses share requests: 21 of up to 25 records.
    report = metering.batch_meter_usage(records, product_code=emu.demo.saas_product_code)

    assert len(report) == len(records)
    assert [r.index for r in report.results] == list(range(len(records)))
    assert all(
        result.record is record for result, record in zip(report.results, records, strict=True)
    )
    assert report.ok, report.counts
    assert_accepted_equals_succeeded(report, emu)

    requests = of(emu, "BatchMeterUsage")
    storms = [r for r in requests if r.fault is FaultKind.UNPROCESSED]
    resent = sum(batch_sizes(emu)) - len(records)
    assert all("ProductCode" not in r.params for r in requests)  # never sent with licenses
    assert len(requests) > 21  # 21 first submissions, then the resubmissions
    assert storms, "the fault never fired: the test proves nothing"
    assert 0.2 * len(records) < resent < 0.7 * len(records)  # expected 0.3/(1-0.3) = 0.43
    assert all(r.error_code is None for r in requests)


def test_streaming_reads_the_input_lazily_and_yields_in_input_order(
    emu: Emulator, make_metering: Callable[..., MeteringClient]
) -> None:
    records = records_for(legacy_customers(emu, 2), hours=20)  # 120 legacy records
    pulled: list[int] = []

    def source() -> Iterator[UsageRecord]:
        for number, record in enumerate(records):
            pulled.append(number)
            yield record

    metering = make_metering(emu, chunk_size=50)
    stream = metering.iter_batch_meter_usage(source())
    first = next(stream)
    assert len(pulled) == 50  # only the first chunk was read before its results came
    results = [first, *stream]

    assert [r.index for r in results] == list(range(120))
    assert all(r.outcome is MeteringOutcome.SUCCESS for r in results)
    assert batch_sizes(emu) == [25, 25, 25, 25, 20]  # chunks of 50, 50, 20
    assert len(emu.accepted_usage_records()) == 120


# -- poison record isolation ------------------------------------------------------------


def test_out_of_window_record_is_isolated_by_splitting_and_the_rest_are_metered(
    make_emulator: Callable[..., Emulator],
    make_metering: Callable[..., MeteringClient],
    clock: ManualClock,
) -> None:
    # The emulator's clock runs two hours ahead of the library's, so a record 23 h old
    # passes the library's own 24 h window check and is refused by the service.
    emu = make_emulator(clock=lambda: clock.now() + timedelta(hours=2))
    assert emu.demo is not None
    customer = emu.demo.customers[0]  # licensed, subscribed
    good = [
        usage(customer, dimension, timestamp, quantity=5)
        for dimension in DIMENSIONS
        for timestamp in hours_ago(8)
    ]
    poison = usage(customer, "tokens", NOW - timedelta(hours=23), quantity=5)
    records = [*good[:17], poison, *good[17:]]
    assert len(records) == 25  # one full request
    metering = make_metering(emu, product_code=emu.demo.saas_product_code)

    report = metering.batch_meter_usage(records)

    outcomes = [r.outcome for r in report.results]
    assert outcomes[17] is MeteringOutcome.REJECTED
    assert outcomes.count(MeteringOutcome.SUCCESS) == 24
    rejected = report.results[17]
    assert rejected.record is poison
    assert rejected.reason is not None
    assert rejected.reason.startswith("TimestampOutOfBoundsException")
    assert rejected.metering_record_id is None
    assert_accepted_equals_succeeded(report, emu)
    assert poison.timestamp not in {a.timestamp for a in emu.accepted_usage_records()}

    # Depth-first bisection of 25 records around position 17:
    # [0-24]x [0-12]ok [13-24]x [13-18]x [13-15]ok [16-18]x [16-17]x [16]ok [17]x [18]ok
    # [19-24]ok -- 11 calls, the bound for one bad record among 25.
    assert batch_sizes(emu) == [25, 13, 12, 6, 3, 3, 2, 1, 1, 1, 6]
    assert emu.counts()["BatchMeterUsage"] == {"TimestampOutOfBoundsException": 6, "ok": 5}
    refused = [r for r in of(emu, "BatchMeterUsage") if r.error_code]
    assert all(not r.committed for r in refused)
    last_refused = refused[-1].params["UsageRecords"]
    assert [rec["Timestamp"] for rec in last_refused] == [poison.timestamp]


# -- quota pacing -----------------------------------------------------------------------


def paced_setup(
    make_emulator: Callable[..., Emulator], clock: ManualClock
) -> tuple[Emulator, list[UsageRecord]]:
    # Default quotas (BatchMeterUsage 10/s) on the shared fake clock.
    emu = make_emulator(monotonic=clock.monotonic)
    records = records_for(legacy_customers(emu, 20), hours=17)[:1000]
    assert len(records) == 1000
    return emu, records


def test_pacing_at_the_quota_never_throttles_and_loses_nothing(
    make_emulator: Callable[..., Emulator],
    make_metering: Callable[..., MeteringClient],
    clock: ManualClock,
) -> None:
    emu, records = paced_setup(make_emulator, clock)
    metering = make_metering(emu, max_requests_per_second=10)
    started = clock.monotonic()

    report = metering.batch_meter_usage(records)

    assert report.ok, report.counts
    assert len(emu.accepted_usage_records()) == 1000
    assert_accepted_equals_succeeded(report, emu)
    assert emu.counts()["BatchMeterUsage"] == {"ok": 40}
    assert batch_sizes(emu) == [25] * 40
    # 40 requests 0.1 s apart on the fake clock: 3.9 s of pacing, really slept by no one.
    assert clock.monotonic() - started == pytest.approx(3.9, abs=0.01)
    received = [r.received_at for r in of(emu, "BatchMeterUsage")]
    gaps = {round((b - a).total_seconds(), 3) for a, b in pairwise(received)}
    assert gaps == {0.1}


def test_pacing_above_the_quota_is_throttled_then_slows_down_and_loses_nothing(
    make_emulator: Callable[..., Emulator],
    make_metering: Callable[..., MeteringClient],
    clock: ManualClock,
) -> None:
    emu, records = paced_setup(make_emulator, clock)
    metering = make_metering(emu, max_requests_per_second=50, retry=PATIENT_RETRY)

    report = metering.batch_meter_usage(records)

    assert report.ok, report.counts
    assert_accepted_equals_succeeded(report, emu)
    assert len(emu.accepted_usage_records()) == 1000
    counts = emu.counts()["BatchMeterUsage"]
    throttled = counts.get("ThrottlingException", 0)
    assert counts["ok"] == 40
    assert throttled > 0, "a 50/s client must hit a 10/s quota"
    # Had the client kept its 50/s pace it would send ~5 attempts per refilled token.
    assert throttled < counts["ok"]
    answered = [r.received_at for r in of(emu, "BatchMeterUsage") if r.error_code is None]
    spread = (answered[-1] - answered[0]).total_seconds()
    assert spread >= (40 - 10) / 10  # the quota's own bound: 10 burst + 10/s


# -- replays and service statuses -------------------------------------------------------


def test_batch_resend_is_idempotent_and_service_statuses_come_through(
    emu: Emulator, make_metering: Callable[..., MeteringClient]
) -> None:
    assert emu.demo is not None
    subscribed, other, _, unsubscribed = emu.demo.customers
    # No product code: each license is its own request, which is always safe.
    metering = make_metering(emu, product_code=None)
    stamp = NOW - timedelta(minutes=45)
    first = [
        usage(subscribed, "tokens", stamp, 10),
        usage(other, "requests", stamp, 3),
        usage(unsubscribed, "tokens", stamp, 1),
    ]

    report = metering.batch_meter_usage(first)
    assert [r.outcome for r in report.results] == [
        MeteringOutcome.SUCCESS,
        MeteringOutcome.SUCCESS,
        MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED,
    ]
    assert batch_sizes(emu) == [1, 1, 1]
    assert len(emu.accepted_usage_records()) == 2

    # A crashed caller sends everything again: same ids, nothing billed twice. A changed
    # quantity for a billed hour in the same call is refused locally (the service would
    # bill only one of the two) ...
    changed = usage(subscribed, "tokens", stamp + timedelta(minutes=5), 11)
    again = metering.batch_meter_usage([*first, changed])
    assert [r.outcome for r in again.results] == [
        MeteringOutcome.SUCCESS,
        MeteringOutcome.SUCCESS,
        MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED,
        MeteringOutcome.REJECTED,
    ]
    assert [r.metering_record_id for r in again.results[:2]] == [
        r.metering_record_id for r in report.results[:2]
    ]
    assert (again.results[3].reason or "").startswith("conflict")
    assert batch_sizes(emu) == [1, 1, 1] * 2  # the conflicting record was never sent

    # ... and alone in a later call it reaches the service, which answers DuplicateRecord.
    late = metering.batch_meter_usage([changed])
    assert [r.outcome for r in late.results] == [MeteringOutcome.DUPLICATE_RECORD]
    assert (late.results[0].reason or "").startswith("DuplicateRecord")
    assert len(emu.accepted_usage_records()) == 2


# -- MeterUsage -------------------------------------------------------------------------


def test_meter_usage_with_a_dropped_answer_replays_its_client_token_into_one_record(
    emu: Emulator, metering: MeteringClient
) -> None:
    assert emu.demo is not None
    fail_first_attempt(metering.client, emu, "MeterUsage", FaultConfig(drop_after_commit_rate=1.0))

    result = metering.meter_usage(
        product_code=emu.demo.container_product_code,
        timestamp=NOW - timedelta(minutes=10),
        dimension="vcpu_hours",
        quantity=Decimal("1.5"),
    )

    accepted = emu.accepted_usage_records()
    assert [a.metering_record_id for a in accepted] == [result.metering_record_id]
    assert accepted[0].quantity == Decimal("1.5")
    attempts = of(emu, "MeterUsage")
    assert [a.fault for a in attempts] == [FaultKind.DROP_AFTER_COMMIT, None]
    assert [a.client_token for a in attempts] == [result.client_token] * 2
    assert emu.counts()["MeterUsage"] == {"dropped": 1, "ok": 1}


def test_meter_usage_dry_run_checks_everything_and_stores_nothing(
    emu: Emulator, metering: MeteringClient
) -> None:
    assert emu.demo is not None
    result = metering.meter_usage(
        product_code=emu.demo.container_product_code,
        timestamp=NOW - timedelta(minutes=10),
        dimension="vcpu_hours",
        quantity=1,
        dry_run=True,
    )
    assert result.dry_run and result.metering_record_id is None
    assert emu.accepted_usage_records() == ()
    assert emu.counts()["MeterUsage"] == {"DryRunOperation": 1}  # answered, not retried


def test_meter_usage_token_reused_with_another_quantity_is_an_idempotency_conflict(
    emu: Emulator, metering: MeteringClient
) -> None:
    assert emu.demo is not None
    product = emu.demo.container_product_code

    def meter(quantity: int) -> MeterUsageResult:
        return metering.meter_usage(
            product_code=product,
            timestamp=NOW - timedelta(minutes=10),
            dimension="vcpu_hours",
            quantity=quantity,
            client_token="job-42",
        )

    first = meter(2)
    assert meter(2) == first
    with pytest.raises(IdempotencyConflictError) as conflict:
        meter(3)
    assert conflict.value.client_token == "job-42"
    assert conflict.value.http_status == 400
    assert len(emu.accepted_usage_records()) == 1
    assert len(of(emu, "MeterUsage")) == 3  # a conflict is never retried


# -- ResolveCustomer and RegisterUsage --------------------------------------------------


def test_resolve_customer_new_legacy_expired_and_unknown_tokens(
    emu: Emulator, metering: MeteringClient, clock: ManualClock
) -> None:
    assert emu.demo is not None
    tokens = emu.demo.registration_tokens
    licensed, expired_owner, legacy, _ = emu.demo.customers

    new = metering.resolve_customer(tokens["new"])
    assert new.customer_aws_account_id == licensed.customer_aws_account_id
    assert new.license_arn == licensed.license_arn
    assert new.product_code == emu.demo.saas_product_code
    assert new.customer_identifier is None  # "" on the wire for new integrations
    assert new.agreement_id == licensed.agreement_id

    old = metering.resolve_customer(tokens["legacy"])
    assert old.customer_identifier == legacy.customer_identifier
    assert old.product_code == emu.demo.legacy_product_code
    assert old.license_arn is None

    with pytest.raises(ExpiredTokenError):  # resolved once already
        metering.resolve_customer(tokens["new"])
    with pytest.raises(ExpiredTokenError) as expired:
        metering.resolve_customer(tokens["expired"])
    assert tokens["expired"] not in str(expired.value)
    with pytest.raises(InvalidTokenError) as unknown:
        metering.resolve_customer("no-such-registration-token")
    assert unknown.value.http_status == 400
    assert "no-such-registration-token" not in str(unknown.value)

    # A token with a deadline expires on the shared clock.
    emu.add_registration_token(
        "short-lived-token", expired_owner, expires_at=NOW + timedelta(minutes=5)
    )
    clock.advance(5 * 60)
    with pytest.raises(ExpiredTokenError):
        metering.resolve_customer("short-lived-token")
    assert len(of(emu, "ResolveCustomer")) == 6  # none of the refusals was retried


def test_register_usage_signature_rotation_and_refusals(
    emu: Emulator, metering: MeteringClient, clock: ManualClock
) -> None:
    assert emu.demo is not None
    current = metering.register_usage(
        product_code=emu.demo.container_product_code, public_key_version=1, nonce="n-1"
    )
    assert current.signature.count(".") == 2  # a JWT
    assert current.public_key_rotation_timestamp is None

    emu.add_product("rotated-product", public_key_version=2)
    rotated = metering.register_usage(product_code="rotated-product", public_key_version=1)
    assert rotated.public_key_rotation_timestamp == clock.now()  # the emulator's "now"

    with pytest.raises(InvalidPublicKeyVersionError):
        metering.register_usage(product_code="rotated-product", public_key_version=3)
    emu.add_product("unpaid-product", entitled=False)
    with pytest.raises(CustomerNotEntitledError):
        metering.register_usage(product_code="unpaid-product", public_key_version=1)
    assert Counter(r.error_code for r in of(emu, "RegisterUsage")) == {
        None: 2,
        "InvalidPublicKeyVersionException": 1,
        "CustomerNotEntitledException": 1,
    }
