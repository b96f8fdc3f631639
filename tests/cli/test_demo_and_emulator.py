"""``demo`` (embedded emulator, small run) and ``emulator`` (a real served process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from agentcore_billing.cli import cli

OUTCOMES = ("SUCCESS", "DUPLICATE_RECORD", "CUSTOMER_NOT_SUBSCRIBED", "REJECTED", "UNPROCESSED")
DEMO_TOKENS = ("demo-registration-token-new", "demo-registration-token-legacy")


def test_demo_tells_the_whole_story_and_exits_0() -> None:
    result = CliRunner().invoke(cli, ["demo", "--records", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for outcome in OUTCOMES:
        assert outcome in out
    assert "ServiceQuotaExceededError" in out and "Nothing was charged" in out
    assert "available_spend 0.15 USD" in out and "spent 0.85 USD" in out
    assert "REJECTED: timestamp:" in out and "24h or more after the event" in out
    assert "111122223333" in out
    for token in DEMO_TOKENS:
        assert token not in result.output


def test_demo_json_is_deterministic_for_a_seed() -> None:
    runs = [CliRunner().invoke(cli, ["demo", "--records", "60", "--json"]) for _ in range(2)]
    first, second = (json.loads(r.stdout) for r in runs)
    assert all(r.exit_code == 0 for r in runs)
    for key in ("payments", "customer", "metering"):
        assert first[key] == second[key]
    # The default seed fixes every outcome: the planted revision of an hour already
    # metered is refused before sending as a same-hour conflict, as is the stale record.
    assert first["metering"]["counts"] == {
        "SUCCESS": 51,
        "DUPLICATE_RECORD": 0,
        "CUSTOMER_NOT_SUBSCRIBED": 7,
        "REJECTED": 2,
        "UNPROCESSED": 0,
    }
    assert first["payments"]["charged_by_emulator"] == 3


EMULATOR_ARGS = [
    "--json",
    "--demo-data",
    "--fault",
    "BatchMeterUsage:throttle_rate=0.1",
    "--customer",
    "account=123456789012,product=p-1,identifier=c-1",
    "--registration-token",
    "123456789012=secret-token-abc",
]


def _resolve(endpoint_url: str, token: str) -> dict[str, str]:
    argv = [
        "resolve-customer",
        "-",
        "--json",
        "--endpoint-url",
        endpoint_url,
        "--region",
        "us-east-1",
    ]
    result = CliRunner().invoke(cli, argv, input=token)
    assert result.exit_code == 0, result.output
    resolved: dict[str, str] = json.loads(result.stdout)
    return resolved


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_emulator_serves_until_interrupted(stop: signal.Signals) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "agentcore_billing", "emulator", *EMULATOR_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        assert ready["endpoint_url"].startswith("http://127.0.0.1:")
        assert ready["customers"][-1]["customer_identifier"] == "c-1"  # after the demo ones
        assert _resolve(ready["endpoint_url"], "secret-token-abc")["customer_identifier"] == "c-1"
    finally:
        server.send_signal(stop)
        stdout, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert "secret-token-abc" not in stdout + stderr
    assert "Traceback" not in stderr


def test_emulator_refuses_bad_specs_before_serving() -> None:
    runner = CliRunner()
    bad_fault = runner.invoke(cli, ["emulator", "--fault", "NoSuchOp:throttle_rate=0.1"])
    assert bad_fault.exit_code == 2
    assert bad_fault.stderr.startswith("error: --fault: unknown operation 'NoSuchOp'")
    bad_customer = runner.invoke(cli, ["emulator", "--customer", "account=1"])
    assert bad_customer.exit_code == 2 and "--customer: needs account=" in bad_customer.stderr
    bad_token = runner.invoke(cli, ["emulator", "--registration-token", "999=tok-secret"])
    assert bad_token.exit_code == 2 and "tok-secret" not in bad_token.output


def test_demo_and_emulator_refuse_connection_options() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--endpoint-url", "http://127.0.0.1:1", "demo"])
    assert result.exit_code == 2
    assert "demo runs its own local emulator; --endpoint-url does not apply" in result.stderr
    result = runner.invoke(cli, ["--region", "eu-west-1", "emulator"])
    assert result.exit_code == 2 and "--region does not apply" in result.stderr
