"""The hard per-call deadline, through real botocore clients answered in process.

A ``before-send`` handler registered after the library's reads the read timeout the
request carries in its context (botocore's per-request override), then a
:class:`CannedResponder` answers, so nothing leaves the process and nothing waits.
Time is real where a socket would be cut (a fake clock cannot bound a real read) and
manual where only waits are involved.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from agentcore_billing import (
    DeadlineExceededError,
    MeteringClient,
    RetryPolicy,
    ThrottlingError,
    TransportError,
)
from agentcore_billing._core.clock import ManualClock
from agentcore_billing._core.engine import Invoker
from agentcore_billing._core.retry import Retrier
from agentcore_billing._core.seam import LazyClient
from agentcore_billing.testing import CannedResponder
from tests.support import NOW, PRODUCT, metering_boto_client

RESOLVED = {"CustomerIdentifier": "c-1", "ProductCode": PRODUCT, "CustomerAWSAccountId": "1" * 12}


def _invoker(
    client: Any, deadline: float | None, clock: ManualClock | None = None, attempts: int = 3
) -> Invoker:
    policy = RetryPolicy(max_attempts=attempts, initial_delay=0.5, jitter=False, deadline=deadline)
    if clock is None:
        return Invoker(LazyClient("meteringmarketplace", client=client), Retrier(policy))
    retrier = Retrier(policy, sleep=clock.sleep, monotonic=clock.monotonic)
    return Invoker(LazyClient("meteringmarketplace", client=client), retrier)


def _read_timeouts(client: Any, on_send: Any = None) -> list[float | None]:
    """The read timeout override of every request ``client`` sends from now on."""
    seen: list[float | None] = []

    def record(request: Any, **_: Any) -> None:
        seen.append(request.context.get("read_timeout"))
        if on_send is not None:
            on_send()

    client.meta.events.register("before-send", record)
    return seen


def _resolve(invoker: Invoker) -> dict[str, Any]:
    return invoker.call("ResolveCustomer", {"RegistrationToken": "t"}).data


def test_a_call_near_its_deadline_cuts_the_read_timeout_to_the_time_left() -> None:
    client = metering_boto_client()  # read timeout 60 s
    invoker = _invoker(client, deadline=2.5)
    seen = _read_timeouts(client)
    CannedResponder(answer=lambda op, body: (200, RESOLVED)).attach(client)

    _resolve(invoker)

    [cut] = seen
    assert cut is not None and 2.0 < cut <= 2.5


def test_a_far_deadline_leaves_the_clients_read_timeout_alone() -> None:
    client = metering_boto_client()
    seen = _read_timeouts(client)
    CannedResponder(answer=lambda op, body: (200, RESOLVED)).attach(client)

    _resolve(_invoker(client, deadline=120.0))
    _resolve(_invoker(client, deadline=None))

    assert seen == [None, None]


def test_threads_sharing_one_client_each_cut_their_own_request() -> None:
    client = metering_boto_client()
    deadlines = [1.0, 2.0, 3.0, 4.0]
    invokers = [_invoker(client, deadline=deadline) for deadline in deadlines]
    inside = threading.Barrier(len(deadlines), timeout=10)
    # Every thread waits in the send hook until all four are there: four requests on
    # one client at once, each carrying its own call's deadline.
    seen = _read_timeouts(client, on_send=inside.wait)
    CannedResponder(answer=lambda op, body: (200, RESOLVED)).attach(client)
    threads = [threading.Thread(target=_resolve, args=(invoker,)) for invoker in invokers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    cuts = sorted(value for value in seen if value is not None)
    assert len(cuts) == len(deadlines)
    for cut, deadline in zip(cuts, deadlines, strict=True):
        assert deadline - 0.5 < cut <= deadline


def test_a_read_timeout_after_the_cut_is_a_deadline_error_with_the_token() -> None:
    client = metering_boto_client()
    metering = MeteringClient(
        client=client,
        product_code=PRODUCT,
        retry=RetryPolicy(max_attempts=1, deadline=2.5),
        clock=lambda: NOW,
    )
    # Answered after the library's hook cut the read timeout, as a slow server would be.
    responder = CannedResponder().attach(client)
    responder.queue_error("MeterUsage", ReadTimeoutError(endpoint_url="https://metering"))

    with pytest.raises(DeadlineExceededError) as info:
        metering.meter_usage(timestamp=NOW - timedelta(minutes=5), dimension="d", quantity=1)

    err = info.value
    assert isinstance(err, TransportError) and err.outcome_unknown
    assert err.operation == "MeterUsage" and err.client_token
    assert str(err).startswith("MeterUsage: DeadlineExceeded: RetryPolicy.deadline of 2.5s")
    assert f"client_token={err.client_token!r}" in str(err)


def test_a_read_timeout_not_cut_by_the_deadline_stays_a_plain_transport_error() -> None:
    client = metering_boto_client()
    responder = CannedResponder().attach(client)
    responder.queue_error("ResolveCustomer", ReadTimeoutError(endpoint_url="https://metering"))

    with pytest.raises(TransportError) as info:
        _invoker(client, deadline=None, clock=ManualClock(), attempts=1).call(
            "ResolveCustomer", {"RegistrationToken": "t"}, mutating=False
        )
    assert type(info.value) is TransportError


def test_a_fake_clock_never_cuts_a_real_socket() -> None:
    client = metering_boto_client()
    clock = ManualClock()
    seen = _read_timeouts(client)
    CannedResponder(answer=lambda op, body: (200, RESOLVED)).attach(client)

    _resolve(_invoker(client, deadline=0.5, clock=clock))

    assert seen == [None]


def test_no_retry_starts_with_too_little_time_left() -> None:
    client, clock = metering_boto_client(), ManualClock()
    policy = RetryPolicy(max_attempts=3, initial_delay=0.95, jitter=False, deadline=1.0)
    invoker = Invoker(
        LazyClient("meteringmarketplace", client=client),
        Retrier(policy, sleep=clock.sleep, monotonic=clock.monotonic),
    )
    with Stubber(client) as stub:
        stub.add_client_error("resolve_customer", "ThrottlingException", "slow", 400)
        stub.add_response("resolve_customer", RESOLVED)
        # A retry after 0.95 s would have 0.05 s left of the 1 s deadline.
        with pytest.raises(ThrottlingError):
            _resolve(invoker)
    assert clock.sleeps == []


def test_a_pacing_slot_past_the_deadline_ends_the_call_with_its_last_failure() -> None:
    client, clock = metering_boto_client(), ManualClock(NOW)
    metering = MeteringClient(
        client=client,
        product_code=PRODUCT,
        retry=RetryPolicy(max_attempts=3, initial_delay=0.5, jitter=False, deadline=1.0),
        max_requests_per_second=0.5,  # one slot every 2 s
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        clock=clock.now,
    )
    with Stubber(client) as stub:
        stub.add_client_error("meter_usage", "ThrottlingException", "slow", 400)
        stub.add_response("meter_usage", {"MeteringRecordId": "mr-1"})
        # The back-off (0.5 s) fits the 1 s deadline, but the next slot is 2 s away.
        with pytest.raises(ThrottlingError) as info:
            metering.meter_usage(timestamp=NOW - timedelta(minutes=5), dimension="d", quantity=1)
    assert clock.monotonic() <= 1.0
    assert info.value.client_token
