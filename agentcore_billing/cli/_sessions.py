"""``agentcore-billing sessions create|get|list|delete``: budgeted payment sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.table import Table

from ._options import (
    PAYMENT_MANAGER_ENV,
    USER_ID_ENV,
    aws_options,
    payments_client,
    settings_of,
)
from ._output import EXIT_BAD_INPUT, CommandError, emit_json, key_value_table, stdout_console

if TYPE_CHECKING:
    from agentcore_billing import PaymentsClient, PaymentSession, PaymentSessionSummary

F = TypeVar("F", bound=Callable[..., Any])


def manager_options(f: F) -> F:
    """Add ``--payment-manager-arn`` (or its env var), ``--user-id`` and ``--agent-name``."""
    f = click.option("--agent-name", default=None, help="The agent acting (agentName).")(f)
    f = click.option(
        "--user-id",
        envvar=USER_ID_ENV,
        default=None,
        help=(
            "The end user the sessions are for (userId; default: "
            f"${USER_ID_ENV}). Needed with IAM authorization and by the emulator."
        ),
    )(f)
    return click.option(
        "--payment-manager-arn",
        envvar=PAYMENT_MANAGER_ENV,
        required=True,
        metavar="ARN",
        help=f"The payment manager (default: ${PAYMENT_MANAGER_ENV}).",
    )(f)


def _client(
    ctx: click.Context, payment_manager_arn: str, user_id: str | None, agent_name: str | None
) -> PaymentsClient:
    return payments_client(
        settings_of(ctx), payment_manager_arn, user_id=user_id, agent_name=agent_name
    )


@contextmanager
def _user_id_hint(user_id: str | None) -> Iterator[None]:
    """Turn the service's "userId is required" into the option that supplies it."""
    from agentcore_billing import ServiceValidationError

    try:
        yield
    except ServiceValidationError as err:
        if user_id is not None or "userId" not in (err.message or ""):
            raise
        raise CommandError(
            f"{err}; pass --user-id ID (or set ${USER_ID_ENV})", exit_code=EXIT_BAD_INPUT
        ) from err


def session_fields(session: PaymentSession) -> list[tuple[str, Any]]:
    """The fields of a session, as shown by ``get`` and ``create`` (none is secret)."""
    return [
        ("payment_session_id", session.payment_session_id),
        ("user_id", session.user_id),
        ("expiry_time_in_minutes", session.expiry_time_in_minutes),
        ("created_at", session.created_at),
        ("expires_at", session.expires_at),
        ("max_spend", _money(session.max_spend)),
        ("available_spend", _money(session.available_spend)),
        ("spent", _money(session.spent)),
        ("client_token", session.client_token),
    ]


def _money(value: Any) -> dict[str, str] | None:
    return None if value is None else dict(value.to_wire())


def _show_session(ctx: click.Context, title: str, session: PaymentSession) -> None:
    fields = session_fields(session)
    if settings_of(ctx).json:
        emit_json(dict(fields))
        return
    shown = [(k, f"{v['value']} {v['currency']}" if isinstance(v, dict) else v) for k, v in fields]
    stdout_console().print(key_value_table(title, shown))


@click.group(help="Create, inspect, list and delete payment sessions (spending windows).")
def sessions() -> None:
    """The ``sessions`` command group."""


@sessions.command("create")
@manager_options
@click.option(
    "--expiry-minutes",
    type=click.IntRange(15, 480),
    default=60,
    show_default=True,
    help="How long the session lasts (15..480).",
)
@click.option("--max-spend", metavar="AMOUNT", default=None, help="Spending cap in USD, e.g. 5.00.")
@click.option("--client-token", default=None, help="Idempotency token (33..256 chars).")
@aws_options
@click.pass_context
def create(
    ctx: click.Context,
    *,
    payment_manager_arn: str,
    user_id: str | None,
    agent_name: str | None,
    expiry_minutes: int,
    max_spend: str | None,
    client_token: str | None,
) -> None:
    """Create a payment session, optionally capped at --max-spend USD."""
    from agentcore_billing import Money

    payments = _client(ctx, payment_manager_arn, user_id, agent_name)
    with _user_id_hint(user_id):
        session = payments.create_payment_session(
            expiry_time_in_minutes=expiry_minutes,
            max_spend=Money.usd(max_spend) if max_spend is not None else None,
            client_token=client_token,
        )
    _show_session(ctx, "Created payment session", session)


@sessions.command("get")
@click.argument("session_id", metavar="SESSION_ID")
@manager_options
@aws_options
@click.pass_context
def get(
    ctx: click.Context,
    *,
    session_id: str,
    payment_manager_arn: str,
    user_id: str | None,
    agent_name: str | None,
) -> None:
    """Show one payment session, with what is left to spend."""
    payments = _client(ctx, payment_manager_arn, user_id, agent_name)
    with _user_id_hint(user_id):
        session = payments.get_payment_session(session_id)
    _show_session(ctx, "Payment session", session)


@sessions.command("list")
@manager_options
@aws_options
@click.pass_context
def list_(
    ctx: click.Context, payment_manager_arn: str, user_id: str | None, agent_name: str | None
) -> None:
    """List the payment sessions of the payment manager (all pages)."""
    payments = _client(ctx, payment_manager_arn, user_id, agent_name)
    with _user_id_hint(user_id):
        summaries = list(payments.list_payment_sessions())
    if settings_of(ctx).json:
        emit_json([_summary_fields(s) for s in summaries])
        return
    table = Table(title=f"{len(summaries)} payment session(s)", title_justify="left")
    for column in ("payment_session_id", "user_id", "created_at", "expires_at"):
        table.add_column(column)
    for summary in summaries:
        table.add_row(*(str(value) for value in _summary_fields(summary).values()))
    stdout_console().print(table)


def _summary_fields(summary: PaymentSessionSummary) -> dict[str, Any]:
    return {
        "payment_session_id": summary.payment_session_id,
        "user_id": summary.user_id,
        "created_at": summary.created_at,
        "expires_at": summary.expires_at,
    }


@sessions.command("delete")
@click.argument("session_id", metavar="SESSION_ID")
@manager_options
@aws_options
@click.pass_context
def delete(
    ctx: click.Context,
    *,
    session_id: str,
    payment_manager_arn: str,
    user_id: str | None,
    agent_name: str | None,
) -> None:
    """Delete a payment session; prints the status the service returned."""
    payments = _client(ctx, payment_manager_arn, user_id, agent_name)
    with _user_id_hint(user_id):
        status = payments.delete_payment_session(session_id)
    if settings_of(ctx).json:
        emit_json({"payment_session_id": session_id, "status": status})
    else:
        stdout_console().print(f"{session_id}: {status}")
