"""MeterUsage, ResolveCustomer, RegisterUsage and the constructor, on a real stubbed client."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import ANY

from agentcore_billing import (
    DuplicateRequestError,
    ExpiredTokenError,
    InvalidInputError,
    InvalidTokenError,
    MeteringClient,
    RegisterUsageResult,
    RetryPolicy,
    ThrottlingError,
    UsageAllocation,
)

CANARY = "reg-token-CANARY-7f3a9c1e5b"


def _meter_params(kit: Any, token: Any, **extra: Any) -> dict[str, Any]:
    params = {
        "ProductCode": kit.PRODUCT,
        "Timestamp": kit.NOW - timedelta(hours=1),
        "UsageDimension": "hours",
        "UsageQuantity": 2,
        "ClientToken": token,
    }
    params.update(extra)
    return params


def test_meter_usage_retries_reuse_one_client_token(kit: Any) -> None:
    client = kit.real_client()
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    with kit.Stubber(client) as stub:
        stub.add_client_error(
            "meter_usage",
            "ThrottlingException",
            http_status_code=400,
            expected_params=_meter_params(kit, ANY),
        )
        stub.add_client_error(
            "meter_usage",
            "InternalServiceErrorException",
            http_status_code=500,
            expected_params=_meter_params(kit, ANY),
        )
        stub.add_response("meter_usage", {"MeteringRecordId": "mr-1"}, _meter_params(kit, ANY))
        sent: list[str] = []
        client.meta.events.register_first(
            "before-parameter-build.marketplace-metering.MeterUsage",
            lambda params, **_: sent.append(params["ClientToken"]),
        )
        result = metering.meter_usage(
            timestamp=kit.NOW - timedelta(hours=1), dimension="hours", quantity=2
        )
        stub.assert_no_pending_responses()
    assert result.metering_record_id == "mr-1"
    assert len(sent) == 3 and len(set(sent)) == 1 and sent[0] == result.client_token
    assert clock.sleeps == [0.5, 1.0]  # the back-offs; each retry's pacing slot falls inside


def test_meter_usage_errors_carry_the_token(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    with kit.Stubber(client) as stub:
        stub.add_client_error(
            "meter_usage",
            "DuplicateRequestException",
            expected_params=_meter_params(kit, "my-token"),
        )
        with pytest.raises(DuplicateRequestError) as caught:
            metering.meter_usage(
                timestamp=kit.NOW - timedelta(hours=1),
                dimension="hours",
                quantity=2,
                client_token="my-token",
            )
    assert caught.value.client_token == "my-token"


def test_meter_usage_throttled_past_the_budget_raises_with_the_token(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(
        client, product_code=kit.PRODUCT, retry=RetryPolicy(max_attempts=2, jitter=False)
    )
    with kit.Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("meter_usage", "ThrottlingException")
        with pytest.raises(ThrottlingError) as caught:
            metering.meter_usage(timestamp=kit.NOW, dimension="d", quantity=1)
    assert caught.value.client_token


def test_meter_usage_decimal_allocations_and_dry_run(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client)
    expected = {
        "ProductCode": "prod-call",
        "Timestamp": kit.NOW - timedelta(minutes=5),
        "UsageDimension": "gb",
        "UsageQuantityAsDecimal": "1.25",
        "UsageAllocations": [
            {"AllocatedUsageQuantityAsDecimal": "1", "Tags": [{"Key": "t", "Value": "a"}]},
            {"AllocatedUsageQuantityAsDecimal": "0.25"},
        ],
        "DryRun": True,
        "ClientToken": ANY,
    }
    with kit.Stubber(client) as stub:
        stub.add_client_error(
            "meter_usage", "DryRunOperation", http_status_code=412, expected_params=expected
        )
        result = metering.meter_usage(
            product_code="prod-call",
            timestamp=kit.NOW - timedelta(minutes=5),
            dimension="gb",
            quantity=Decimal("1.2500000"),  # 7 decimals: trimmed by value
            allocations=[
                UsageAllocation(quantity=Decimal("1"), tags={"t": "a"}),
                UsageAllocation(quantity=Decimal("0.25")),
            ],
            dry_run=True,
        )
    assert result.dry_run and result.metering_record_id is None and result.client_token


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"timestamp": timedelta(hours=-6)}, InvalidInputError, "timestamp"),
        ({"timestamp": timedelta(minutes=10)}, InvalidInputError, "timestamp"),
        ({"client_token": "x" * 65}, InvalidInputError, "client_token"),
        ({"client_token": ""}, InvalidInputError, "client_token"),
        ({"product_code": "bad code"}, InvalidInputError, "product_code"),
        ({"quantity": 1.5}, InvalidInputError, "quantity"),
        ({"dimension": ""}, InvalidInputError, "dimension"),
        ({"allocations": [UsageAllocation(quantity=1)]}, InvalidInputError, "sum"),
    ],
)
def test_meter_usage_refuses_bad_input_before_any_request(
    kit: Any, kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    call: dict[str, Any] = {"timestamp": kit.NOW, "dimension": "d", "quantity": 2}
    call.update(kwargs)
    if isinstance(call["timestamp"], timedelta):
        call["timestamp"] = kit.NOW + call["timestamp"]
    with kit.Stubber(client) as stub:  # nothing queued: any request would fail the test
        with pytest.raises(error, match=field):
            metering.meter_usage(**call)
        stub.assert_no_pending_responses()


def test_meter_usage_needs_a_product_code(kit: Any) -> None:
    metering, _ = kit.make_metering(kit.real_client())
    with pytest.raises(InvalidInputError) as caught:
        metering.meter_usage(timestamp=kit.NOW, dimension="d", quantity=1)
    assert caught.value.field == "product_code"


def test_resolve_customer(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client)
    with kit.Stubber(client) as stub:
        stub.add_response(
            "resolve_customer",
            {
                "CustomerIdentifier": "",
                "CustomerAWSAccountId": "123456789012",
                "ProductCode": kit.PRODUCT,
                "LicenseArn": kit.LICENSE,
                "Metadata": {"AgreementId": "agmt-123"},
            },
            {"RegistrationToken": CANARY},
        )
        customer = metering.resolve_customer(CANARY)
    assert customer.customer_identifier is None
    assert customer.customer_aws_account_id == "123456789012"
    assert customer.product_code == kit.PRODUCT
    assert customer.license_arn == kit.LICENSE
    assert customer.agreement_id == "agmt-123"
    assert CANARY not in repr(customer)


@pytest.mark.parametrize(
    ("code", "error"),
    [("InvalidTokenException", InvalidTokenError), ("ExpiredTokenException", ExpiredTokenError)],
)
def test_resolve_customer_never_leaks_the_token(
    kit: Any, caplog: pytest.LogCaptureFixture, code: str, error: type[Exception]
) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client)
    with caplog.at_level(logging.DEBUG), kit.Stubber(client) as stub:
        stub.add_client_error(
            "resolve_customer", code, service_message=f"token {CANARY} is not valid"
        )
        with pytest.raises(error) as caught:
            metering.resolve_customer(CANARY)
    err = caught.value
    rendered = "".join(traceback.format_exception(err))
    for text in (str(err), repr(err), err.message, rendered, caplog.text):  # type: ignore[attr-defined]
        assert CANARY not in text
    assert "***" in err.message  # type: ignore[attr-defined]
    # Only a scrubbed stand-in of botocore's exception is chained; nothing as context.
    assert type(err.__cause__).__name__ == "ScrubbedCause" and err.__context__ is None
    assert CANARY not in str(err.__cause__)
    assert err.code == code  # type: ignore[attr-defined]


def test_resolve_customer_throttled_retries_keep_the_token_out_of_logs(
    kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client)
    with caplog.at_level(logging.DEBUG), kit.Stubber(client) as stub:
        stub.add_client_error("resolve_customer", "ThrottlingException")
        stub.add_response(
            "resolve_customer", {"CustomerAWSAccountId": "1"}, {"RegistrationToken": CANARY}
        )
        metering.resolve_customer(CANARY)
    assert "retrying ResolveCustomer" in caplog.text
    assert CANARY not in caplog.text


@pytest.mark.parametrize("token", ["", None, 12345, b"bytes-token"])
def test_resolve_customer_refuses_bad_tokens_masked(kit: Any, token: Any) -> None:
    metering, _ = kit.make_metering(kit.real_client())
    with pytest.raises(InvalidInputError) as caught:
        metering.resolve_customer(token)
    assert caught.value.field == "registration_token"
    assert "bytes-token" not in str(caught.value)


def test_register_usage(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    rotation = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with kit.Stubber(client) as stub:
        stub.add_response(
            "register_usage",
            {"Signature": "eyJhbGciOi.jwt", "PublicKeyRotationTimestamp": rotation},
            {"ProductCode": kit.PRODUCT, "PublicKeyVersion": 1, "Nonce": "n-1"},
        )
        result = metering.register_usage(public_key_version=1, nonce="n-1")
    assert result.signature == "eyJhbGciOi.jwt"
    assert result.public_key_rotation_timestamp == rotation
    assert "eyJ" not in repr(result)
    raw = RegisterUsageResult.from_wire(
        {"Signature": "s", "PublicKeyRotationTimestamp": rotation.timestamp()}
    )
    assert raw.public_key_rotation_timestamp == rotation  # epoch numbers from our own clients


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"public_key_version": 0}, "public_key_version"),
        ({"public_key_version": True}, "public_key_version"),
        ({"public_key_version": "1"}, "public_key_version"),
        ({"public_key_version": 1, "nonce": "n" * 256}, "nonce"),
        ({"public_key_version": 1, "product_code": "bad code"}, "product_code"),
    ],
)
def test_register_usage_refuses_bad_input(kit: Any, kwargs: dict[str, Any], field: str) -> None:
    metering, _ = kit.make_metering(kit.real_client(), product_code=kit.PRODUCT)
    with pytest.raises(InvalidInputError) as caught:
        metering.register_usage(**kwargs)
    assert caught.value.field == field


def test_register_usage_is_paced_at_five_per_second(kit: Any) -> None:
    client = kit.real_client()
    metering, clock = kit.make_metering(client, product_code=kit.PRODUCT)
    with kit.Stubber(client) as stub:
        for _ in range(3):
            stub.add_response("register_usage", {"Signature": "s"})
        for _ in range(3):
            metering.register_usage(public_key_version=1)
    assert clock.sleeps == pytest.approx([0.2, 0.2])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_workers": 0}, "max_workers"),
        ({"max_workers": True}, "max_workers"),
        ({"max_requests_per_second": 0}, "max_requests_per_second"),
        ({"max_requests_per_second": float("nan")}, "max_requests_per_second"),
        ({"product_code": "not valid!"}, "product_code"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_constructor_validates(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        MeteringClient(region_name="us-east-1", **kwargs)
    assert caught.value.field == field


def test_client_escape_hatch_and_lazy_build(kit: Any) -> None:
    client = kit.real_client()
    assert MeteringClient(client=client).client is client
    built = MeteringClient(region_name="eu-west-1")
    assert built.client.meta.region_name == "eu-west-1"
    assert built.client.meta.service_model.service_name == "meteringmarketplace"


def test_a_short_echoed_token_is_masked_where_it_stands_and_nowhere_else(kit: Any) -> None:
    client = kit.real_client()
    metering, _ = kit.make_metering(client)
    with kit.Stubber(client) as stub:
        stub.add_client_error(
            "resolve_customer",
            "InvalidTokenException",
            service_message="Registration token ab is invalid: a bad format",
        )
        with pytest.raises(InvalidTokenError) as caught:
            metering.resolve_customer("ab")
    assert caught.value.message == "Registration token '***' (2 chars) is invalid: a bad format"


@pytest.mark.parametrize("rate", [5e-324, 1e-9, 0.0009])
def test_a_pace_too_slow_for_the_pacer_is_an_input_error(rate: float) -> None:
    """A rate of 5e-324 used to raise ZeroDivisionError (found by the bad-input fuzz)."""
    with pytest.raises(InvalidInputError) as caught:
        MeteringClient(region_name="us-east-1", max_requests_per_second=rate)
    assert caught.value.rule == "a number from 0.001 up"
    assert MeteringClient(region_name="us-east-1", max_requests_per_second=0.001)
