"""``sessions`` and ``resolve-customer`` against the emulator; secrets never printed."""

from __future__ import annotations

import pytest

from agentcore_billing.emulator import DemoData, Emulator

from .conftest import Cli, lines

CANARY = "canary-registration-token-7f3a9c2e5b1d4e6f8a0b2c4d6e8f0a1b"


def test_sessions_create_get_list_delete(run: Cli, demo_data: DemoData) -> None:
    arn = ["--payment-manager-arn", demo_data.payment_manager_arn, "--user-id", "user-1"]
    created = run(
        "sessions", "create", *arn, "--max-spend", "5.00", "--expiry-minutes", "30", "--json"
    )
    assert created.exit_code == 0, created.output
    session = Cli.json(created)
    session_id = session["payment_session_id"]
    assert session["max_spend"] == {"value": "5.00", "currency": "USD"}
    assert session["available_spend"] == {"value": "5.00", "currency": "USD"}
    assert session["spent"] == {"value": "0.00", "currency": "USD"}
    assert len(session["client_token"]) >= 33

    got = run("sessions", "get", session_id, *arn)
    assert got.exit_code == 0, got.output
    assert session_id in got.stdout and "5.00 USD" in got.stdout

    listed = run("sessions", "list", *arn, "--json")
    assert [s["payment_session_id"] for s in Cli.json(listed)] == [session_id]

    deleted = run("sessions", "delete", session_id, *arn)
    assert deleted.exit_code == 0
    assert deleted.stdout.strip() == f"{session_id}: DELETED"
    assert Cli.json(run("sessions", "list", *arn, "--json")) == []


def test_the_manager_arn_comes_from_the_environment(
    run: Cli, demo_data: DemoData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCORE_PAYMENT_MANAGER_ARN", demo_data.payment_manager_arn)
    result = run("sessions", "list", "--user-id", "nobody")
    assert result.exit_code == 0, result.output
    assert "0 payment session(s)" in result.stdout


def test_a_missing_manager_arn_is_a_usage_error(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTCORE_PAYMENT_MANAGER_ARN", raising=False)
    result = run("sessions", "list")
    assert result.exit_code == 2
    assert "--payment-manager-arn" in result.stderr


def test_resolve_customer_reads_the_token_from_stdin_and_never_echoes_it(
    run: Cli, emulator: Emulator, demo_data: DemoData
) -> None:
    customer = demo_data.customers[1]
    emulator.add_registration_token(CANARY, customer)
    result = run("resolve-customer", "-", input=CANARY + "\n")
    assert result.exit_code == 0, result.output
    assert customer.customer_aws_account_id in result.stdout
    assert CANARY not in result.output

    again = run("resolve-customer", "-", "--json", input=CANARY)  # a token resolves once
    assert again.exit_code == 1
    assert CANARY not in again.output
    error = Cli.json_line(again.stderr)["error"]
    assert error["type"] == "ExpiredTokenError" and error["operation"] == "ResolveCustomer"


def test_an_unknown_token_is_one_line_without_the_token(run: Cli) -> None:
    result = run("resolve-customer", CANARY)
    assert result.exit_code == 1
    assert lines(result.stderr) == lines(result.output)
    assert len(lines(result.stderr)) == 1
    assert result.stderr.startswith("error: ResolveCustomer [request ")
    assert "InvalidTokenException" in result.stderr
    assert CANARY not in result.output


def test_resolve_customer_json_output(run: Cli, demo_data: DemoData) -> None:
    result = run("resolve-customer", "-", "--json", input=demo_data.registration_tokens["legacy"])
    assert result.exit_code == 0, result.output
    assert Cli.json(result) == {
        "customer_aws_account_id": "222233334444",
        "license_arn": None,
        "product_code": demo_data.legacy_product_code,
        "agreement_id": Cli.json(result)["agreement_id"],
        "customer_identifier": "demo-legacy-customer-1",
    }
    assert demo_data.registration_tokens["legacy"] not in result.output


def test_an_empty_stdin_token_is_bad_input(run: Cli) -> None:
    result = run("resolve-customer", "-", input="\n")
    assert result.exit_code == 2
    assert result.stderr == "error: no registration token given (stdin was empty)\n"
