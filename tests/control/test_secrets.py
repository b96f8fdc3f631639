"""Provider secrets never show: not in reprs, JSON dumps, errors, or DEBUG logs (botocore's too)."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore_billing import (
    CoinbaseCdpConnector,
    CoinbaseCdpCredentials,
    PaymentsControlClient,
    RetryPolicy,
    StripePrivyCredentials,
)
from agentcore_billing._core.errors import InvalidInputError

from .conftest import API_SECRET, APP_SECRET, PRIVATE_KEY, ROLE, SECRETS, WALLET_SECRET


def _hidden(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret.removeprefix("wallet-auth:") not in text


def _creds() -> tuple[CoinbaseCdpCredentials, StripePrivyCredentials]:
    cdp = CoinbaseCdpCredentials(
        api_key_id="key-1", api_key_secret=API_SECRET, wallet_secret=WALLET_SECRET
    )
    privy = StripePrivyCredentials(
        app_id="app-1",
        app_secret=APP_SECRET,
        authorization_id="auth-1",
        authorization_private_key=PRIVATE_KEY,
    )
    return cdp, privy


def test_credentials_hide_their_secrets_but_send_them():
    cdp, privy = _creds()
    for model in (cdp, privy):
        _hidden(repr(model) + str(model) + model.model_dump_json() + str(model.model_dump()))
    assert cdp.to_wire()["coinbaseCdpConfiguration"]["walletSecret"] == WALLET_SECRET
    assert privy.to_wire()["stripePrivyConfiguration"]["authorizationPrivateKey"] == PRIVATE_KEY


def test_a_bad_secret_is_refused_with_the_value_masked():
    bad = API_SECRET + "!"
    with pytest.raises(ValidationError) as caught:
        CoinbaseCdpCredentials(api_key_id="key-1", api_key_secret=bad, wallet_secret=WALLET_SECRET)
    text = str(caught.value) + repr(caught.value)
    assert "api_key_secret" in text and "***" in text
    assert bad not in text and API_SECRET not in text


def test_a_refused_provider_name_shows_no_secret():
    cdp, _ = _creds()
    control = PaymentsControlClient(region_name="us-east-1")
    with pytest.raises(InvalidInputError) as caught:
        control.create_payment_credential_provider(name="bad name", credentials=cdp)
    _hidden(str(caught.value) + repr(caught.value))


def test_provisioning_logs_no_secret_even_at_debug(make_emulator, boto_session, clock, caplog):
    emu = make_emulator()
    cdp, _ = _creds()
    control = PaymentsControlClient(
        session=boto_session,
        endpoint_url=emu.endpoint_url,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=False),
        rng=random.Random(0),
    )
    emu.control_plane.fail_next("CreatePaymentConnector", status="AUTHENTICATION_FAILED")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as caught:
        control.provision_payment_manager(
            name="shop", role_arn=ROLE, connector=CoinbaseCdpConnector(), credentials=cdp
        )
    provider_calls = [r for r in emu.requests() if r.operation == "CreatePaymentCredentialProvider"]
    assert provider_calls, "the secrets were sent"
    sent = provider_calls[0].params["providerConfigurationInput"]["coinbaseCdpConfiguration"]
    assert sent["apiKeySecret"] == API_SECRET  # they did travel, to the service only
    botocore_records = [r for r in caplog.records if r.name.startswith("botocore")]
    assert any(str(r.msg).startswith("Making request for") for r in botocore_records)
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    _hidden(logged)
    error: Any = caught.value
    _hidden(str(error) + repr(error) + "".join(getattr(error, "__notes__", [])))
    _hidden(repr(error.resource))
