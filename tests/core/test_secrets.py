"""Secrets never show, on any path.

Canary values stand in for every secret the library handles: registration tokens,
linked-account emails, phone numbers and OAuth identities, x402 payloads, MPP
credentials (minted by the service), workload identity tokens, Stripe Privy request
bodies and the provider tokens the service returns. They go through successes, input
errors, service errors and retries (with DEBUG logging on for the root logger, so
botocore's own request and response logs are captured too), and through the CLI
(in-process with click's runner, and as a real subprocess with ``--debug``). None may
appear in captured logs, in the repr or str of any result or error (tracebacks
included), or in any output.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ValidationError

from agentcore_billing import (
    AgentCoreBillingError,
    CoinbaseCdpTokenRequest,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    InvalidInputError,
    InvalidTokenError,
    Money,
    OAuth2LinkedAccount,
    RetryPolicy,
    ServiceError,
    SmsLinkedAccount,
    StripePrivyTokenRequest,
    X402Payment,
)
from agentcore_billing.cli import cli
from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig
from tests.support.emulated import (
    CONNECTOR_ID,
    MANAGER_ARN,
    FakeTime,
    metering_client,
    payments_client,
)
from tests.support.guard import Guard, metering_on
from tests.support.payloads import mpp, x402

pytestmark = pytest.mark.reliability

USER = "rely-user-r4"
CANARIES = {
    "registration token": "regtoken-canary-7f3a9c2e5b1d4e6f8a0b2c4d",
    "email": "mailcanary5d1e@example.com",
    "email local part": "mailcanary5d1e",
    "phone": "+19998887777",
    "phone digits": "9998887777",
    "oauth sub": "oauthsub-canary-41b2",
    "oauth name": "oauthname-canary-93ce",
    "x402 payload": "x402payload-canary-0c9d",
    "workload token": "wit-canary-3e4f5a6b7c8d9e0f",
    "privy body": "privybody-canary-66aa",
}
"""Static canaries; values the service mints (credentials, tokens) are added as seen."""

FLAKY = FaultConfig(throttle_rate=0.35, error_rate=0.1)
LOSSY = FaultConfig(throttle_rate=0.25, drop_after_commit_rate=0.2)
RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.01, max_attempts=12, deadline=None)


class Exposure:
    """Everything a user could see: texts of results and errors, and output."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.secrets = dict(CANARIES)
        self.paths: dict[str, int] = {}

    def path(self, name: str) -> None:
        self.paths[name] = self.paths.get(name, 0) + 1

    def secret(self, name: str, value: str | None) -> None:
        """Add a value the service minted as a canary (it must exist to be checked)."""
        assert value, f"no {name} came back"
        self.secrets[f"{name} #{len(self.secrets)}"] = value

    def show(self, obj: Any) -> None:
        """Everything printing or logging ``obj`` could show."""
        self.texts += [repr(obj), str(obj)]
        if isinstance(obj, BaseModel):
            self.texts.append(obj.model_dump_json())
        if isinstance(obj, BaseException):
            self.texts.append("".join(traceback.format_exception(obj)))
            if isinstance(obj, ValidationError):
                self.texts.append(str(obj.errors(include_input=False)))

    def fails(
        self,
        path: str,
        call: Callable[[], Any],
        expected: type[BaseException] | tuple[type[BaseException], ...],
    ) -> BaseException:
        """Run ``call``, which must raise ``expected``; show the error."""
        with pytest.raises(expected) as caught:
            call()
        self.show(caught.value)
        self.path(path)
        return caught.value

    def succeeds(self, path: str, call: Callable[[], Any]) -> Any:
        result = call()
        self.show(result)
        self.path(path)
        return result

    def assert_clean(self, *extra: str) -> None:
        haystack = "\n".join([*self.texts, *extra])
        leaked = [name for name, value in self.secrets.items() if value in haystack]
        assert not leaked, f"secrets leaked: {leaked}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """DEBUG on the root logger: botocore's request/response logs are captured too."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _wallet() -> EmbeddedCryptoWallet:
    return EmbeddedCryptoWallet(
        network="ETHEREUM", linked_accounts=[EmailLinkedAccount(email_address=CANARIES["email"])]
    )


def _oauth_wallet() -> EmbeddedCryptoWallet:
    return EmbeddedCryptoWallet(
        network="SOLANA",
        linked_accounts=[
            OAuth2LinkedAccount(
                provider="github",
                sub=CANARIES["oauth sub"],
                name=CANARIES["oauth name"],
                email_address=CANARIES["email"],
            )
        ],
    )


def _x402() -> X402Payment:
    return x402(10_000, extra={"note": CANARIES["x402 payload"]})


def _seed(emu: Emulator) -> None:
    customer = emu.add_customer(
        customer_aws_account_id="111122223333",
        product_code="rely-r4-product",
        license_arn="arn:aws:license-manager::111122223333:license:l-r4",
    )
    emu.add_registration_token(CANARIES["registration token"], customer, reusable=True)


def _library_paths(emu: Emulator, seen: Exposure) -> None:
    fake = FakeTime()
    payments = payments_client(emu, fake, user_id=USER, retry=RETRY)
    metering = metering_client(emu, fake, retry=RETRY)

    # Registration tokens: success (retried), unknown token, input error.
    seen.succeeds(
        "resolve_customer ok", lambda: metering.resolve_customer(CANARIES["registration token"])
    )
    seen.fails(
        "resolve_customer unknown",
        lambda: metering.resolve_customer(CANARIES["registration token"] + "-x"),
        InvalidTokenError,
    )
    seen.fails(
        "resolve_customer input",
        lambda: metering.resolve_customer({"token": CANARIES["registration token"]}),
        InvalidInputError,
    )  # type: ignore[arg-type]

    # Emails, phones, OAuth identities: created (with lost answers), read back, refused.
    for details in (_wallet(), _oauth_wallet()):
        created = seen.succeeds(
            "create_payment_instrument ok",
            lambda d=details: payments.create_payment_instrument(
                payment_connector_id=CONNECTOR_ID, details=d
            ),
        )
        seen.succeeds(
            "get_payment_instrument ok",
            lambda c=created: payments.get_payment_instrument(c.payment_instrument_id),
        )
        phone_wallet = EmbeddedCryptoWallet(
            network="SOLANA", linked_accounts=[SmsLinkedAccount(phone_number=CANARIES["phone"])]
        )
        seen.fails(
            "create_payment_instrument conflict",
            lambda c=created, w=phone_wallet: payments.create_payment_instrument(
                payment_connector_id=CONNECTOR_ID, details=w, client_token=c.client_token
            ),
            ServiceError,
        )
    seen.fails(
        "linked account input",
        lambda: SmsLinkedAccount(phone_number=CANARIES["phone"] + "x"),
        ValidationError,
    )
    seen.fails(
        "linked account input",
        lambda: EmailLinkedAccount(email_address=CANARIES["email local part"]),
        ValidationError,
    )
    seen.fails(
        "create_payment_instrument input",
        lambda: payments.create_payment_instrument(
            payment_connector_id="bad connector", details=_oauth_wallet()
        ),
        InvalidInputError,
    )

    # x402 payloads and MPP credentials: paid (lost answers), over budget, refused.
    instrument = emu.add_payment_instrument(
        payment_manager_arn=MANAGER_ARN, payment_connector_id=CONNECTOR_ID, user_id=USER
    )
    session = payments.create_payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd("0.03")
    )
    for payment in (_x402(), mpp(10_000, challenge_id="rely-challenge-1")):
        result = seen.succeeds(
            "process_payment ok",
            lambda p=payment: payments.process_payment(
                payment_session_id=session.payment_session_id,
                payment_instrument_id=instrument.payment_instrument_id,
                payment=p,
            ),
        )
        if result.mpp is not None:
            seen.secret("MPP credential", result.mpp.payment_credential.get_secret_value())
        else:
            assert result.x402 is not None
            payload = result.x402.payload.get_secret_value()
            seen.secret("x402 signature", payload.get("signature"))
    seen.fails(
        "process_payment over budget",
        lambda: payments.process_payment(
            payment_session_id=session.payment_session_id,
            payment_instrument_id=instrument.payment_instrument_id,
            payment=x402(10**8, extra={"note": CANARIES["x402 payload"]}),
        ),
        ServiceError,
    )
    seen.fails(
        "process_payment input",
        lambda: payments.process_payment(
            payment_session_id="not-a-session",
            payment_instrument_id=instrument.payment_instrument_id,
            payment=_x402(),
        ),
        InvalidInputError,
    )
    seen.fails(
        "x402 input",
        lambda: X402Payment(version="x", payload={"note": CANARIES["x402 payload"]}),
        ValidationError,
    )

    # Workload identity tokens in, bearer and basic-auth tokens out.
    for request in (
        CoinbaseCdpTokenRequest(
            request_method="POST",
            request_path="/platform/v2/evm/accounts",
            include_wallet_auth_token=True,
            request_body="{}",
        ),
        StripePrivyTokenRequest(
            request_path="/v1/wallets",
            include_authorization_signature=True,
            request_body=f'{{"k": "{CANARIES["privy body"]}"}}',
        ),
    ):
        token = seen.succeeds(
            "get_resource_payment_token ok",
            lambda r=request: payments.get_resource_payment_token(
                workload_identity_token=CANARIES["workload token"],
                resource_credential_provider_name="rely-provider",
                request=r,
            ),
        )
        if token.coinbase_cdp is not None:
            seen.secret("bearer token", token.coinbase_cdp.bearer_token.get_secret_value())
            wallet_token = token.coinbase_cdp.wallet_auth_token
            seen.secret("wallet token", wallet_token.get_secret_value() if wallet_token else None)
        else:
            assert token.stripe_privy is not None
            seen.secret("basic auth", token.stripe_privy.basic_auth_token.get_secret_value())
    seen.fails(
        "get_resource_payment_token input",
        lambda: payments.get_resource_payment_token(
            workload_identity_token=CANARIES["workload token"],
            resource_credential_provider_name="bad name!",
            request=CoinbaseCdpTokenRequest(request_method="GET", request_path="/x"),
        ),
        InvalidInputError,
    )
    emu.set_faults({"GetResourcePaymentToken": FaultConfig(error_rate=1.0)})
    seen.fails(
        "get_resource_payment_token 5xx",
        lambda: payments.get_resource_payment_token(
            workload_identity_token=CANARIES["workload token"],
            resource_credential_provider_name="rely-provider",
            request=StripePrivyTokenRequest(
                request_path="/v1/x", request_body=CANARIES["privy body"]
            ),
        ),
        ServiceError,
    )


def test_library_paths_keep_secrets(debug_logs: pytest.LogCaptureFixture, figures: Any) -> None:
    seen = Exposure()
    faults = dict.fromkeys(("ProcessPayment", "CreatePaymentInstrument"), LOSSY)
    with Emulator(seed=4, quotas=NO_QUOTAS, faults=faults, default_faults=FLAKY) as emu:
        _seed(emu)
        _library_paths(emu, seen)
        counts = emu.counts()
    seen.assert_clean(debug_logs.text)
    botocore_records = [r for r in debug_logs.records if r.name.startswith("botocore")]
    retries = [r for r in debug_logs.records if r.getMessage().startswith("retrying ")]
    withheld = [r for r in botocore_records if "withheld" in r.getMessage()]
    assert retries and withheld, "the retry and botocore DEBUG paths were not exercised"
    faults_seen = {op: {k: v for k, v in c.items() if k != "ok"} for op, c in counts.items()}
    figures.add(
        paths=len(seen.paths),
        calls=sum(seen.paths.values()),
        canaries=len(seen.secrets),
        log_records=len(debug_logs.records),
        botocore_debug_records=len(botocore_records),
        bodies_withheld=len(withheld),
        retries_logged=len(retries),
        faults={op: sum(c.values()) for op, c in faults_seen.items() if c},
    )


def test_echoed_registration_token_is_scrubbed(debug_logs: pytest.LogCaptureFixture) -> None:
    """A service error quoting the token (real services sometimes do) never shows it."""
    token = CANARIES["registration token"]
    guard = Guard()
    metering = metering_on(guard)
    guard.responder.queue(
        "ResolveCustomer",
        400,
        {"__type": "InvalidTokenException", "message": f"Registration token {token} is invalid"},
    )
    seen = Exposure()
    error = seen.fails("echoed", lambda: metering.resolve_customer(token), InvalidTokenError)
    assert isinstance(error, AgentCoreBillingError) and error.__context__ is None
    assert token not in str(error.__cause__)
    seen.assert_clean(debug_logs.text)


# -- the CLI ---------------------------------------------------------------------------


def _cli_texts(result: Any) -> Iterable[str]:
    yield result.output
    yield result.stdout
    yield result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        yield "".join(traceback.format_exception(result.exception))


def test_cli_never_prints_the_registration_token(figures: Any) -> None:
    token = CANARIES["registration token"]
    seen = Exposure()
    runner = CliRunner()
    with Emulator(seed=5, quotas=NO_QUOTAS) as emu:
        _seed(emu)
        expired = emu.add_customer(
            customer_aws_account_id="444455556666", product_code="rely-r4-product"
        )
        emu.add_registration_token(token + "-expired", expired, expired=True)
        endpoint = ["--endpoint-url", emu.endpoint_url, "--region", "us-east-1"]
        runs = [
            (token, ["--json"], 0),
            (token, [], 0),
            (token + "-unknown", ["--json"], 1),
            (token + "-unknown", [], 1),
            (token + "-expired", [], 1),
        ]
        for stdin, flags, code in runs:
            result = runner.invoke(
                cli, ["resolve-customer", "-", *endpoint, *flags], input=stdin + "\n"
            )
            assert result.exit_code == code, result.output
            seen.texts += list(_cli_texts(result))
            seen.path(f"cli {'ok' if code == 0 else 'error'}")
        assert "111122223333" in seen.texts[0]  # it did resolve

        # A real process, with the library's debug log on stderr.
        for stdin, code in ((token, 0), (token + "-unknown", 1)):
            process = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "agentcore_billing",
                    "resolve-customer",
                    "-",
                    *endpoint,
                    "--json",
                    "--debug",
                ],
                input=stdin + "\n",
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert process.returncode == code, process.stderr
            seen.texts += [process.stdout, process.stderr]
            seen.path("subprocess --debug")
    seen.assert_clean()
    figures.add(cli_runs=sum(seen.paths.values()), paths=seen.paths)
