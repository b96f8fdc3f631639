"""Regression tests for the library bugs the reliability suite found, one per bug.

Each was an ``xfail(strict=True)`` test stating the broken contract until the fix
landed; its docstring says what used to happen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore_billing import (
    InvalidInputError,
    MeteringClient,
    MeteringOutcome,
    Money,
    PaymentsClient,
    TimeWindow,
    UsageRecord,
    client_token_from_key,
)
from agentcore_billing.emulator import Emulator

from ._guard import ALLOWED, ARN, Guard, base_record, metering_on
from ._support import NOW, FakeTime, payments_client

pytestmark = pytest.mark.reliability

HEADER_CASES = [
    ("user_id", "user\ud800"),
    ("user_id", "a\nb"),
    ("user_id", "a\r\nX-Injected: 1"),
    ("user_id", "x\x00y"),
    ("agent_name", "agent\ud800"),
    ("agent_name", "agent\r\n"),
]


@pytest.mark.parametrize(("name", "value"), HEADER_CASES)
def test_r3_header_values_are_refused_before_sending(name: str, value: str) -> None:
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


@pytest.mark.parametrize(
    "moment",
    [
        datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
        datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_r3_out_of_range_datetimes_are_input_errors(moment: datetime) -> None:
    """Aware datetimes whose UTC equivalent does not exist.

    Used to raise a raw OverflowError from the UTC normalisation (UsageRecord,
    meter_usage) and to abort batch_meter_usage mid-stream instead of reporting the
    record REJECTED.
    """
    metering = metering_on(Guard())
    with pytest.raises(ValidationError):
        UsageRecord(**base_record(timestamp=moment))
    with pytest.raises(ALLOWED):
        metering.meter_usage(timestamp=moment, dimension="d", quantity=1)
    report = metering.batch_meter_usage([base_record(timestamp=moment)])
    assert [r.outcome for r in report.results] == [MeteringOutcome.REJECTED]


@pytest.mark.parametrize("field", ["max_clock_skew", "month_end_grace"])
def test_r3_time_window_bounds(field: str) -> None:
    """TimeWindow used to accept timedeltas near timedelta.max, then raise OverflowError
    from violation()/check() (also inside batch_meter_usage)."""
    try:
        window = TimeWindow(**{field: timedelta.max})
    except ValidationError:
        return
    for moment in (NOW - timedelta(hours=1), NOW + timedelta(hours=1)):
        window.violation(moment, NOW)


@pytest.mark.parametrize(
    "build",
    [
        lambda: PaymentsClient(ARN, region_name="us-east-1", retry=5),
        lambda: MeteringClient(region_name="us-east-1", retry="fast"),
        lambda: MeteringClient(region_name="us-east-1", window=True),
    ],
    ids=["payments-retry", "metering-retry", "metering-window"],
)
def test_r3_constructor_config_types_are_checked(build: Callable[[], Any]) -> None:
    """retry= and window= used to be kept unchecked: PaymentsClient(retry=5) worked until
    the first throttle, then raised AttributeError mid-retry; MeteringClient(window=True)
    raised AttributeError on every batch."""
    with pytest.raises(ALLOWED):
        build()


def test_r3_unencodable_idempotency_key_is_an_input_error() -> None:
    """client_token_from_key used to raise UnicodeEncodeError (from uuid5) for a key
    holding a lone surrogate."""
    with pytest.raises(InvalidInputError):
        client_token_from_key("order-\ud800")


@pytest.mark.parametrize("amount", ["1E+39", "1E+999999", "1E-999999"])
def test_r3_money_magnitude_is_capped(amount: str) -> None:
    """Money capped the number of digits at 38 but not the exponent: Decimal('1E+999999')
    was accepted and to_wire() wrote a 1,000,000-character amount."""
    with pytest.raises(ValidationError):
        Money.usd(Decimal(amount))
