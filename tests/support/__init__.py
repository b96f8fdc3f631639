"""What many test folders share: the fixed "now", sample ids and real boto3 clients.

Import from here (``from tests.support import NOW, ARN``) instead of spelling a
constant again; the helpers beside it (``emulated``, ``guard``, ``strategies``,
``workload``, ``payloads``, ``figures``) serve the end-to-end and fuzz suites.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.config import Config

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
"""The fake "now" of every test that drives time by hand."""

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
"""The payment manager of the payments tests."""

LICENSE = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef"
"""A license ARN of the metering tests."""

PRODUCT = "prod-abc123"
"""A product code of the metering tests."""

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})
"""botocore config with botocore's own retries off (the library's layer retries)."""


def boto_client(service: str) -> Any:
    """A real boto3 client for ``service`` with dummy credentials and one botocore attempt."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=ONE_ATTEMPT,
    )


def record_calls(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of every call ``client`` makes from now on, retries included."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, copy.deepcopy(params)))

    service = client.meta.service_model.service_name
    client.meta.events.register(f"before-parameter-build.{service}", record)
    return calls


def payments_boto_client() -> Any:
    """A real ``bedrock-agentcore`` client (see :func:`boto_client`)."""
    return boto_client("bedrock-agentcore")


def metering_boto_client() -> Any:
    """A real ``meteringmarketplace`` client (see :func:`boto_client`)."""
    return boto_client("meteringmarketplace")
