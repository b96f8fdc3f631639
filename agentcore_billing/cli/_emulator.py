"""``agentcore-billing emulator``: serve the local emulator until interrupted."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ._options import (
    PAYMENT_MANAGER_ENV,
    USER_ID_ENV,
    output_options,
    refuse_aws_options,
    settings_of,
)
from ._output import EXIT_BAD_INPUT, CommandError, key_value_table, stdout_console

if TYPE_CHECKING:
    from agentcore_billing.emulator import Customer, Emulator

HELP = f"""Serve AgentCore Payments and Marketplace Metering on 127.0.0.1 until Ctrl-C.

Point any command (or boto3) at it with --endpoint-url URL; any region and any
credentials work, and CLI commands pointed at 127.0.0.1 need none. Prints the URL,
the demo manager, user, products and customers (with --json: one JSON line) once
listening.

\b
Faults (repeatable; per operation, * for all others):
  --fault BatchMeterUsage:throttle_rate=0.1,unprocessed_rate=0.2
  --fault "*:error_rate=0.01,latency=0.005"
  settings: throttle_rate, error_rate, unprocessed_rate, reset_rate,
            drop_after_commit_rate, latency (seconds)

\b
Customers and registration tokens:
  --customer account=111122223333,product=my-product,license_arn=arn:aws:...
  --customer account=222233334444,product=my-product,identifier=cust-1,subscribed=false
  --registration-token 111122223333=TOKEN   (TOKEN resolves to that customer; never printed)
Registration tokens, these and the demo ones, resolve once, as in the service: resolving
one again answers ExpiredTokenException (a buyer resubmitted it).

--demo-data seeds products, customers, tokens and a funded wallet (see
agentcore_billing.emulator.DemoData); export {PAYMENT_MANAGER_ENV} to use its manager.
"""

_CUSTOMER_KEYS = {
    "account": "customer_aws_account_id",
    "product": "product_code",
    "license_arn": "license_arn",
    "identifier": "customer_identifier",
    "agreement": "agreement_id",
}


@click.command("emulator", help=HELP)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed of faults and identifiers, for a reproducible run (default: seed 0's "
    "faults, identifiers no other run mints).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="OPERATION:SETTINGS",
    help="Inject faults, e.g. BatchMeterUsage:throttle_rate=0.1 (repeatable).",
)
@click.option("--no-quotas", is_flag=True, help="Lift the request-rate quotas (10/s metering).")
@click.option(
    "--customer",
    "customers",
    multiple=True,
    metavar="KEY=VALUE,...",
    help="Subscribe a customer (repeatable; see above).",
)
@click.option(
    "--registration-token",
    "tokens",
    multiple=True,
    metavar="ACCOUNT=TOKEN",
    help="Make TOKEN resolve to the customer with that account id (repeatable).",
)
@click.option("--demo-data", is_flag=True, help="Seed the demo data set.")
@output_options
@click.pass_context
def emulator(
    ctx: click.Context,
    *,
    port: int,
    seed: int | None,
    faults: tuple[str, ...],
    no_quotas: bool,
    customers: tuple[str, ...],
    tokens: tuple[str, ...],
    demo_data: bool,
) -> None:
    """Build the emulator from the options, print where it listens, serve until Ctrl-C."""
    from agentcore_billing.emulator import NO_QUOTAS, Emulator, parse_fault_specs

    refuse_aws_options(ctx, "emulator")
    settings = settings_of(ctx)
    try:
        configs = parse_fault_specs(faults)
    except ValueError as err:
        raise CommandError(f"--fault: {err}", exit_code=EXIT_BAD_INPUT) from err
    emu = Emulator(port=port, seed=seed, faults=configs, quotas=NO_QUOTAS if no_quotas else None)
    known = [_add_customer(emu, spec) for spec in customers]
    for spec in tokens:
        _add_token(emu, spec, known, settings.secrets)
    info: dict[str, Any] = {}
    if demo_data:
        demo = emu.seed_demo_data()
        info["payment_manager_arn"] = demo.payment_manager_arn
        info["user_id"] = demo.user_id
        info["payment_instrument_id"] = demo.payment_instrument_id
        info["products"] = [
            demo.saas_product_code,
            demo.legacy_product_code,
            demo.container_product_code,
        ]
        known = [*demo.customers, *known]
    info["customers"] = [_customer_info(c) for c in known]
    with _stop_signals_as_interrupt():
        try:
            emu.serve_forever(lambda running: _ready(running, info, json_output=settings.json))
        except KeyboardInterrupt:
            click.echo("emulator stopped", err=True)


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """Stop as cleanly on SIGTERM (``kill``, a container stop) as on Ctrl-C.

    SIGINT gets an explicit handler too: a process started from a non-interactive
    shell's background job inherits SIGINT as ignored, and Python then installs no
    KeyboardInterrupt handler, so ``kill -INT`` would not stop the emulator.
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    stops = (signal.SIGINT, signal.SIGTERM)
    try:
        previous = [signal.signal(stop, interrupt) for stop in stops]
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for stop, handler in zip(stops, previous, strict=True):
            signal.signal(stop, handler)


def _customer_info(customer: Customer) -> dict[str, Any]:
    """What a CLI user needs to meter for a customer (nothing here is secret)."""
    return {
        "customer_aws_account_id": customer.customer_aws_account_id,
        "product_code": customer.product_code,
        "license_arn": customer.license_arn,
        "customer_identifier": customer.customer_identifier,
        "agreement_id": customer.agreement_id,
        "subscribed": customer.subscribed,
    }


def _ready(emu: Emulator, info: dict[str, Any], *, json_output: bool) -> None:
    url = emu.endpoint_url
    if json_output:
        click.echo(json.dumps({"endpoint_url": url, **info}))
        return
    rows = [("endpoint_url", url)]
    rows += [(k, ", ".join(v) if isinstance(v, list) else v) for k, v in info.items() if v]
    rows = [row for row in rows if row[0] != "customers"]
    rows += [(_customer_label(c), c["license_arn"] or "") for c in info["customers"]]
    stdout_console().print(key_value_table("Emulator listening (Ctrl-C to stop)", rows))
    hint = f"use it with: --endpoint-url {url} (no AWS credentials or region needed)"
    if "payment_manager_arn" in info:
        hint += (
            f"\n  export {PAYMENT_MANAGER_ENV}={info['payment_manager_arn']}"
            f"\n  export {USER_ID_ENV}={info['user_id']}"
            f"\n  agentcore-billing sessions list --endpoint-url {url}"
        )
    click.echo(hint, err=True)


def _customer_label(customer: dict[str, Any]) -> str:
    who = customer["customer_identifier"] or customer["customer_aws_account_id"]
    state = "" if customer["subscribed"] else ", not subscribed"
    return f"customer {who} ({customer['product_code']}{state})"


def _pairs(spec: str, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise CommandError(f"{option}: expected KEY=VALUE, got {item!r}", exit_code=2)
        pairs[key.strip()] = value.strip()
    return pairs


def _add_customer(emu: Emulator, spec: str) -> Customer:
    """Subscribe the customer ``account=...,product=...[,license_arn=...]`` describes."""
    pairs = _pairs(spec, "--customer")
    unknown = sorted(set(pairs) - {*_CUSTOMER_KEYS, "subscribed"})
    if unknown or "account" not in pairs or "product" not in pairs:
        raise CommandError(
            f"--customer: needs account= and product=, may have license_arn=, identifier=, "
            f"agreement=, subscribed=; got {spec!r}",
            exit_code=EXIT_BAD_INPUT,
        )
    kwargs = {_CUSTOMER_KEYS[k]: v for k, v in pairs.items() if k in _CUSTOMER_KEYS}
    subscribed = pairs.get("subscribed", "true").lower() not in ("false", "no", "0")
    try:
        return emu.add_customer(subscribed=subscribed, **kwargs)
    except ValueError as err:
        raise CommandError(f"--customer: {err}", exit_code=EXIT_BAD_INPUT) from err


def _add_token(emu: Emulator, spec: str, known: list[Customer], secrets: list[str]) -> None:
    """Bind ``ACCOUNT=TOKEN`` (the token is a secret: masked in any error)."""
    account, sep, token = spec.partition("=")
    if sep and token:
        secrets.append(token)
    customer = next((c for c in known if c.customer_aws_account_id == account.strip()), None)
    if not sep or not token or customer is None:
        raise CommandError(
            "--registration-token: expected ACCOUNT=TOKEN for an account given with --customer",
            exit_code=EXIT_BAD_INPUT,
        )
    emu.add_registration_token(token, customer)  # resolves once, as the demo tokens do
