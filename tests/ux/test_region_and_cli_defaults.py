"""Region from AWS_REGION; the CLI against a local emulator out of the box (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from click.testing import CliRunner, Result

from agentcore_billing import ConfigurationError, MeteringClient
from agentcore_billing._core.seam import LazyClient
from agentcore_billing.cli import cli
from agentcore_billing.emulator import Emulator


def test_aws_region_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert LazyClient("meteringmarketplace").get().meta.region_name == "eu-central-1"


def test_aws_region_wins_over_aws_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert LazyClient("bedrock-agentcore").get().meta.region_name == "ap-south-1"
    explicit = LazyClient("bedrock-agentcore", region_name="eu-west-1").get()
    assert explicit.meta.region_name == "eu-west-1"


def test_a_given_sessions_region_stays_and_aws_region_only_fills_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    mine = boto3.Session(
        region_name="ca-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert LazyClient("meteringmarketplace", session=mine).get().meta.region_name == (
        "ca-central-1"
    )
    bare = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x")
    assert LazyClient("meteringmarketplace", session=bare).get().meta.region_name == "sa-east-1"


def test_no_region_anywhere_is_still_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "")
    with pytest.raises(ConfigurationError, match="AWS_REGION or AWS_DEFAULT_REGION"):
        MeteringClient(endpoint_url="http://127.0.0.1:9").client  # noqa: B018


# -- the CLI against a local emulator in a clean shell ------------------------------------

CLEAN_SHELL = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture
def clean_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials and no region anywhere (the config files are already /dev/null)."""
    for key in CLEAN_SHELL:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("AGENTCORE_PAYMENT_MANAGER_ARN", raising=False)
    monkeypatch.delenv("AGENTCORE_PAYMENTS_USER_ID", raising=False)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(demo_data=True) as emulator:
        yield emulator


def _cli(*argv: str) -> Result:
    return CliRunner().invoke(cli, list(argv), catch_exceptions=True)


@pytest.mark.usefixtures("clean_shell")
def test_cli_commands_work_against_a_loopback_emulator_without_credentials(emu: Emulator) -> None:
    assert emu.demo is not None
    url = emu.endpoint_url
    resolved = CliRunner().invoke(
        cli,
        ["resolve-customer", "-", "--json", "--endpoint-url", url],
        input="demo-registration-token-new",
    )
    assert resolved.exit_code == 0, resolved.output
    assert json.loads(resolved.stdout)["customer_aws_account_id"] == "111122223333"
    listed = _cli(
        "sessions",
        "list",
        "--json",
        "--endpoint-url",
        url,
        "--payment-manager-arn",
        emu.demo.payment_manager_arn,
        "--user-id",
        emu.demo.user_id,
    )
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    assert [r.operation for r in emu.requests()] == ["ResolveCustomer", "ListPaymentSessions"]


@pytest.mark.usefixtures("clean_shell")
def test_the_cli_says_at_debug_that_it_used_placeholders(emu: Emulator) -> None:
    result = CliRunner().invoke(
        cli,
        ["resolve-customer", "-", "--debug", "--endpoint-url", emu.endpoint_url],
        input="demo-registration-token-legacy",
    )
    assert result.exit_code == 0, result.output
    assert "no AWS credentials found: using placeholder ones for the local endpoint" in (
        result.stderr
    )
    assert "no AWS region configured: using us-east-1" in result.stderr


@pytest.mark.usefixtures("clean_shell")
def test_a_remote_endpoint_gets_no_placeholders(emu: Emulator) -> None:
    from agentcore_billing.cli._options import boto_session
    from agentcore_billing.cli._output import Settings

    assert boto_session(Settings(endpoint_url="https://metering.example.com")) is None
    local = boto_session(Settings(endpoint_url=emu.endpoint_url))
    assert local is not None and local.get_credentials() is not None


@pytest.mark.usefixtures("clean_shell")
def test_the_library_still_refuses_without_credentials_and_sends_nothing(emu: Emulator) -> None:
    metering = MeteringClient(region_name="us-east-1", endpoint_url=emu.endpoint_url)
    with pytest.raises(ConfigurationError, match="no usable AWS credentials"):
        metering.resolve_customer("demo-registration-token-new")
    with pytest.raises(ConfigurationError, match="no AWS region"):
        MeteringClient(endpoint_url=emu.endpoint_url).resolve_customer("t")
    assert emu.requests() == ()


@pytest.mark.usefixtures("clean_shell")
def test_sessions_commands_name_the_user_id_option_and_take_it_from_the_environment(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert emu.demo is not None
    argv = ["sessions", "list", "--endpoint-url", emu.endpoint_url]
    argv += ["--payment-manager-arn", emu.demo.payment_manager_arn]
    missing = _cli(*argv)
    assert missing.exit_code == 2
    assert "userId is required" in missing.stderr
    assert "pass --user-id ID (or set $AGENTCORE_PAYMENTS_USER_ID)" in missing.stderr
    monkeypatch.setenv("AGENTCORE_PAYMENTS_USER_ID", emu.demo.user_id)
    created = _cli("sessions", "create", "--json", *argv[2:])
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["user_id"] == emu.demo.user_id
    assert "--user-id" in _cli("sessions", "list", "--help").stdout
    assert "AGENTCORE_PAYMENTS_USER_ID" in _cli("sessions", "list", "--help").stdout
