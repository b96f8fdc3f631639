"""The pytest plugin: users' tests get a fresh emulator and facades pointed at it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from agentcore_billing import MeteringOutcome, Money, UsageRecord


def test_fixtures_drive_both_facades_over_http(
    billing_payments: Any, billing_metering: Any, billing_emulator: Any
) -> None:
    with billing_payments.payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd("1.00")
    ) as session:
        assert session.available_spend == Money.usd("1.00")
    assert billing_emulator.sessions() == ()

    legacy = next(c for c in billing_emulator.demo.customers if c.customer_identifier)
    now = billing_emulator_now(billing_emulator)
    report = billing_metering.batch_meter_usage(
        [
            UsageRecord(
                timestamp=now,
                dimension="tokens",
                quantity=3,
                customer_identifier=legacy.customer_identifier,
            )
        ]
    )
    assert [r.outcome for r in report.results] == [MeteringOutcome.SUCCESS]
    assert len(billing_emulator.accepted_usage_records()) == 1


def billing_emulator_now(emu: Any) -> Any:
    from agentcore_billing._core.clock import utc_now

    return utc_now().replace(minute=0, second=0, microsecond=0)


def test_loading_the_plugin_imports_no_boto3_or_botocore() -> None:
    code = (
        "import sys, agentcore_billing.testing;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
