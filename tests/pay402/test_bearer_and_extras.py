"""JWT bearer mode against the emulator, AWS Billing end to end, and lazy HTTP extras."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
from typing import Any

import pytest

from agentcore_billing import (
    AwsBillingX402Payment,
    ConfigurationError,
    InvalidInputError,
    Money,
    PaymentsClient,
    ServiceValidationError,
)
from agentcore_billing.emulator import Emulator


def jwt(subject: str) -> str:
    def part(document: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part({'sub': subject})}.c2lnbmF0dXJl"


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize("aws_env", ["no AWS credentials", "AWS credentials with a session token"])
def test_jwt_call_sends_only_the_bearer(
    emu: Emulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    if aws_env == "no AWS credentials":
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(key, raising=False)
    assert emu.demo is not None
    token = jwt("jwt-user-7")
    payments = PaymentsClient(
        emu.demo.payment_manager_arn,
        bearer_token=token,
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
    )
    with caplog.at_level(logging.DEBUG):
        session = payments.create_payment_session(
            expiry_time_in_minutes=30, max_spend=Money.usd("1")
        )
    assert session.user_id == "jwt-user-7"  # the service took the token's subject
    (request,) = emu.requests()
    assert request.headers["authorization"] == f"Bearer {token}"
    assert [name for name in request.headers if name.startswith("x-amz-")] == []
    assert "userId" not in request.params
    assert token not in caplog.text
    assert token not in repr(payments.client.meta.events) and "token" not in repr(payments)


@pytest.mark.usefixtures("no_aws_credentials")
def test_token_provider_is_asked_per_request(emu: Emulator) -> None:
    assert emu.demo is not None
    tokens = iter([jwt("first-user"), jwt("second-user")])
    payments = PaymentsClient(
        emu.demo.payment_manager_arn,
        token_provider=lambda: next(tokens),
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
    )
    first = payments.create_payment_session(expiry_time_in_minutes=30)
    second = payments.create_payment_session(expiry_time_in_minutes=30)
    assert (first.user_id, second.user_id) == ("first-user", "second-user")
    with pytest.raises(ConfigurationError, match="StopIteration"):
        payments.create_payment_session(expiry_time_in_minutes=30)


def test_bearer_arguments_are_checked() -> None:
    arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
    with pytest.raises(InvalidInputError, match="user_id"):
        PaymentsClient(arn, bearer_token="a.b.c", user_id="u")
    with pytest.raises(InvalidInputError, match="exactly one"):
        PaymentsClient(arn, bearer_token="a.b.c", token_provider=lambda: "x")
    with pytest.raises(InvalidInputError, match="CR, LF") as caught:
        PaymentsClient(arn, bearer_token="secret\r\nX-Evil: 1")
    assert "secret" not in str(caught.value)
    with pytest.raises(InvalidInputError, match="client"):
        PaymentsClient(arn, bearer_token="a.b.c", client=object())


def test_bearer_mode_refuses_a_per_call_user_id_before_any_request() -> None:
    arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
    payments = PaymentsClient(arn, bearer_token="a.b.c", region_name="us-east-1")
    with pytest.raises(InvalidInputError, match="token's subject") as caught:
        payments.get_payment_session("payment-session-abcdefghijklmno", user_id="u-2")
    assert caught.value.field == "user_id"
    with pytest.raises(InvalidInputError, match="token's subject"):
        payments.create_payment_session(expiry_time_in_minutes=30, user_id="u-2")


def test_aws_billing_payment_through_the_emulator(emu: Emulator, boto_session: Any) -> None:
    assert emu.demo is not None
    payments = PaymentsClient(
        emu.demo.payment_manager_arn,
        session=boto_session,
        endpoint_url=emu.endpoint_url,
        user_id=emu.demo.user_id,
    )
    session = payments.create_payment_session(expiry_time_in_minutes=30, max_spend=Money.usd("1"))
    requirement = {
        "scheme": "exact",
        "network": "aws",
        "amount": "250000",
        "asset": "USD",
        "payTo": "seller",
        "extra": {"quoteToken": "signed-quote"},
    }
    result = payments.process_payment(
        payment_session_id=session.payment_session_id,
        payment_instrument_id=AwsBillingX402Payment.instrument_id,
        payment=AwsBillingX402Payment(version=2, payload=requirement),
    )
    assert result.payment_type == "AWS_BILLING_X402" and result.aws_billing is not None
    assert result.aws_billing.payment_token.get_secret_value().count(".") == 2
    after = payments.get_payment_session(session.payment_session_id)
    assert after.available_spend == Money.usd("0.75")
    with pytest.raises(ServiceValidationError, match="quoteToken"):
        payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=AwsBillingX402Payment.instrument_id,
            payment=AwsBillingX402Payment(version=2, payload={"amount": "1"}),
        )


def test_import_agentcore_billing_imports_no_http_client() -> None:
    code = (
        "import sys, agentcore_billing, agentcore_billing.http\n"
        "agentcore_billing.PaymentsClient, agentcore_billing.PaymentChallenge\n"
        "print(sorted(m for m in ('httpx', 'requests') if m in sys.modules))\n"
        "agentcore_billing.http.HttpxPaymentAuth\n"
        "print('httpx' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert output == ["[]", "True"]
