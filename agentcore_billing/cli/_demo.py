"""``agentcore-billing demo``: the whole product, end to end, against an embedded emulator.

Nothing leaves 127.0.0.1 and no AWS account is needed. The emulator's clock is fixed
and every random choice (data, faults, retry jitter) comes from ``--seed``, so a seed
always tells the same story.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from ._demo_control import run_provisioning
from ._demo_ledger import run_ledger
from ._demo_metering import DEMO_QUOTAS, run_metering
from ._demo_pay402 import run_pay402
from ._demo_payments import run_payments, run_signup
from ._options import output_options, refuse_aws_options, settings_of
from ._output import emit_json, stdout_console

if TYPE_CHECKING:
    import boto3

    from agentcore_billing.emulator import DemoData, Emulator

DEMO_NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
"""The emulator's (and the clients') fixed clock: the same run every time."""

HELP = """Tour the library end to end against an embedded emulator (no AWS account).

\b
0. From nothing to a READY payment manager: credential provider, manager
   and Coinbase CDP connector, each waited on (the control plane).
1. An agent pays within a budget: a $1.00 payment session, x402 and MPP
   payments until the budget refuses one (nothing is charged), what is left;
   then a seller's HTTP 402 (x402 v2 and MPP offers) paid in one pay_for call.
2. A SaaS sign-up resolves a buyer from a registration token (never shown).
3. A backend meters --records usage records for many customers, through
   throttling and UnprocessedRecords storms, with one record outside the
   24-hour window, and shows every record's outcome.
4. App servers record usage in a ledger; two flush workers at once meter
   each hour exactly once.

The emulator listens on 127.0.0.1 only; the run is deterministic for a --seed.
"""


@dataclass
class Demo:
    """What every step of the tour shares: the emulator, its data, output, results."""

    emulator: Emulator
    data: DemoData
    seed: int
    console: Console
    quiet: bool
    results: dict[str, Any] = field(default_factory=dict)
    payment_manager_arn: str = ""
    """The manager step 0 provisioned; the payments step pays through it."""

    def say(self, *renderables: Any) -> None:
        """Print a line (text is literal) or a table of the story; nothing with --json."""
        if not self.quiet:
            self.console.print(*renderables)

    def step(self, title: str) -> None:
        """Print a step heading."""
        if not self.quiet:
            self.console.print()
            self.console.print(Rule(Text(title, style="bold"), align="left"))

    def session(self) -> boto3.Session:
        """A boto3 session with placeholder credentials: the emulator checks no signature."""
        import boto3

        return boto3.Session(
            aws_access_key_id="demo", aws_secret_access_key="demo", region_name="us-east-1"
        )

    def clock(self) -> datetime:
        """The fixed demo time."""
        return DEMO_NOW


@click.command("demo", help=HELP)
@click.option(
    "--records",
    type=click.IntRange(10, 50_000),
    default=3000,
    show_default=True,
    help="How many usage records to meter.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the whole run.")
@output_options
@click.pass_context
def demo(ctx: click.Context, records: int, seed: int) -> None:
    """Run the tour; exit 0 when every step behaved as the story says."""
    from agentcore_billing.emulator import Emulator

    refuse_aws_options(ctx, "demo")
    settings = settings_of(ctx)
    started = _monotonic()
    with Emulator(seed=seed, clock=_fixed_clock, quotas=DEMO_QUOTAS) as emulator:
        tour = Demo(
            emulator=emulator,
            data=emulator.seed_demo_data(),
            seed=seed,
            console=stdout_console(),
            quiet=settings.json,
        )
        _intro(tour, records)
        run_provisioning(tour)
        run_payments(tour)
        run_pay402(tour)
        run_signup(tour)
        run_metering(tour, records, rng=random.Random(seed))
        run_ledger(tour, rng=random.Random(seed))
    elapsed = _monotonic() - started
    tour.results["seconds"] = round(elapsed, 2)
    if settings.json:
        emit_json(tour.results)
    else:
        tour.say(f"\nDone in {elapsed:.1f} s. Nothing left this machine.")


def _fixed_clock() -> datetime:
    return DEMO_NOW


def _monotonic() -> float:
    return time.monotonic()


def _intro(tour: Demo, records: int) -> None:
    tour.say(
        Text.assemble(
            ("agentcore-billing demo", "bold"), f" (seed {tour.seed}, {records:,} usage records)"
        )
    )
    tour.say(f"Embedded emulator on {tour.emulator.endpoint_url}; no AWS account needed.")
    tour.say(f"The emulator's clock is fixed at {DEMO_NOW:%Y-%m-%d %H:%M} UTC.")
    tour.results["endpoint_url"] = tour.emulator.endpoint_url
    tour.results["seed"] = tour.seed
