"""The boto3 seam: lazy, one retry layer, no hard-coded region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from agentcore_billing import ConfigurationError, MeteringClient, PaymentsClient
from agentcore_billing._core.seam import USER_AGENT_EXTRA, LazyClient, library_config
from tests.support import ARN
from tests.support.guard import ALLOWED


def test_nothing_is_built_until_first_use() -> None:
    lazy = LazyClient("meteringmarketplace", region_name="us-east-1")
    before = lazy.built
    client = lazy.get()
    assert (before, lazy.built) == (False, True)
    assert lazy.get() is client


def test_built_clients_have_one_attempt_and_our_user_agent() -> None:
    client: Any = LazyClient("bedrock-agentcore", region_name="eu-west-1").get()
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert USER_AGENT_EXTRA in client.meta.config.user_agent_extra
    assert client.meta.region_name == "eu-west-1"


def test_injected_client_is_used_as_is() -> None:
    mine = boto3.client("meteringmarketplace", region_name="us-west-2")
    assert LazyClient("meteringmarketplace", client=mine).get() is mine


def test_session_region_is_used_when_none_is_passed() -> None:
    session = boto3.Session(region_name="ap-southeast-2")
    client: Any = LazyClient("meteringmarketplace", session=session).get()
    assert client.meta.region_name == "ap-southeast-2"


def test_missing_region_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ConfigurationError, match="region_name"):
        LazyClient("meteringmarketplace").get()


def test_endpoint_url_is_honoured() -> None:
    client: Any = LazyClient(
        "meteringmarketplace", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
    ).get()
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


def test_user_config_merges_over_ours() -> None:
    from botocore.config import Config

    merged = library_config(Config(read_timeout=5))
    assert merged.read_timeout == 5  # type: ignore[attr-defined]
    assert merged.retries == {"total_max_attempts": 1, "mode": "standard"}  # type: ignore[attr-defined]


def _validates(client: Any) -> bool:
    # botocore keeps the setting out of meta.config; it wraps the serializer instead.
    from botocore.validate import ParamValidationDecorator

    return isinstance(client._serializer, ParamValidationDecorator)


def test_metering_skips_botocores_second_parameter_check_and_payments_keeps_it() -> None:
    from botocore.config import Config

    metering: Any = MeteringClient(region_name="us-east-1").client
    payments: Any = PaymentsClient(ARN, region_name="us-east-1").client
    yours: Any = MeteringClient(
        region_name="us-east-1", config=Config(parameter_validation=True)
    ).client
    assert (_validates(metering), _validates(payments), _validates(yours)) == (
        False,
        True,
        True,
    )


def test_metering_input_is_still_checked_before_sending() -> None:
    from agentcore_billing import MeteringOutcome
    from tests.support import NOW, record_calls

    metering = MeteringClient(region_name="us-east-1", clock=lambda: NOW)
    calls = record_calls(metering.client)
    bad = {
        "timestamp": NOW,
        "dimension": "",
        "quantity": 1,
        "customer_identifier": "c",
    }
    report = metering.batch_meter_usage([bad], product_code="prod-abc123")
    assert report.results[0].outcome is MeteringOutcome.REJECTED
    assert "dimension" in (report.results[0].reason or "")
    assert calls == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: PaymentsClient(ARN, region_name="us-east-1", retry=5),
        lambda: MeteringClient(region_name="us-east-1", retry="fast"),
        lambda: MeteringClient(region_name="us-east-1", window=True),
    ],
    ids=["payments-retry", "metering-retry", "metering-window"],
)
def test_constructor_config_types_are_checked(build: Callable[[], Any]) -> None:
    """retry= and window= used to be kept unchecked: PaymentsClient(retry=5) worked until
    the first throttle, then raised AttributeError mid-retry; MeteringClient(window=True)
    raised AttributeError on every batch."""
    with pytest.raises(ALLOWED):
        build()
