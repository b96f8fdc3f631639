"""Fixtures for the payments contract tests: a real boto3 client under botocore's Stubber.

The Stubber checks every request against the service model (and against the exact
parameters a test expects); the ``sent`` recorder sees the parameters of every
attempt, which is how the tests prove a token is reused or that nothing was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from pydantic import ValidationError

from agentcore_billing import InvalidInputError, PaymentsClient, RetryPolicy
from agentcore_billing._core.clock import ManualClock
from tests.support import ARN, NOW, record_calls
from tests.support import payments_boto_client as real_client


class Wire:
    """Sample ids and service-shaped responses (timestamps as datetimes, as Stubber gives)."""

    arn = ARN
    now = NOW
    session_id = "payment-session-abcdefghij12345"
    instrument_id = "payment-instrument-abcdefghij12345"
    connector_id = "coinbase-abcdef1234"
    payment_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    token = "replayable-token-0000-1111-2222-3333"

    def session(self, **extra: Any) -> dict[str, Any]:
        return {
            "paymentSessionId": self.session_id,
            "paymentManagerArn": ARN,
            "userId": "user-1",
            "expiryTimeInMinutes": 60,
            "createdAt": NOW,
            "updatedAt": NOW,
            **extra,
        }

    def instrument_summary(self, **extra: Any) -> dict[str, Any]:
        return {
            "paymentInstrumentId": self.instrument_id,
            "paymentManagerArn": ARN,
            "paymentConnectorId": self.connector_id,
            "userId": "user-1",
            "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
            "status": "ACTIVE",
            "createdAt": NOW,
            "updatedAt": NOW,
            **extra,
        }

    def instrument(self, **extra: Any) -> dict[str, Any]:
        details = {
            "embeddedCryptoWallet": {
                "network": "ETHEREUM",
                "linkedAccounts": [{"email": {"emailAddress": "buyer@example.com"}}],
                "walletAddress": "0xabc",
            }
        }
        return self.instrument_summary(paymentInstrumentDetails=details, **extra)

    def payment(self, output: dict[str, Any], payment_type: str = "MPP") -> dict[str, Any]:
        return {
            "processPaymentId": self.payment_id,
            "paymentManagerArn": ARN,
            "paymentSessionId": self.session_id,
            "paymentInstrumentId": self.instrument_id,
            "paymentType": payment_type,
            "status": "PROOF_GENERATED",
            "paymentOutput": output,
            "createdAt": NOW,
            "updatedAt": NOW,
        }


EXACT_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.5, max_delay=4.0, deadline=None, jitter=False
)
"""Back-off caps 0.5, 1, 2 with no jitter, so the recorded sleeps are exact."""


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def boto_client() -> Any:
    return real_client()


@pytest.fixture
def sent(boto_client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of every client call, in order, retries included."""
    return record_calls(boto_client)


@pytest.fixture
def stubber(boto_client: Any) -> Iterator[Stubber]:
    with Stubber(boto_client) as stub:
        yield stub


@pytest.fixture
def make_payments(
    boto_client: Any, stubber: Stubber, clock: ManualClock
) -> Callable[..., PaymentsClient]:
    """Build a PaymentsClient on the stubbed client; keywords override the test defaults."""

    def make(**overrides: Any) -> PaymentsClient:
        options: dict[str, Any] = {
            "client": boto_client,
            "retry": EXACT_RETRY,
            "sleep": clock.sleep,
            "monotonic": clock.monotonic,
            "clock": clock.now,
            **overrides,
        }
        return PaymentsClient(ARN, **options)

    return make


@pytest.fixture
def payments(make_payments: Callable[..., PaymentsClient]) -> PaymentsClient:
    return make_payments()


def error_locations(error: BaseException) -> list[str]:
    """The field names an input error points at."""
    if isinstance(error, InvalidInputError):
        return [part for field, _, _ in error.problems for part in field.split(".")]
    assert isinstance(error, ValidationError), f"not an input error: {error!r}"
    return [str(part) for item in error.errors() for part in item["loc"]]


Rejects = Callable[..., BaseException]


@pytest.fixture
def rejects(sent: list[tuple[str, dict[str, Any]]], stubber: Stubber) -> Rejects:
    """Run ``call``; assert an input error naming ``field`` and that nothing was sent."""

    def check(
        call: Callable[[], Any],
        field: str,
        *,
        rule: str | None = None,
        shows: str | None = None,
        hides: str | None = None,
    ) -> BaseException:
        with pytest.raises((ValidationError, InvalidInputError)) as caught:
            call()
        error = caught.value
        assert field in error_locations(error), (field, str(error))
        text = str(error)
        if rule is not None:
            assert rule in text, text
        if shows is not None:
            assert shows in text, text
        if hides is not None:
            assert hides not in text
            assert hides not in repr(error)
        assert sent == [], "a request was sent for invalid input"
        stubber.assert_no_pending_responses()
        return error

    return check
