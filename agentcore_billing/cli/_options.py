"""Options every command shares, and the facades built from them.

``--endpoint-url``, ``--region``, ``--profile``, ``--json`` and ``--debug`` are accepted
both before the command (``agentcore-billing --json meter ...``) and after it
(``agentcore-billing meter ... --json``); the value closest to the command wins.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._output import Settings

if TYPE_CHECKING:
    import boto3

    from agentcore_billing import MeteringClient, PaymentsClient

F = TypeVar("F", bound=Callable[..., Any])

PAYMENT_MANAGER_ENV = "AGENTCORE_PAYMENT_MANAGER_ARN"
USER_ID_ENV = "AGENTCORE_PAYMENTS_USER_ID"

_log = logging.getLogger("agentcore_billing.cli")


def settings_of(ctx: click.Context) -> Settings:
    """The shared :class:`Settings` of this invocation (created on first use)."""
    return ctx.ensure_object(Settings)


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None or value is False:
            return value
        setattr(settings_of(ctx), attr, value)
        if attr == "debug":
            _enable_debug_log(ctx)
        return value

    return callback


def _enable_debug_log(ctx: click.Context) -> None:
    logger = logging.getLogger("agentcore_billing")
    if any(getattr(h, "_agentcore_cli", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._agentcore_cli = True  # type: ignore[attr-defined]
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def restore() -> None:
        # In-process callers (tests, notebooks) get their logging back unchanged.
        logger.removeHandler(handler)
        logger.setLevel(previous_level)

    ctx.find_root().call_on_close(restore)


def _flag(name: str, attr: str, help_text: str) -> Callable[[F], F]:
    return click.option(
        name, is_flag=True, default=False, expose_value=False, callback=_store(attr), help=help_text
    )


def output_options(f: F) -> F:
    """Add ``--json`` and ``--debug`` to a command."""
    f = _flag("--debug", "debug", "Show tracebacks and the library's debug log on stderr.")(f)
    return _flag("--json", "json", "Machine-readable JSON on stdout (no colours, no progress).")(f)


def aws_options(f: F) -> F:
    """Add ``--endpoint-url``, ``--region``, ``--profile``, ``--json`` and ``--debug``."""
    f = output_options(f)
    for name, attr, metavar, help_text in reversed(
        [
            ("--endpoint-url", "endpoint_url", "URL", "Send requests here (e.g. an emulator)."),
            ("--region", "region", "REGION", "AWS Region (default: from the environment)."),
            ("--profile", "profile", "NAME", "AWS shared-config profile to use."),
        ]
    ):
        f = click.option(
            name,
            metavar=metavar,
            default=None,
            expose_value=False,
            callback=_store(attr),
            help=help_text,
        )(f)
    return f


def refuse_aws_options(ctx: click.Context, command: str) -> None:
    """Fail when AWS connection options reach a command that runs its own emulator."""
    settings = settings_of(ctx)
    given = [
        name
        for name, value in (
            ("--endpoint-url", settings.endpoint_url),
            ("--region", settings.region),
            ("--profile", settings.profile),
        )
        if value is not None
    ]
    if given:
        raise click.UsageError(
            f"{command} runs its own local emulator; {', '.join(given)} does not apply", ctx
        )


def boto_session(settings: Settings) -> boto3.Session | None:
    """A boto3 session for ``--profile``; ``None`` lets the library build its own.

    For a loopback ``--endpoint-url`` (an emulator) the CLI works in a clean shell: with
    no AWS credentials found it signs with placeholder ones, and with no region it uses
    ``us-east-1`` (both said at DEBUG). The library never does this on its own.
    """
    if settings.endpoint_url is not None and is_loopback(settings.endpoint_url):
        return _loopback_session(settings)
    if settings.profile is None:
        return None
    import boto3

    return boto3.Session(profile_name=settings.profile, region_name=settings.region)


LOOPBACK_REGION = "us-east-1"
"""The region CLI commands use against a loopback endpoint when none is configured."""

_PLACEHOLDER_KEY = "agentcore-billing-local"


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (127.0.0.0/8, ::1 or localhost).

    Example:
        >>> is_loopback("http://127.0.0.1:4566"), is_loopback("https://example.com")
        (True, False)
    """
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _loopback_session(settings: Settings) -> boto3.Session:
    import os

    import boto3
    import botocore.session

    core = botocore.session.Session(profile=settings.profile)
    resolver = core.get_component("credential_provider")
    for name in ("container-role", "iam-role"):  # no metadata-service calls for a local URL
        resolver.remove(name)
    region = settings.region or os.environ.get("AWS_REGION") or None
    session = boto3.Session(botocore_session=core, region_name=region)
    if not session.region_name:
        _log.debug("no AWS region configured: using %s for the local endpoint", LOOPBACK_REGION)
        region = LOOPBACK_REGION
        session = boto3.Session(botocore_session=core, region_name=region)
    if session.get_credentials() is None:
        _log.debug("no AWS credentials found: using placeholder ones for the local endpoint")
        return boto3.Session(
            aws_access_key_id=_PLACEHOLDER_KEY,
            aws_secret_access_key=_PLACEHOLDER_KEY,
            region_name=session.region_name,
        )
    return session


def payments_client(
    settings: Settings,
    payment_manager_arn: str,
    *,
    user_id: str | None = None,
    agent_name: str | None = None,
) -> PaymentsClient:
    """A :class:`PaymentsClient` for the settings of this invocation."""
    from agentcore_billing import PaymentsClient

    return PaymentsClient(
        payment_manager_arn=payment_manager_arn,
        session=boto_session(settings),
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        user_id=user_id,
        agent_name=agent_name,
    )


def metering_client(settings: Settings, *, product_code: str | None = None) -> MeteringClient:
    """A :class:`MeteringClient` for the settings of this invocation."""
    from agentcore_billing import MeteringClient

    return MeteringClient(
        session=boto_session(settings),
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        product_code=product_code,
    )


def checking_client(product_code: str | None) -> MeteringClient:
    """A :class:`MeteringClient` for ``--dry-run``: it only checks, so it needs no AWS setup."""
    from agentcore_billing import MeteringClient

    return MeteringClient(product_code=product_code)
