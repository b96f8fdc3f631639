"""``meter --product-code``: records of many licenses share BatchMeterUsage requests.

The emulator counts the requests it received; the bound is what the Python API with a
call-level ``product_code`` needs (25 records per request).
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from agentcore_billing._core.clock import utc_now
from agentcore_billing.cli import cli
from agentcore_billing.emulator import NO_QUOTAS, Emulator

PRODUCT = "prod-many-licenses"


def _license(i: int) -> tuple[str, str]:
    account = str(200000000000 + i)
    return account, f"arn:aws:license-manager::{account}:license:l-{i:04d}"


def _usage_file(tmp_path: Path, licenses: int, hours: int) -> Path:
    """``licenses * hours`` records: one per license and hour, licenses interleaved."""
    top = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rows = []
    for hour in range(hours):
        for i in range(licenses):
            account, arn = _license(i)
            record = {
                "timestamp": (top - timedelta(hours=hour)).isoformat(),
                "dimension": "tokens",
                "quantity": hour + 1,
                "customer_aws_account_id": account,
                "license_arn": arn,
            }
            rows.append(json.dumps(record))
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("licenses", "hours"), [(60, 3), (200, 3)])
def test_product_code_lets_licenses_share_requests(
    tmp_path: Path, licenses: int, hours: int
) -> None:
    # The issue saw one request per license or more: 60 for 180 records, 203 for 1,800
    # of 200 licenses (600 of them here: 24 requests at the CLI's 10/s pace, not 72).
    with Emulator(quotas=NO_QUOTAS) as emu:
        for i in range(licenses):
            account, arn = _license(i)
            emu.add_customer(customer_aws_account_id=account, product_code=PRODUCT, license_arn=arn)
        usage = _usage_file(tmp_path, licenses, hours)
        argv = ["meter", str(usage), "--product-code", PRODUCT, "--json"]
        argv += ["--endpoint-url", emu.endpoint_url, "--region", "us-east-1"]
        result = CliRunner().invoke(cli, argv)
        requests = [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
        accepted = len(emu.accepted_usage_records())
    records = licenses * hours
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["SUCCESS"] == records == accepted
    assert len(requests) == math.ceil(records / 25)  # 8 for 180 records, 72 for 1,800
    assert all("ProductCode" not in r.params for r in requests)  # grouped, never sent
