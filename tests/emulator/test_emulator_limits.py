"""The emulator answers hostile requests instead of resetting the connection."""

from __future__ import annotations

import contextlib
import http.client
from typing import Any

from agentcore_billing.emulator import _engine

TARGET = {
    "X-Amz-Target": "AWSMPMeteringService.BatchMeterUsage",
    "Content-Type": "application/x-amz-json-1.1",
}


def _post(emu: Any, body: bytes, headers: dict[str, str]) -> int:
    host, port = emu.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", "/")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        if body:
            connection.send(body)
        return connection.getresponse().status
    finally:
        connection.close()


def test_json_nested_100000_deep_is_a_400(emu: Any) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    status = _post(emu, body, {**TARGET, "Content-Length": str(len(body))})
    assert status == 400


def test_a_huge_content_length_is_a_413_without_reading_the_body(emu: Any) -> None:
    assert _post(emu, b"", {**TARGET, "Content-Length": str(10**12)}) == 413
    assert _post(emu, b"", {**TARGET, "Content-Length": "-5"}) == 400


def test_the_request_log_is_capped(emu: Any, monkeypatch: Any) -> None:
    import boto3

    emu._engine.requests = type(emu._engine.requests)(maxlen=3)
    client = boto3.client(
        "meteringmarketplace", endpoint_url=emu.endpoint_url, region_name="us-east-1"
    )
    for _ in range(5):
        with contextlib.suppress(client.exceptions.InvalidTokenException):
            client.resolve_customer(RegistrationToken="nope")
    log = emu.requests()
    assert len(log) == 3 and [r.sequence for r in log] == [3, 4, 5]
    assert _engine.REQUEST_LOG_LIMIT >= 10_000
