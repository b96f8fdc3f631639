"""Shared helpers for the metering tests: a fixed clock, record builders, a fake service.

``FakeMeteringService`` answers a REAL boto3 client from its ``before-send`` hook with
an ``AWSResponse`` built from the request body, so botocore's serialization, validation
and parsing all stay real and nothing leaves the process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from agentcore_billing import MeteringClient, RetryPolicy, UsageRecord
from agentcore_billing._core.clock import ManualClock
from tests.support import LICENSE, NOW, PRODUCT
from tests.support import metering_boto_client as real_client

Answer = tuple[int, dict[str, Any]]
Policy = Callable[[dict[str, Any], int], Answer]
"""(request body, call number) -> (HTTP status, JSON body)."""


def make_metering(
    client: Any, *, clock: ManualClock | None = None, **kwargs: Any
) -> tuple[MeteringClient, ManualClock]:
    """A MeteringClient on ``client`` whose time, sleep and jitter are all manual."""
    clock = clock or ManualClock(NOW)
    kwargs.setdefault("max_workers", 1)
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, initial_delay=0.5, jitter=False))
    metering = MeteringClient(
        client=client, clock=clock.now, sleep=clock.sleep, monotonic=clock.monotonic, **kwargs
    )
    return metering, clock


def legacy(i: int = 0, *, quantity: int | Decimal = 1, **kwargs: Any) -> UsageRecord:
    """A legacy (customer_identifier) record, one distinct customer per ``i``."""
    kwargs.setdefault("timestamp", NOW - timedelta(minutes=30))
    kwargs.setdefault("dimension", "tokens")
    return UsageRecord(customer_identifier=f"cust-{i}", quantity=quantity, **kwargs)


def modern(
    i: int = 0, *, quantity: int | Decimal = 1, license_arn: str = LICENSE, **kwargs: Any
) -> UsageRecord:
    """A new-integration (account id + license) record."""
    kwargs.setdefault("timestamp", NOW - timedelta(minutes=30))
    kwargs.setdefault("dimension", "tokens")
    return UsageRecord(
        customer_aws_account_id=str(100000000000 + i),
        license_arn=license_arn,
        quantity=quantity,
        **kwargs,
    )


def success_policy(body: dict[str, Any], call: int) -> Answer:
    """Every record answered Success, with an id derived from its content."""
    return 200, {"Results": [success(record) for record in body["UsageRecords"]]}


def success(record: dict[str, Any], status: str = "Success") -> dict[str, Any]:
    """One Results entry echoing ``record``."""
    key = json.dumps(record, sort_keys=True, default=str)
    return {
        "UsageRecord": record,
        "MeteringRecordId": f"mr-{abs(hash(key)) % 10**8}",
        "Status": status,
    }


def error(code: str, status: int = 400, message: str = "refused") -> Answer:
    """A JSON-protocol error answer."""
    return status, {"__type": code, "message": message}


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class FakeMeteringService:
    """Answers BatchMeterUsage (and other operations) of a real client from memory."""

    policy: Policy = success_policy
    bodies: list[dict[str, Any]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> FakeMeteringService:
        client.meta.events.register("before-send.marketplace-metering", self._on_send)
        return self

    @property
    def record_counts(self) -> list[int]:
        return [len(body.get("UsageRecords", [])) for body in self.bodies]

    def _on_send(self, request: Any, **_: Any) -> AWSResponse:
        raw = request.body if isinstance(request.body, bytes) else request.body.encode()
        body = json.loads(raw)
        with self._lock:
            self.bodies.append(body)
            self.sizes.append(len(raw))
            call = len(self.bodies)
        status, payload = self.policy(body, call)
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": f"req-{call}"}
        return AWSResponse(request.url, status, headers, _RawBody(json.dumps(payload).encode()))


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for tests (and Hypothesis tests, which cannot take per-test fixtures)."""
    return SimpleNamespace(
        NOW=NOW,
        LICENSE=LICENSE,
        PRODUCT=PRODUCT,
        real_client=real_client,
        make_metering=make_metering,
        legacy=legacy,
        modern=modern,
        success=success,
        success_policy=success_policy,
        error=error,
        Fake=FakeMeteringService,
        Stubber=Stubber,
    )
