"""Clients of one account and Region in one process share one pacer (emulator over HTTP).

Eight MeteringClient instances, each with its own boto3 client and its own four
workers, meter from eight threads at once against the emulator's real BatchMeterUsage
quota (10 requests/s). Paced on their own, they would send eight times the quota (the
issue saw 51 % of requests throttled); sharing one pacer they send at the quota.

Real time throughout: a shared pacer exists only for clients on the real clock (an
injected clock gets a private pacer), and the emulator's token bucket refills in real
time. The test waits for nothing but the batches themselves (a few seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3

from agentcore_billing import BatchMeterReport, MeteringClient, MeteringOutcome, RetryPolicy
from agentcore_billing._core.clock import monotonic, utc_now
from agentcore_billing.emulator import Emulator
from tests.support import ONE_ATTEMPT
from tests.support.figures import Figures

from . import _emulated as e

CLIENTS = 8
RECORDS_PER_CLIENT = 100  # four full requests each: 32 requests, about 3 s at 10/s
MAX_THROTTLED_SHARE = 0.10
PATIENT = RetryPolicy(max_attempts=10, initial_delay=0.05, max_delay=1.0, deadline=None)


def test_eight_clients_of_one_account_share_the_request_quota(
    make_emulator: Callable[..., Emulator], boto_session: boto3.Session, figures: Figures
) -> None:
    emu = make_emulator(clock=utc_now, monotonic=monotonic)  # the default 10/s quota
    e.seed(emu, CLIENTS * RECORDS_PER_CLIENT)
    hour = utc_now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    records = list(
        e.records(CLIENTS * RECORDS_PER_CLIENT, customers=CLIENTS * RECORDS_PER_CLIENT, hour=hour)
    )
    clients = [_client(emu, boto_session) for _ in range(CLIENTS)]
    reports = _meter_at_once(clients, [records[i::CLIENTS] for i in range(CLIENTS)])

    requests = e.batch_requests(emu)
    throttled = [r for r in requests if r.error_code == "ThrottlingException"]
    share = len(throttled) / len(requests)
    figures.add(
        clients=CLIENTS,
        records=len(records),
        requests=len(requests),
        throttled=len(throttled),
        throttled_share=share,
    )
    succeeded = {
        e.key(r)
        for report in reports
        for r in report.results
        if r.outcome is MeteringOutcome.SUCCESS
    }
    assert succeeded == e.billed(emu)
    assert len(succeeded) == len(records)
    assert share <= MAX_THROTTLED_SHARE, f"{share:.0%} of {len(requests)} requests throttled"


def _client(emu: Emulator, session: boto3.Session) -> MeteringClient:
    metering = MeteringClient(
        session=session, endpoint_url=emu.endpoint_url, product_code=e.PRODUCT, retry=PATIENT
    )
    assert metering.client is not None  # built here: boto3 sessions are not thread-safe
    return metering


def _meter_at_once(
    clients: list[MeteringClient], batches: list[list[Any]]
) -> list[BatchMeterReport[Any]]:
    start = threading.Barrier(len(clients), timeout=30)
    reports: list[BatchMeterReport[Any] | None] = [None] * len(clients)

    def run(i: int) -> None:
        start.wait()
        reports[i] = clients[i].batch_meter_usage(batches[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(report is not None for report in reports)
    return [report for report in reports if report is not None]


def test_the_pacer_is_keyed_by_the_access_key_the_client_signs_with(
    make_emulator: Callable[..., Emulator], boto_session: boto3.Session
) -> None:
    emu = make_emulator()

    def pacer_of(session: boto3.Session | None = None, client: Any = None) -> object:
        if client is not None:
            return MeteringClient(client=client)._pacer("BatchMeterUsage")
        metering = MeteringClient(session=session, endpoint_url=emu.endpoint_url)
        return metering._pacer("BatchMeterUsage")

    other_key = boto3.Session(
        aws_access_key_id="AKIDOTHER", aws_secret_access_key="x", region_name="us-east-1"
    )
    injected = other_key.client(
        "meteringmarketplace", endpoint_url=emu.endpoint_url, config=ONE_ATTEMPT
    )
    assert pacer_of(session=boto_session) is pacer_of(session=boto_session)
    assert pacer_of(session=other_key) is not pacer_of(session=boto_session)
    # An injected client of the same key (read from its signer) shares the session's.
    assert pacer_of(client=injected) is pacer_of(session=other_key)
