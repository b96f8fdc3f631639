"""The ``meter`` progress bar moves as answers arrive, driven by ``on_result``.

The emulator holds the first BatchMeterUsage request it receives until the progress
shows every other record answered: when progress followed the iterator (input order),
one slow request held back every later answer and the request waited in vain.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from agentcore_billing import MeteringClient
from agentcore_billing._core.clock import utc_now
from agentcore_billing.cli._meter_run import Feed, send
from agentcore_billing.cli._records import read_records
from agentcore_billing.cli._summary import MeterTally
from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig

PRODUCT = "prod-progress"
RECORDS = 200  # eight full requests; four in flight at once


def _lines() -> list[str]:
    hour = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    row = {"timestamp": hour.isoformat(), "dimension": "tokens", "quantity": 1}
    return [json.dumps({**row, "customer_identifier": f"c-{i}"}) for i in range(RECORDS)]


def test_progress_moves_while_an_earlier_request_is_still_unanswered() -> None:
    # Before: the held request waited out its 10 s and progress stayed at 75 or less.
    everyone_else = threading.Event()
    first = threading.Lock()
    held: list[bool] = []

    def emulator_sleep(_seconds: float) -> None:
        if first.acquire(blocking=False):  # the first request to arrive
            held.append(everyone_else.wait(timeout=10))

    faults = {"BatchMeterUsage": FaultConfig(latency=0.001)}
    with Emulator(quotas=NO_QUOTAS, faults=faults, sleep=emulator_sleep) as emu:
        for i in range(RECORDS):
            emu.add_customer(
                customer_aws_account_id=str(300000000000 + i),
                product_code=PRODUCT,
                customer_identifier=f"c-{i}",
            )
        steps: list[int] = []

        def advance(count: int) -> None:
            steps.append(count)
            if sum(steps) == RECORDS - 25:
                everyone_else.set()

        tally = MeterTally()
        metering = MeteringClient(
            endpoint_url=emu.endpoint_url, region_name="us-east-1", product_code=PRODUCT
        )
        feed = Feed(read_records(_lines(), "jsonl"), tally, advance=advance)
        send(metering, feed, tally, advance)
    assert held == [True]  # released by the progress, not by the timeout
    assert tally.counts()["SUCCESS"] == RECORDS == sum(steps)
    assert set(steps) == {1}  # one step per answered record
