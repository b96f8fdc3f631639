"""Injected faults as a boto3 client sees them, quotas, and reproducibility."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from agentcore_billing.emulator import (
    DEFAULT_QUOTAS,
    FaultConfig,
    FaultKind,
    parse_fault_specs,
    parse_quotas,
)
from tests.support import NOW

from .helpers import MANAGER_ARN, TOKEN_A, USER, client, error_of, new_session

LICENSE = "arn:aws:license-manager::111122223333:license:l-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def usage(count, dimension="tokens"):
    return [
        {
            "Timestamp": NOW.replace(minute=0, second=i),
            "Dimension": f"{dimension}-{i}",
            "Quantity": 1,
            "CustomerAWSAccountId": "111122223333",
            "LicenseArn": LICENSE,
        }
        for i in range(count)
    ]


def subscribe(emu):
    emu.add_customer(customer_aws_account_id="111122223333", product_code="p", license_arn=LICENSE)
    emu.add_product("container")


@pytest.fixture
def faulty(make_emulator, boto_session):
    """(emulator, payments client, metering client) with a subscribed customer."""

    def build(**kwargs):
        emu = make_emulator(**kwargs)
        subscribe(emu)
        return (
            emu,
            client(boto_session, "bedrock-agentcore", emu),
            client(boto_session, "meteringmarketplace", emu),
        )

    return build


def test_throttling_and_server_errors(faulty):
    throttled = FaultConfig(throttle_rate=1.0)
    emu, payments, metering = faulty(
        faults={"CreatePaymentSession": throttled, "BatchMeterUsage": throttled},
        default_faults=FaultConfig(error_rate=1.0),
    )
    assert error_of(lambda: new_session(payments))[:2] == ("ThrottlingException", 429)
    assert error_of(lambda: metering.batch_meter_usage(UsageRecords=usage(1)))[:2] == (
        "ThrottlingException",
        400,
    )
    get = lambda: payments.list_payment_sessions(userId=USER, paymentManagerArn=MANAGER_ARN)  # noqa: E731
    assert error_of(get)[:2] == ("InternalServerException", 500)
    meter = lambda: metering.meter_usage(  # noqa: E731
        ProductCode="container", Timestamp=NOW, UsageDimension="d", UsageQuantity=1
    )
    assert error_of(meter)[:2] == ("InternalServiceErrorException", 500)
    assert emu.sessions() == ()
    assert emu.accepted_usage_records() == ()
    assert [r.fault for r in emu.requests()] == [
        FaultKind.THROTTLE,
        FaultKind.THROTTLE,
        FaultKind.ERROR,
        FaultKind.ERROR,
    ]
    assert not any(r.committed for r in emu.requests())


def test_unprocessed_records_are_returned_and_not_stored(faulty):
    emu, _, metering = faulty(seed=7, faults={"BatchMeterUsage": FaultConfig(unprocessed_rate=0.5)})
    records = usage(20)
    response = metering.batch_meter_usage(UsageRecords=records)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    unprocessed = response["UnprocessedRecords"]
    assert 0 < len(unprocessed) < 20
    assert len(response["Results"]) + len(unprocessed) == 20
    assert len(emu.accepted_usage_records()) == len(response["Results"])
    assert emu.requests()[-1].fault is FaultKind.UNPROCESSED
    assert emu.requests()[-1].unprocessed_records == len(unprocessed)

    emu.set_faults()
    retried = metering.batch_meter_usage(UsageRecords=unprocessed)
    assert [r["Status"] for r in retried["Results"]] == ["Success"] * len(unprocessed)
    assert len(emu.accepted_usage_records()) == 20


def test_connection_reset_applies_nothing(faulty):
    emu, payments, _ = faulty(faults={"CreatePaymentSession": FaultConfig(reset_rate=1.0)})
    with pytest.raises(ConnectionClosedError):
        new_session(payments)
    assert emu.sessions() == ()
    (record,) = emu.requests()
    assert (record.status, record.fault, record.committed) == (None, FaultKind.RESET, False)
    assert emu.counts() == {"CreatePaymentSession": {"reset": 1}}


def test_drop_after_commit_changes_state_and_replay_recovers(faulty):
    emu, payments, _ = faulty(
        faults={"CreatePaymentSession": FaultConfig(drop_after_commit_rate=1.0)}
    )
    with pytest.raises(ConnectionClosedError):
        new_session(payments, clientToken=TOKEN_A)
    (stored,) = emu.sessions()
    assert emu.requests()[0].committed
    assert emu.requests()[0].fault is FaultKind.DROP_AFTER_COMMIT

    emu.set_faults()
    replay = new_session(payments, clientToken=TOKEN_A)
    assert replay["paymentSessionId"] == stored.payment_session_id
    assert len(emu.sessions()) == 1
    assert emu.counts()["CreatePaymentSession"] == {"dropped": 1, "ok": 1}


def test_latency_uses_the_injected_sleep(faulty, clock):
    _, payments, _ = faulty(default_faults=FaultConfig(latency=0.25))
    payments.list_payment_sessions(userId=USER, paymentManagerArn=MANAGER_ARN)
    assert clock.sleeps == [0.25]


def test_request_rate_quota_uses_a_token_bucket(faulty, clock):
    emu, _, metering = faulty(quotas=None)
    for i in range(10):
        metering.batch_meter_usage(UsageRecords=usage(1, f"burst{i}"))
    code, status, response = error_of(lambda: metering.batch_meter_usage(UsageRecords=usage(1)))
    assert (code, status) == ("ThrottlingException", 400)
    assert "Rate exceeded" in response["Error"]["Message"]
    assert emu.requests()[-1].fault is FaultKind.QUOTA
    clock.advance(0.1)  # 10/s: one token back
    metering.batch_meter_usage(UsageRecords=usage(1, "later"))
    assert error_of(lambda: metering.batch_meter_usage(UsageRecords=usage(1)))[0] == (
        "ThrottlingException"
    )
    for _ in range(5):
        metering.register_usage(ProductCode="container", PublicKeyVersion=1)
    assert error_of(lambda: metering.register_usage(ProductCode="container", PublicKeyVersion=1))[
        0
    ] == ("ThrottlingException")
    emu.set_quota("BatchMeterUsage", None)
    for i in range(20):
        metering.batch_meter_usage(UsageRecords=usage(1, f"free{i}"))
    assert DEFAULT_QUOTAS["RegisterUsage"] == 5.0


def _outcomes(build, seed):
    _, payments, metering = build(
        seed=seed,
        default_faults=FaultConfig(throttle_rate=0.3, error_rate=0.2),
        faults={"BatchMeterUsage": FaultConfig(unprocessed_rate=0.5, throttle_rate=0.2)},
    )
    seen = []
    for i in range(12):
        try:
            seen.append(new_session(payments)["paymentSessionId"])
        except ClientError as err:
            seen.append(err.response["Error"]["Code"])
        try:
            response = metering.batch_meter_usage(UsageRecords=usage(5, f"r{i}"))
            seen.append(len(response["UnprocessedRecords"]))
        except ClientError as err:
            seen.append(err.response["Error"]["Code"])
    return seen


def test_same_seed_same_faults_and_ids(faulty):
    first, second = _outcomes(faulty, 42), _outcomes(faulty, 42)
    assert first == second
    assert {"ThrottlingException", "InternalServerException"} <= set(first)
    assert _outcomes(faulty, 43) != first


def test_faults_change_at_runtime(faulty):
    emu, payments, _ = faulty()
    new_session(payments)
    emu.set_faults({"CreatePaymentSession": FaultConfig(throttle_rate=1.0)})
    assert error_of(lambda: new_session(payments))[0] == "ThrottlingException"
    emu.set_faults(default=FaultConfig(error_rate=1.0))
    assert error_of(lambda: new_session(payments))[0] == "InternalServerException"
    emu.set_faults()
    new_session(payments)
    assert len(emu.sessions()) == 2


def test_fault_config_parsing_and_checks():
    assert FaultConfig.parse("") == FaultConfig()
    assert FaultConfig.parse(" throttle_rate=0.1 , latency=0.005") == FaultConfig(
        throttle_rate=0.1, latency=0.005
    )
    specs = parse_fault_specs(["BatchMeterUsage:unprocessed_rate=0.2;*:error_rate=0.01"])
    assert specs == {
        "BatchMeterUsage": FaultConfig(unprocessed_rate=0.2),
        "*": FaultConfig(error_rate=0.01),
    }
    for bad in ("throttle=0.1", "throttle_rate=abc", "throttle_rate=2"):
        with pytest.raises(ValueError):
            FaultConfig.parse(bad)
    for bad_spec in ("NoSuchOperation:error_rate=0.1", "error_rate=0.1"):
        with pytest.raises(ValueError):
            parse_fault_specs([bad_spec])
    with pytest.raises(ValueError):
        FaultConfig(latency=-1)


def test_quota_parsing():
    assert parse_quotas(["BatchMeterUsage=25,MeterUsage=none", " RegisterUsage = 2.5 "]) == {
        "BatchMeterUsage": 25.0,
        "MeterUsage": None,
        "RegisterUsage": 2.5,
    }
    for bad in ("BatchMeterUsage", "BatchMeterUsage=fast", "BatchMeterUsage=0", "Nope=1"):
        with pytest.raises(ValueError):
            parse_quotas([bad])


def test_all_exports_are_sorted():
    import agentcore_billing.emulator as package

    assert package.__all__ == sorted(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)
