"""Silent traps a new user fell into (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from agentcore_billing import MeteringClient, RetryPolicy, UsageRecord
from agentcore_billing._core.clock import utc_now
from agentcore_billing.emulator import NO_QUOTAS, Emulator
from agentcore_billing.testing import emulator_session


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(demo_data=True, quotas=NO_QUOTAS) as emulator:
        yield emulator


def _licensed_records(emu: Emulator, count: int) -> list[UsageRecord]:
    hour = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    records = []
    for i in range(count):
        account = f"{500000000000 + i}"
        license_arn = f"arn:aws:license-manager::{account}:license:l-{i:032x}"
        emu.add_customer(
            customer_aws_account_id=account,
            product_code="demo-saas-product",
            license_arn=license_arn,
        )
        records.append(
            UsageRecord(
                timestamp=hour,
                dimension="tokens",
                quantity=i + 1,
                customer_aws_account_id=account,
                license_arn=license_arn,
            )
        )
    return records


def test_the_readme_tours_client_product_code_lets_licenses_share_requests(
    emu: Emulator,
) -> None:
    metering = MeteringClient(
        session=emulator_session(),
        endpoint_url=emu.endpoint_url,
        product_code="demo-saas-product",  # as the README tour builds it
        retry=RetryPolicy.none(),
    )
    report = metering.batch_meter_usage(_licensed_records(emu, 100))
    assert report.ok and len(report) == 100
    sent = [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
    assert len(sent) == 4  # 100 records / 25 per request; was one request per license
    assert all("ProductCode" not in r.params for r in sent)
