"""``agentcore-billing payment-managers provision|list|get|delete``: the control plane.

Provider secrets are never taken on the command line (other users of the machine can
read it): ``provision`` reads them from environment variables and masks them in any
output. Progress while waiting goes to stderr; the result to stdout (``--json``: JSON).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from ._options import aws_options, boto_session, settings_of
from ._output import (
    CommandError,
    Settings,
    emit_json,
    key_value_table,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from agentcore_billing import (
        PaymentConnectorSummary,
        PaymentManagerSummary,
        PaymentsControlClient,
        ProvisionedPaymentManager,
    )

CONNECTORS = ("aws-billing", "coinbase-cdp", "stripe-privy")
CDP_ENV = ("CDP_API_KEY_ID", "CDP_API_KEY_SECRET", "CDP_WALLET_SECRET")
PRIVY_ENV = (
    "PRIVY_APP_ID",
    "PRIVY_APP_SECRET",
    "PRIVY_AUTHORIZATION_ID",
    "PRIVY_AUTHORIZATION_PRIVATE_KEY",
)

HELP = f"""Create, inspect, list and delete payment managers (the AgentCore control plane).

\b
Provider secrets for `provision --credentials-from-env` are read from the environment:
  coinbase-cdp:  {", ".join(CDP_ENV)}
  stripe-privy:  {", ".join(PRIVY_ENV)}
"""


def control_client(settings: Settings) -> PaymentsControlClient:
    """A :class:`PaymentsControlClient` for the settings of this invocation."""
    from agentcore_billing import PaymentsControlClient

    return PaymentsControlClient(
        session=boto_session(settings),
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
    )


@click.group("payment-managers", help=HELP)
def payment_managers() -> None:
    """The ``payment-managers`` command group."""


@payment_managers.command("provision")
@click.option("--name", required=True, help="Manager name ([a-zA-Z][a-zA-Z0-9]{0,47}).")
@click.option("--role-arn", required=True, metavar="ARN", help="IAM role the manager assumes.")
@click.option(
    "--connector",
    "kind",
    type=click.Choice(CONNECTORS),
    default="aws-billing",
    show_default=True,
    help="The wallet provider to connect.",
)
@click.option(
    "--quick-create", is_flag=True, help="Let the service run OAuth consent (QUICK_CREATE)."
)
@click.option(
    "--credential-provider-arn",
    metavar="ARN",
    default=None,
    help="An existing credential provider (MANUAL).",
)
@click.option(
    "--credentials-from-env",
    is_flag=True,
    help="Create the credential provider from the environment's secrets.",
)
@click.option(
    "--discovery-url",
    metavar="URL",
    default=None,
    help="CUSTOM_JWT callers: the OIDC discovery URL.",
)
@click.option("--allowed-client", "allowed_clients", multiple=True, help="CUSTOM_JWT: a client id.")
@click.option("--client-token", default=None, help="Resume a run: the token it printed.")
@click.option(
    "--timeout",
    type=click.FloatRange(0),
    default=300.0,
    show_default=True,
    help="Seconds to wait for each resource.",
)
@aws_options
@click.pass_context
def provision(
    ctx: click.Context,
    *,
    name: str,
    role_arn: str,
    kind: str,
    quick_create: bool,
    credential_provider_arn: str | None,
    credentials_from_env: bool,
    discovery_url: str | None,
    allowed_clients: tuple[str, ...],
    client_token: str | None,
    timeout: float,
) -> None:
    """Provision a READY payment manager and connector (resumable with --client-token)."""
    from agentcore_billing import CustomJwtAuthorizer, new_client_token

    settings = settings_of(ctx)
    connector = _connector(kind, quick_create, credential_provider_arn)
    credentials = _credentials(kind, settings) if credentials_from_env else None
    authorizer = None
    if discovery_url is not None:
        authorizer = CustomJwtAuthorizer(
            discovery_url=discovery_url, allowed_clients=allowed_clients or None
        )
    token = client_token or new_client_token()
    progress = _Progress(settings, token)
    provisioned = progress.run(
        lambda: control_client(settings).provision_payment_manager(
            name=name,
            role_arn=role_arn,
            connector=connector,
            credentials=credentials,
            authorizer_type="CUSTOM_JWT" if authorizer else "AWS_IAM",
            authorizer=authorizer,
            client_token=token,
            timeout=timeout,
            on_progress=progress.show,
        )
    )
    _show_provisioned(settings, provisioned)


def _connector(kind: str, quick_create: bool, provider_arn: str | None) -> Any:
    from agentcore_billing import AwsBillingConnector, CoinbaseCdpConnector, StripePrivyConnector

    if kind == "aws-billing":
        if quick_create or provider_arn:
            raise click.UsageError(
                "aws-billing takes no --quick-create or --credential-provider-arn"
            )
        return AwsBillingConnector()
    cls = CoinbaseCdpConnector if kind == "coinbase-cdp" else StripePrivyConnector
    if quick_create:
        return cls(credential_provider_arn=provider_arn, provision_mode="QUICK_CREATE")
    return cls(credential_provider_arn=provider_arn)


def _credentials(kind: str, settings: Settings) -> Any:
    from agentcore_billing import CoinbaseCdpCredentials, StripePrivyCredentials

    if kind == "aws-billing":
        raise click.UsageError("aws-billing connectors take no credentials")
    names = CDP_ENV if kind == "coinbase-cdp" else PRIVY_ENV
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise CommandError(f"--credentials-from-env: {', '.join(missing)} not set", exit_code=2)
    values = [os.environ[n] for n in names]
    settings.secrets.extend(values[1:] if kind == "coinbase-cdp" else [values[1], values[3]])
    if kind == "coinbase-cdp":
        return CoinbaseCdpCredentials(
            api_key_id=values[0], api_key_secret=values[1], wallet_secret=values[2]
        )
    return StripePrivyCredentials(
        app_id=values[0],
        app_secret=values[1],
        authorization_id=values[2],
        authorization_private_key=values[3],
    )


class _Progress:
    """Status lines on stderr while provisioning waits (none with --json)."""

    def __init__(self, settings: Settings, token: str) -> None:
        self._settings = settings
        self._token = token
        self._last: tuple[str, str] | None = None
        self._console = stderr_console()

    def show(self, step: str, seen: Any) -> None:
        if self._settings.json:
            return
        status = getattr(seen, "status", None)
        label = getattr(seen, "payment_connector_id", None) or getattr(
            seen, "payment_manager_id", seen if isinstance(seen, str) else ""
        )
        line = (step, f"{label}: {status}" if status else str(label))
        if line != self._last:
            self._console.print(f"{step.replace('_', ' ')} {line[1]}")
            self._last = line

    def run(self, call: Any) -> Any:
        from agentcore_billing import AgentCoreBillingError

        if not self._settings.json:
            self._console.print(f"client token {self._token} (pass --client-token to resume)")
        try:
            return call()
        except AgentCoreBillingError as err:
            url = getattr(err, "authorization_url", None)
            for note in getattr(err, "__notes__", ()):
                self._console.print(f"note: {note}")
            if url:
                self._console.print(f"authorize the connector here: {url}")
            raise


def _show_provisioned(settings: Settings, provisioned: ProvisionedPaymentManager) -> None:
    provider = provisioned.credential_provider
    fields = [
        ("payment_manager_arn", provisioned.payment_manager_arn),
        ("payment_manager_id", provisioned.payment_manager.payment_manager_id),
        ("payment_manager_status", provisioned.payment_manager.status),
        ("payment_connector_id", provisioned.payment_connector_id),
        ("connector_type", provisioned.connector.connector_type),
        ("connector_status", provisioned.connector.status),
        ("credential_provider_arn", provider.credential_provider_arn if provider else None),
        ("client_token", provisioned.client_token),
    ]
    if settings.json:
        emit_json(dict(fields))
        return
    stdout_console().print(key_value_table("Provisioned payment manager", fields))


@payment_managers.command("list")
@aws_options
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List every payment manager of the account and Region (all pages)."""
    settings = settings_of(ctx)
    summaries = list(control_client(settings).list_payment_managers())
    rows = [_manager_fields(s) for s in summaries]
    if settings.json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} payment manager(s)", title_justify="left")
    for column in ("payment_manager_id", "name", "status", "authorizer_type"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(str(row[c]) for c in ("payment_manager_id", "name", "status", "authorizer_type"))
        )
    stdout_console().print(table)


def _manager_fields(manager: PaymentManagerSummary) -> dict[str, Any]:
    return {
        "payment_manager_id": manager.payment_manager_id,
        "payment_manager_arn": manager.payment_manager_arn,
        "name": manager.name,
        "status": manager.status,
        "authorizer_type": manager.authorizer_type,
        "role_arn": manager.role_arn,
        "created_at": manager.created_at,
    }


def _connector_fields(connector: PaymentConnectorSummary) -> dict[str, Any]:
    return {
        "payment_connector_id": connector.payment_connector_id,
        "name": connector.name,
        "type": connector.connector_type,
        "provision_mode": connector.provision_mode,
        "status": connector.status,
    }


@payment_managers.command("get")
@click.argument("payment_manager_id", metavar="PAYMENT_MANAGER_ID")
@aws_options
@click.pass_context
def get(ctx: click.Context, payment_manager_id: str) -> None:
    """Show one payment manager and its connectors."""
    settings = settings_of(ctx)
    control = control_client(settings)
    manager = control.get_payment_manager(payment_manager_id)
    connectors = [
        _connector_fields(c)
        for c in control.list_payment_connectors(payment_manager_id=payment_manager_id)
    ]
    fields = _manager_fields(manager)
    if settings.json:
        emit_json({**fields, "connectors": connectors})
        return
    console = stdout_console()
    console.print(key_value_table("Payment manager", list(fields.items())))
    table = Table(title=f"{len(connectors)} connector(s)", title_justify="left")
    for column in ("payment_connector_id", "name", "type", "provision_mode", "status"):
        table.add_column(column)
    for row in connectors:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@payment_managers.command("delete")
@click.argument("payment_manager_id", metavar="PAYMENT_MANAGER_ID")
@click.option(
    "--with-connectors", is_flag=True, help="Delete its connectors first (each waited on)."
)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until it is gone.")
@aws_options
@click.pass_context
def delete(ctx: click.Context, payment_manager_id: str, with_connectors: bool, wait: bool) -> None:
    """Delete a payment manager (its connectors must be gone, or pass --with-connectors)."""
    settings = settings_of(ctx)
    control = control_client(settings)
    deleted: list[str] = []
    if with_connectors:
        for connector in list(
            control.list_payment_connectors(payment_manager_id=payment_manager_id)
        ):
            control.delete_payment_connector(
                payment_manager_id=payment_manager_id,
                payment_connector_id=connector.payment_connector_id,
            )
            control.wait_until_deleted(connector)
            deleted.append(connector.payment_connector_id)
    manager = control.get_payment_manager(payment_manager_id)
    status = control.delete_payment_manager(payment_manager_id)
    if wait:
        control.wait_until_deleted(manager)
        status = "DELETED"
    result = {
        "payment_manager_id": payment_manager_id,
        "status": status,
        "deleted_connectors": deleted,
    }
    if settings.json:
        emit_json(result)
    else:
        for connector_id in deleted:
            stdout_console().print(f"{connector_id}: DELETED")
        stdout_console().print(f"{payment_manager_id}: {status}")
