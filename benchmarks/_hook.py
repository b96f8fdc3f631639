"""A minimal ``before-send`` hook that answers a real boto3 client from memory.

Serialization, signing and response parsing stay real; nothing leaves the process and
nothing is recorded (so memory stays flat however many calls are made). The same hook
object serves every side of a comparison, so its cost cancels out in the ratios.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders

PAYMENT_MANAGER_ARN = (
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
)
PAYMENT_SESSION_ID = "payment-session-abcdefghijklmno"
LICENSE_ARN = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef"


def base_time() -> datetime:
    """One hour ago, to the minute: inside the window Marketplace Metering accepts.

    (The library refuses, before sending, records 24 hours old or older; timestamps
    are built from this so every side sends the same, acceptable records.)
    """
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return now - timedelta(hours=1)


Answer = Callable[[str, bytes], tuple[int, bytes]]
"""``(operation, request body) -> (status, response body)``."""


class _RawBody:
    """The part of a urllib3 response botocore reads."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


class Responder:
    """Answers every request of the clients it is attached to with ``answer``."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.calls = 0

    def attach(self, client: Any) -> Any:
        """Register on ``client``'s ``before-send`` event; returns the client."""
        client.meta.events.register("before-send", self._on_send)
        return client

    def _on_send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        self.calls += 1
        operation = str(kwargs.get("event_name", "")).rsplit(".", 1)[-1]
        body = request.body
        if isinstance(body, (bytes, bytearray)):
            raw = bytes(body)
        else:
            raw = body.encode() if isinstance(body, str) else b""
        status, payload = self._answer(operation, raw)
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-RequestId"] = "bench-request"
        return AWSResponse(request.url, status, headers, _RawBody(payload))


def payment_session_wire() -> dict[str, Any]:
    """A complete ``paymentSession`` as the service sends it."""
    return {
        "paymentSessionId": PAYMENT_SESSION_ID,
        "paymentManagerArn": PAYMENT_MANAGER_ARN,
        "userId": "user-1",
        "expiryTimeInMinutes": 60,
        "createdAt": "2026-11-23T10:00:00.123Z",
        "updatedAt": "2026-11-23T10:00:05.456Z",
        "limits": {"maxSpendAmount": {"value": "5.00", "currency": "USD"}},
        "availableLimits": {
            "availableSpendAmount": {"value": "3.75", "currency": "USD"},
            "updatedAt": "2026-11-23T10:00:05.456Z",
        },
    }


def payments_answer() -> Answer:
    """Answers Create/GetPaymentSession with one fixed session (bytes built once)."""
    body = json.dumps({"paymentSession": payment_session_wire()}).encode()

    def answer(operation: str, _request: bytes) -> tuple[int, bytes]:
        return (201 if operation.startswith("Create") else 200), body

    return answer


def metering_answer() -> Answer:
    """Answers BatchMeterUsage: every record Success, echoed back as the service does."""

    def answer(operation: str, request: bytes) -> tuple[int, bytes]:
        if operation != "BatchMeterUsage":
            return 400, b'{"__type": "InvalidInputException", "message": "unexpected"}'
        records = json.loads(request).get("UsageRecords", [])
        results = [
            {"UsageRecord": rec, "MeteringRecordId": f"mr-{i:08d}", "Status": "Success"}
            for i, rec in enumerate(records)
        ]
        return 200, json.dumps({"Results": results, "UnprocessedRecords": []}).encode()

    return answer
