"""Testing your own agent against the emulator with the library's pytest fixtures.

Installing ``agentcore-billing`` registers a pytest plugin with three fixtures:

* ``billing_emulator``: a fresh local emulator with its demo data set (``emu.demo``:
  a payment manager, a user with an ACTIVE wallet, products, customers), stopped
  after the test;
* ``billing_payments``: a ``PaymentsClient`` on it, bound to the demo manager and user;
* ``billing_metering``: a ``MeteringClient`` on it.

The emulator keeps everything your code did (``payments()``, ``sessions()``,
``accepted_usage_records()``, ``requests()``) and injects faults on demand, so tests
assert on what the service saw, with no mocks and no AWS account.

Run it::

    pytest examples/testing_your_agent.py     # in a project with agentcore-billing installed
    python examples/testing_your_agent.py
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from agentcore_billing import (
    MeteringClient,
    Money,
    PaymentsClient,
    ServiceQuotaExceededError,
    UsageRecord,
    X402Payment,
)
from agentcore_billing.emulator import Emulator, FaultConfig

# -- the code under test: a small shopping agent --------------------------------------


class ShoppingAgent:
    """Buys data sets within a budget and reports the tokens it used for billing."""

    def __init__(self, payments: PaymentsClient, metering: MeteringClient) -> None:
        self.payments = payments
        self.metering = metering

    def buy(self, prices: list[str], *, budget: str) -> list[str]:
        """Pay each price in turn within one budgeted session; returns what was paid."""
        wallet = next(i for i in self.payments.list_payment_instruments() if i.status == "ACTIVE")
        paid: list[str] = []
        with self.payments.payment_session(
            expiry_time_in_minutes=15, max_spend=Money.usd(budget)
        ) as session:
            for price in prices:
                try:
                    self.payments.process_payment(
                        payment_session_id=session.payment_session_id,
                        payment_instrument_id=wallet.payment_instrument_id,
                        payment=_offer(price),
                    )
                except ServiceQuotaExceededError:
                    break
                paid.append(price)
        return paid

    def report_tokens(self, account_id: str, license_arn: str, tokens: int) -> bool:
        """Meter this hour's tokens for a customer; True when the service accepted them."""
        hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        record = UsageRecord(
            timestamp=hour,
            dimension="tokens",
            quantity=tokens,
            customer_aws_account_id=account_id,
            license_arn=license_arn,
        )
        return self.metering.batch_meter_usage([record]).ok


def _offer(price: str) -> X402Payment:
    return X402Payment(
        version="2",
        payload={
            "scheme": "exact",
            "network": "eip155:8453",
            "amount": str(int(Decimal(price) * 1_000_000)),
            "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
        },
    )


# -- the tests -------------------------------------------------------------------------


@pytest.fixture
def agent(billing_payments: PaymentsClient, billing_metering: MeteringClient) -> ShoppingAgent:
    """The agent wired to the emulator's clients."""
    return ShoppingAgent(billing_payments, billing_metering)


def test_the_agent_stops_at_its_budget_and_closes_its_session(
    agent: ShoppingAgent, billing_emulator: Emulator
) -> None:
    paid = agent.buy(["0.50", "0.30", "0.40"], budget="1.00")
    assert paid == ["0.50", "0.30"]
    assert sum(p.amount for p in billing_emulator.payments()) == Decimal("0.80")
    assert billing_emulator.sessions() == ()  # the with-block deleted it


def test_throttling_never_charges_twice(agent: ShoppingAgent, billing_emulator: Emulator) -> None:
    billing_emulator.set_faults({"ProcessPayment": FaultConfig(throttle_rate=0.3)})
    paid = agent.buy(["0.10"] * 5, budget="1.00")
    assert paid == ["0.10"] * 5
    assert len(billing_emulator.payments()) == 5
    process = [r for r in billing_emulator.requests() if r.operation == "ProcessPayment"]
    assert len(process) >= 5  # retries happened, each with its call's client token
    assert len({r.client_token for r in process}) == 5


def test_usage_reaches_the_service(agent: ShoppingAgent, billing_emulator: Emulator) -> None:
    assert billing_emulator.demo is not None
    customer = billing_emulator.demo.customers[0]
    assert customer.license_arn is not None
    assert agent.report_tokens(customer.customer_aws_account_id, customer.license_arn, 1200)
    [stored] = billing_emulator.accepted_usage_records()
    assert stored.quantity == 1200


def test_a_customer_without_agreement_is_not_billed(
    agent: ShoppingAgent, billing_emulator: Emulator
) -> None:
    assert billing_emulator.demo is not None
    lapsed = next(c for c in billing_emulator.demo.customers if not c.subscribed)
    assert lapsed.license_arn is not None
    assert not agent.report_tokens(lapsed.customer_aws_account_id, lapsed.license_arn, 10)
    assert billing_emulator.accepted_usage_records() == ()


def main() -> int:
    """Run this file's tests with pytest in a fresh interpreter; returns its exit code."""
    # "-p agentcore_billing" turns the plugin on even where a pytest config disables it.
    command = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "agentcore_billing"]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
