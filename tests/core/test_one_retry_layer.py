"""One retry layer: botocore makes one attempt per library attempt, whatever the setup.

Every test counts the requests the emulator received for a call that always fails
with a 5xx (retried by both layers), so stacked retries would show as extra requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from agentcore_billing import (
    ConfigurationError,
    InternalServiceErrorError,
    MeteringClient,
    RetryPolicy,
)
from agentcore_billing.emulator import Emulator, FaultConfig
from agentcore_billing.testing import ManualClock, emulator_session
from tests.support import NOW, PRODUCT, metering_boto_client

LIBRARY_ATTEMPTS = 3
POLICY = RetryPolicy(max_attempts=LIBRARY_ATTEMPTS, initial_delay=0.01, jitter=False)


def _failing(make_emulator: Callable[..., Emulator]) -> Emulator:
    emu = make_emulator()
    emu.set_faults({"MeterUsage": FaultConfig(error_rate=1.0)})
    return emu


def _attempts(emu: Emulator, metering: MeteringClient) -> int:
    with pytest.raises(InternalServiceErrorError):
        metering.meter_usage(
            product_code=PRODUCT, timestamp=NOW - timedelta(minutes=1), dimension="d", quantity=1
        )
    return sum(1 for r in emu.requests() if r.operation == "MeterUsage")


def _metering(emu: Emulator, clock: ManualClock, **kwargs: object) -> MeteringClient:
    options: dict[str, object] = {
        "endpoint_url": emu.endpoint_url,
        "retry": POLICY,
        "clock": clock.now,
        "sleep": clock.sleep,
        "monotonic": clock.monotonic,
        **kwargs,
    }
    if "client" not in options:
        options.setdefault("session", emulator_session())
    return MeteringClient(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "retries",
    [{"mode": "adaptive"}, {"total_max_attempts": 5}, {"max_attempts": 2, "mode": "legacy"}],
)
def test_a_config_that_turns_botocore_retries_on_is_refused(retries: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MeteringClient(region_name="us-east-1", config=Config(retries=retries))  # type: ignore[arg-type]
    assert "pass retry=RetryPolicy(...) instead" in str(caught.value)
    assert repr(retries) in str(caught.value)


def test_a_single_attempt_config_is_accepted_and_the_rest_of_it_applies(
    make_emulator: Callable[..., Emulator], clock: ManualClock
) -> None:
    emu = _failing(make_emulator)
    config = Config(retries={"total_max_attempts": 1}, read_timeout=7)
    metering = _metering(emu, clock, config=config)
    assert metering.client.meta.config.read_timeout == 7  # type: ignore[attr-defined]
    assert _attempts(emu, metering) == LIBRARY_ATTEMPTS


def test_environment_retry_settings_do_not_stack(
    make_emulator: Callable[..., Emulator], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    emu = _failing(make_emulator)
    metering = _metering(emu, clock, session=boto3.Session(region_name="us-east-1"))
    assert metering.client.meta.config.retries == {  # type: ignore[attr-defined]
        "total_max_attempts": 1,
        "mode": "standard",
    }
    assert _attempts(emu, metering) == LIBRARY_ATTEMPTS


def test_profile_retry_settings_do_not_stack(
    make_emulator: Callable[..., Emulator],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    profile = tmp_path / "config"
    profile.write_text("[default]\nmax_attempts = 7\nretry_mode = adaptive\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(profile))
    emu = _failing(make_emulator)
    session = boto3.Session(region_name="us-east-1")
    assert session._session.get_config_variable("max_attempts") == 7
    metering = _metering(emu, clock, session=session)
    assert _attempts(emu, metering) == LIBRARY_ATTEMPTS


def test_an_injected_client_keeps_its_retries_and_a_warning_says_so(
    make_emulator: Callable[..., Emulator],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = _failing(make_emulator)
    own = emulator_session().client(
        "meteringmarketplace",
        endpoint_url=emu.endpoint_url,
        config=Config(retries={"total_max_attempts": 2, "mode": "standard"}),
    )
    with caplog.at_level(logging.WARNING, logger="agentcore_billing._core.seam"):
        metering = _metering(emu, clock, client=own)
    [warning] = caplog.records
    assert "retries on its own" in warning.getMessage()
    # Documented: the injected client's attempts multiply the library's.
    assert _attempts(emu, metering) == 2 * LIBRARY_ATTEMPTS


def test_an_injected_single_attempt_client_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agentcore_billing._core.seam"):
        MeteringClient(client=metering_boto_client())
    assert caplog.records == []
