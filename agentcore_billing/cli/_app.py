"""The root command group and the one place where errors become exit codes."""

from __future__ import annotations

from typing import Any

import click

from agentcore_billing import __version__

from ._options import aws_options, settings_of
from ._output import EXIT_INTERRUPTED, exit_code_for, render_error

HELP = """Take money and report usage on AWS: AgentCore Payments and Marketplace Metering.

\b
Exit codes (all commands):
  0  success
  1  the command ran but failed: a service error, or records not accepted
  2  bad input or usage: malformed line, bad option, missing region or credentials
  130 interrupted

Errors are printed as one line on stderr; --debug shows the traceback.
Run `agentcore-billing demo` for a tour that needs no AWS account.
"""


class BillingGroup(click.Group):
    """A click group that prints any error as one line and exits with its code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; render failures instead of letting a traceback escape."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            settings = settings_of(ctx)
            if settings.debug:
                raise
            render_error(exc, settings)
            ctx.exit(exit_code_for(exc))


@click.group(cls=BillingGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentcore-billing")
@aws_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Root group: make sure every command shares one Settings object."""
    settings_of(ctx)


def _register() -> None:
    from ._customer import resolve_customer
    from ._demo import demo
    from ._emulator import emulator
    from ._ledger import ledger
    from ._meter import meter
    from ._payment_managers import payment_managers
    from ._sessions import sessions

    for command in (demo, emulator, ledger, meter, payment_managers, resolve_customer, sessions):
        cli.add_command(command)


_register()
