"""The command line as a whole: help, ``python -m``, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from agentcore_billing import ResourceNotFoundError, __version__
from agentcore_billing.cli import cli
from agentcore_billing.emulator import DemoData

from .conftest import Cli, lines

MISSING_SESSION = "payment-session-AAAAAAAAAAAAAAA"


def test_python_dash_m_shows_help_with_every_command_and_the_exit_codes() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agentcore_billing", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for command in ("demo", "emulator", "meter", "resolve-customer", "sessions"):
        assert command in out.stdout
    assert "Exit codes" in out.stdout
    assert out.stderr == ""


def test_version_and_subcommand_help() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).stdout.strip().endswith(__version__)
    meter_help = runner.invoke(cli, ["meter", "--help"]).stdout
    for text in ("--dry-run", "--report", "--product-code", "Exit codes", "customer_identifier"):
        assert text in meter_help
    for command in (["sessions", "create"], ["resolve-customer"], ["emulator"], ["demo"]):
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0 and "--json" in result.stdout


def test_a_service_error_is_one_line_on_stderr_with_exit_1(run: Cli, demo_data: DemoData) -> None:
    arn = ["--payment-manager-arn", demo_data.payment_manager_arn, "--user-id", "u1"]
    result = run("sessions", "get", MISSING_SESSION, *arn)
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = lines(result.stderr)
    assert line.startswith("error: GetPaymentSession [request ")
    assert "ResourceNotFoundException (HTTP 404)" in line
    assert "Traceback" not in result.output


def test_options_before_the_command_apply_too(run: Cli, demo_data: DemoData) -> None:
    result = run.runner.invoke(
        cli,
        [
            "--json",
            "--endpoint-url",
            run.endpoint_url,
            "--region",
            "us-east-1",
            "sessions",
            "get",
            MISSING_SESSION,
            "--payment-manager-arn",
            demo_data.payment_manager_arn,
            "--user-id",
            "u1",
        ],
    )
    assert result.exit_code == 1
    error = Cli.json_line(result.stderr)["error"]
    assert error["type"] == "ResourceNotFoundError"
    assert error["code"] == "ResourceNotFoundException" and error["http_status"] == 404
    assert error["request_id"]


def test_debug_lets_the_traceback_through(run: Cli, demo_data: DemoData) -> None:
    arn = ["--payment-manager-arn", demo_data.payment_manager_arn, "--user-id", "u1"]
    result = run("sessions", "get", MISSING_SESSION, *arn, "--debug")
    assert isinstance(result.exception, ResourceNotFoundError)


def test_input_errors_name_the_field_and_exit_2(run: Cli, demo_data: DemoData) -> None:
    arn = ["--payment-manager-arn", demo_data.payment_manager_arn, "--user-id", "u1"]
    result = run("sessions", "create", *arn, "--max-spend", "1e3")
    assert result.exit_code == 2
    [line] = lines(result.stderr)
    assert line.startswith("error: ") and "amount" in line and "exponent" in line
    bad_arn = run("sessions", "list", "--payment-manager-arn", "arn:aws:nope")
    assert bad_arn.exit_code == 2
    assert len(lines(bad_arn.stderr)) == 1 and "payment_manager_arn" in bad_arn.stderr


def test_a_missing_region_is_a_configuration_error(demo_data: DemoData) -> None:
    result = CliRunner().invoke(
        cli,
        ["sessions", "list", "--payment-manager-arn", demo_data.payment_manager_arn],
        env={"AWS_DEFAULT_REGION": None, "AWS_REGION": None},
    )
    assert result.exit_code == 2
    assert lines(result.stderr) == [lines(result.stderr)[0]]
    assert "no AWS region" in result.stderr


def test_an_unknown_profile_is_one_line(demo_data: DemoData) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "sessions",
            "list",
            "--profile",
            "no-such-profile",
            "--payment-manager-arn",
            demo_data.payment_manager_arn,
        ],
    )
    assert result.exit_code == 2
    assert len(lines(result.stderr)) == 1 and "no-such-profile" in result.stderr


def test_error_descriptions_are_single_lines_with_the_right_exit_codes() -> None:
    from botocore.exceptions import ProfileNotFound
    from pydantic import BaseModel, ValidationError

    from agentcore_billing import ConfigurationError, ThrottlingError
    from agentcore_billing.cli._output import describe_error, exit_code_for, mask

    class Model(BaseModel):
        amount: int

    try:
        Model(amount="secret-looking-value")  # type: ignore[arg-type]
    except ValidationError as err:
        validation = err
    throttled = ThrottlingError(
        operation="CreatePaymentSession",
        code="ThrottlingException",
        message="Rate exceeded\nslow down",
        http_status=429,
        request_id="abc",
    )
    cases = [
        (throttled, 1, "CreatePaymentSession [request abc]: ThrottlingException (HTTP 429)"),
        (validation, 2, "amount: Input should be a valid integer"),
        (ConfigurationError("no region"), 2, "no region (on the command line: --region"),
        (ProfileNotFound(profile="p"), 2, "ProfileNotFound: The config profile (p)"),
        (KeyError("x"), 1, "KeyError: 'x' (unexpected: --debug shows the traceback)"),
    ]
    for exc, code, start in cases:
        text = describe_error(exc)
        assert text.startswith(start), text
        assert "\n" not in text and "secret-looking-value" not in text
        assert exit_code_for(exc) == code
    assert mask("token abc and abc", ["abc", ""]) == "token *** and ***"


def test_debug_logging_is_undone_after_an_in_process_run() -> None:
    import logging

    from click.testing import CliRunner

    from agentcore_billing.cli import cli

    logger = logging.getLogger("agentcore_billing")
    before = (list(logger.handlers), logger.level)
    CliRunner().invoke(cli, ["--debug", "resolve-customer", "--help"])
    assert (list(logger.handlers), logger.level) == before
