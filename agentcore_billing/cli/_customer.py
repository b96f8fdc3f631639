"""``agentcore-billing resolve-customer``: who bought the product, from a registration token."""

from __future__ import annotations

import sys

import click

from ._options import aws_options, metering_client, settings_of
from ._output import EXIT_BAD_INPUT, CommandError, emit_json, key_value_table, stdout_console

HELP = """Resolve a buyer from a Marketplace registration TOKEN (ResolveCustomer).

Pass - as TOKEN to read it from stdin, so it stays out of your shell history:

\b
  agentcore-billing resolve-customer - < token.txt

The token is a secret: it is never printed, not even in errors or with --json.
Prints the customer's AWS account id, license ARN, product code, agreement id and
(legacy integrations) customer identifier.
"""


@click.command("resolve-customer", help=HELP)
@click.argument("token", metavar="TOKEN")
@aws_options
@click.pass_context
def resolve_customer(ctx: click.Context, token: str) -> None:
    """Resolve the registration token and print the buyer (never the token)."""
    settings = settings_of(ctx)
    if token == "-":
        token = sys.stdin.read().strip()
    if not token:
        raise CommandError(
            "no registration token given (stdin was empty)", exit_code=EXIT_BAD_INPUT
        )
    settings.secrets.append(token)
    customer = metering_client(settings).resolve_customer(token)
    fields = [
        ("customer_aws_account_id", customer.customer_aws_account_id),
        ("license_arn", customer.license_arn),
        ("product_code", customer.product_code),
        ("agreement_id", customer.agreement_id),
        ("customer_identifier", customer.customer_identifier or None),
    ]
    if settings.json:
        emit_json(dict(fields))
    else:
        stdout_console().print(key_value_table("Resolved customer", fields))
