"""PaymentsClient construction: the ARN first, defaults checked, the boto3 seam."""

from __future__ import annotations

import inspect

import boto3
import pytest

from agentcore_billing import InvalidInputError, PaymentsClient, RetryPolicy
from agentcore_billing.emulator import Emulator
from tests.support import ARN
from tests.support.emulated import FakeTime, payments_client
from tests.support.guard import ALLOWED


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop",
        "arn:aws:bedrock-agentcore:us-east-1:12345678901:payment-manager/shop-abcdef1234",
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/Shop-abcdef1234",
        "arn:aws:s3:us-east-1:123456789012:payment-manager/shop-abcdef1234x",
        "arn:azure:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234",
    ],
)
def test_a_bad_manager_arn_is_refused_before_anything_else(arn):
    with pytest.raises(InvalidInputError) as caught:
        PaymentsClient(arn, client=object())
    [(field, rule, _)] = caught.value.problems
    assert field == "payment_manager_arn"
    assert rule.startswith("a payment manager ARN must ")
    assert caught.value.__context__ is None
    with pytest.raises(InvalidInputError):
        PaymentsClient(payment_manager_arn=arn)


@pytest.mark.parametrize(
    "arn",
    [
        ARN,
        "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:payment-manager/a-0123456789",
        "arn:aws:bedrock-agentcore:eu-west-1:123456789012:payment-manager/"
        + "a" * 49
        + "-abcdefghij",
    ],
)
def test_well_formed_arns_are_accepted(arn):
    assert PaymentsClient(arn, region_name="us-east-1").payment_manager_arn == arn


def test_defaults_are_checked_at_construction():
    with pytest.raises(InvalidInputError) as caught:
        PaymentsClient(ARN, user_id="u" * 121)
    assert caught.value.field == "user_id"
    with pytest.raises(InvalidInputError) as caught:
        PaymentsClient(ARN, agent_name="a" * 257)
    assert caught.value.field == "agent_name"


def test_the_injected_client_is_the_escape_hatch(boto_client):
    payments = PaymentsClient(ARN, client=boto_client, retry=RetryPolicy.none())
    assert payments.client is boto_client
    assert payments.retry_policy == RetryPolicy.none()


def test_a_session_builds_a_client_lazily_with_one_retry_layer():
    payments = PaymentsClient(ARN, session=boto3.Session(region_name="eu-west-1"))
    client = payments.client
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries["total_max_attempts"] == 1  # type: ignore[attr-defined]
    assert payments.client is client


def test_public_methods_are_typed_and_keyword_only_after_the_id():
    positional_ok = {
        "get_payment_session",
        "delete_payment_session",
        "get_payment_instrument",
        "delete_payment_instrument",
        "get_payment_instrument_balance",
    }
    for name in [
        "create_payment_session",
        "get_payment_session",
        "list_payment_sessions",
        "delete_payment_session",
        "payment_session",
        "create_payment_instrument",
        "get_payment_instrument",
        "list_payment_instruments",
        "delete_payment_instrument",
        "get_payment_instrument_balance",
        "process_payment",
        "get_resource_payment_token",
    ]:
        method = getattr(PaymentsClient, name)
        assert method.__doc__ and "Example" in method.__doc__, name
        parameters = list(inspect.signature(method).parameters.values())[1:]
        positional = [p for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        assert len(positional) == (1 if name in positional_ok else 0), name
        assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters), name


HEADER_CASES = [
    ("user_id", "user\ud800"),
    ("user_id", "a\nb"),
    ("user_id", "a\r\nX-Injected: 1"),
    ("user_id", "x\x00y"),
    ("agent_name", "agent\ud800"),
    ("agent_name", "agent\r\n"),
]


@pytest.mark.parametrize(("name", "value"), HEADER_CASES)
def test_header_values_are_refused_before_sending(name: str, value: str) -> None:
    """userId/agentName travel as HTTP headers.

    Used to be checked for length only: a lone surrogate escaped as a raw AttributeError
    from botocore's SigV4 signer; CR/LF failed in http.client and came back as a
    retried TransportError marked outcome_unknown although nothing was sent; NUL was
    sent. Over real HTTP, against the emulator.
    """
    fake = FakeTime()
    with Emulator(clock=fake.now) as emu:
        payments = payments_client(emu, fake, user_id="rely-user")
        with pytest.raises(ALLOWED):
            payments.create_payment_session(expiry_time_in_minutes=60, **{name: value})
        assert emu.requests() == ()
