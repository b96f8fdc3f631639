"""The emulator out of the box: what --demo-data prints, tokens, fresh ids (issue 16)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from agentcore_billing import PaymentsClient, ResourceNotFoundError, RetryPolicy, X402Payment
from agentcore_billing.cli import cli
from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import emulator_session


@pytest.fixture
def served() -> Iterator[dict[str, Any]]:
    """``agentcore-billing emulator --demo-data --json`` with one customer and token."""
    argv = [sys.executable, "-m", "agentcore_billing", "emulator", "--json", "--demo-data"]
    argv += ["--customer", "account=123456789012,product=p-1,identifier=c-1"]
    argv += ["--registration-token", "123456789012=cli-token-0123456789"]
    server = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


def _resolve(url: str, token: str) -> tuple[int, str]:
    argv = ["resolve-customer", "-", "--json", "--endpoint-url", url, "--region", "us-east-1"]
    result = CliRunner().invoke(cli, argv, input=token)
    return result.exit_code, result.stdout + result.stderr


def test_demo_data_json_lists_the_demo_customers_and_every_product(
    served: dict[str, Any],
) -> None:
    assert served["products"] == [
        "demo-saas-product",
        "demo-legacy-product",
        "demo-container-product",
    ]
    by_account = {c["customer_aws_account_id"]: c for c in served["customers"]}
    assert set(by_account) == {
        "111122223333",
        "444455556666",
        "222233334444",
        "777788889999",
        "123456789012",
    }
    new = by_account["111122223333"]
    assert new["license_arn"].startswith("arn:aws:license-manager::111122223333:license:l-")
    assert new["product_code"] == "demo-saas-product" and new["subscribed"] is True
    assert by_account["777788889999"]["subscribed"] is False
    assert by_account["222233334444"]["customer_identifier"] == "demo-legacy-customer-1"


def test_cli_tokens_and_demo_tokens_both_resolve_once(served: dict[str, Any]) -> None:
    url = served["endpoint_url"]
    for token in ("cli-token-0123456789", "demo-registration-token-new"):
        first, _ = _resolve(url, token)
        again, output = _resolve(url, token)
        assert (first, again) == (0, 1), output
        assert "ExpiredTokenException" in output
        assert token not in output


def _payments(emu: Emulator) -> PaymentsClient:
    assert emu.demo is not None
    return PaymentsClient(
        emu.demo.payment_manager_arn,
        session=emulator_session(),
        endpoint_url=emu.endpoint_url,
        retry=RetryPolicy.none(),
        user_id=emu.demo.user_id,
    )


def _session_and_nonce(emu: Emulator) -> tuple[str, str]:
    """A new session's id and the nonce signed into a payment in it."""
    assert emu.demo is not None
    payments = _payments(emu)
    session = payments.create_payment_session(expiry_time_in_minutes=15)
    result = payments.process_payment(
        payment_session_id=session.payment_session_id,
        payment_instrument_id=emu.demo.payment_instrument_id,
        payment=X402Payment(
            version="2",
            payload={
                "scheme": "exact",
                "network": "eip155:8453",
                "amount": "1000",
                "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
                "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            },
        ),
    )
    signed = result.x402.payload.get_secret_value()
    return session.payment_session_id, f"{signed['authorization']['nonce']} {signed['signature']}"


def test_default_emulators_never_mint_the_same_ids_or_nonces() -> None:
    with Emulator(demo_data=True) as first, Emulator(demo_data=True) as second:
        a, b = _session_and_nonce(first), _session_and_nonce(second)
        assert a[0] != b[0] and a[1] != b[1]
        # The demo data set is fixed: the same wallet in both.
        assert first.demo is not None and second.demo is not None
        assert first.demo.payment_instrument_id == second.demo.payment_instrument_id


def test_reset_never_replays_ids_and_a_kept_id_names_nothing() -> None:
    with Emulator(demo_data=True) as emu:
        assert emu.demo is not None
        wallet = emu.demo.payment_instrument_id
        kept, nonce = _session_and_nonce(emu)
        emu.reset()
        assert emu.demo.payment_instrument_id == wallet  # demo data reads the same
        with pytest.raises(ResourceNotFoundError):
            _payments(emu).get_payment_session(kept)
        fresh, fresh_nonce = _session_and_nonce(emu)
        assert fresh != kept and fresh_nonce != nonce


def test_a_seed_still_reproduces_ids_run_after_run() -> None:
    runs = []
    for _ in range(2):
        with Emulator(seed=5, demo_data=True) as emu:
            before = _session_and_nonce(emu)
            emu.reset()
            runs.append((before, _session_and_nonce(emu)))
    assert runs[0] == runs[1]
    (before, after) = runs[0]
    assert before != after  # a reset moves on, also with a seed


def test_the_boto_client_sees_different_session_ids(boto_session: boto3.Session) -> None:
    arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234"
    ids = []
    for _ in range(2):
        with Emulator() as emu:
            client = boto_session.client(
                "bedrock-agentcore", endpoint_url=emu.endpoint_url, region_name="us-east-1"
            )
            made = client.create_payment_session(
                userId="u", paymentManagerArn=arn, expiryTimeInMinutes=15
            )
            ids.append(made["paymentSession"]["paymentSessionId"])
    assert ids[0] != ids[1]
