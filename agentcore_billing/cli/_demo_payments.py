"""Demo steps 1 and 2: an agent pays within a budget; a sign-up resolves its buyer."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ._output import key_value_table

if TYPE_CHECKING:
    from agentcore_billing import MppPayment, PaymentsClient, X402Payment

    from ._demo import Demo

BUDGET = "1.00"
THROTTLE_RATE = 0.3
"""Share of CreatePaymentSession and ProcessPayment requests the emulator throttles."""
PLAN = (("x402", "0.30"), ("MPP", "0.25"), ("x402", "0.30"), ("MPP", "0.30"))
"""Payments the agent attempts, in order; the last one is over what is left."""

_USDC_ON_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
_SELLER = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"


def demo_payment(kind: str, usd: str, number: int) -> X402Payment | MppPayment:
    """An x402 payment (USDC on Base) or an MPP payment (a card charge) of ``usd``."""
    from agentcore_billing import MppPayment, X402Payment

    if kind == "x402":
        requirements = {
            "scheme": "exact",
            "network": "eip155:8453",
            "amount": str(int(Decimal(usd) * 1_000_000)),
            "asset": _USDC_ON_BASE,
            "payTo": _SELLER,
            "maxTimeoutSeconds": 60,
            "extra": {"name": "USDC", "version": "2"},
        }
        return X402Payment(version="2", payload=requirements)
    request = {"amount": str(int(Decimal(usd) * 100)), "currency": "usd"}
    encoded = base64.urlsafe_b64encode(json.dumps(request).encode()).rstrip(b"=").decode()
    challenge = (
        f'Payment id="charge-{number}", realm="api.example.com", method="card", '
        f'intent="charge", request="{encoded}"'
    )
    return MppPayment(version="1", www_authenticate_headers=[challenge])


def run_payments(tour: Demo) -> None:
    """Open a $1.00 session, pay until the budget refuses, show what is left, delete it."""
    from agentcore_billing import Money
    from agentcore_billing.emulator import FaultConfig

    tour.step("1. An agent pays within a budget (AgentCore Payments)")
    throttling = FaultConfig(throttle_rate=THROTTLE_RATE)
    tour.emulator.set_faults({"CreatePaymentSession": throttling, "ProcessPayment": throttling})
    payments = _client(tour)
    instrument_id = _wallet(tour, payments)
    with payments.payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd(BUDGET)
    ) as session:
        tour.say(
            f"Opened payment session {session.payment_session_id}: budget "
            f"{session.max_spend}, expires {session.expires_at:%H:%M} UTC"
        )
        paid = _pay_until_refused(tour, payments, session.payment_session_id, instrument_id)
        left = payments.get_payment_session(session.payment_session_id)
        tour.say(
            f"Budget: max_spend {left.max_spend}, spent {left.spent}, "
            f"available_spend {left.available_spend}"
        )
    remaining = list(payments.list_payment_sessions())
    tour.say(f"Left the with-block: session deleted ({len(remaining)} session(s) remain).")
    _retries_note(tour)
    tour.results["payments"] = {
        "paid": paid,
        "spent": str(left.spent.amount) if left.spent else None,
        "available_spend": str(left.available_spend.amount) if left.available_spend else None,
        "charged_by_emulator": len(tour.emulator.payments()),
    }
    tour.emulator.set_faults()


def _client(tour: Demo) -> PaymentsClient:
    from agentcore_billing import PaymentsClient, RetryPolicy

    return PaymentsClient(
        tour.payment_manager_arn or tour.data.payment_manager_arn,
        session=tour.session(),
        endpoint_url=tour.emulator.endpoint_url,
        user_id=tour.data.user_id,
        agent_name="demo-agent",
        retry=RetryPolicy(max_attempts=10, initial_delay=0.05, max_delay=0.5),
        clock=tour.clock,
    )


def _wallet(tour: Demo, payments: PaymentsClient) -> str:
    for summary in payments.list_payment_instruments():
        if summary.status == "ACTIVE":
            tour.say(f"Reusing the user's ACTIVE wallet {summary.payment_instrument_id}")
            return summary.payment_instrument_id
    raise RuntimeError("the demo data has no ACTIVE payment instrument")


def _pay_until_refused(
    tour: Demo, payments: PaymentsClient, session_id: str, instrument_id: str
) -> list[dict[str, Any]]:
    from agentcore_billing import ServiceQuotaExceededError

    paid: list[dict[str, Any]] = []
    table = Table(title="Payments", title_justify="left")
    for column in ("#", "type", "amount", "result"):
        table.add_column(column)
    for number, (kind, usd) in enumerate(PLAN, start=1):
        try:
            result = payments.process_payment(
                payment_session_id=session_id,
                payment_instrument_id=instrument_id,
                payment=demo_payment(kind, usd, number),
            )
        except ServiceQuotaExceededError as err:
            after = payments.get_payment_session(session_id)
            refused = Text.assemble(("refused", "red"), f": {type(err).__name__}")
            table.add_row(str(number), kind, f"{usd} USD", refused)
            tour.say(table)
            tour.say(f"Refused: {err}")
            tour.say(f"Nothing was charged: available_spend is still {after.available_spend}.")
            return paid
        table.add_row(str(number), kind, f"{usd} USD", Text(result.status, style="green"))
        paid.append({"type": kind, "amount": usd, "status": result.status})
    tour.say(table)
    return paid


def _retries_note(tour: Demo) -> None:
    requests = [
        r
        for r in tour.emulator.requests()
        if r.operation in ("CreatePaymentSession", "ProcessPayment")
    ]
    throttled = sum(1 for r in requests if r.error_code == "ThrottlingException")
    calls = len({r.client_token for r in requests})
    tour.say(
        f"Throttling: {throttled} of {len(requests)} requests were throttled and retried, "
        f"each retry with its call's client token: {calls} calls, "
        f"{len(tour.emulator.payments())} payments charged, none twice."
    )


def run_signup(tour: Demo) -> None:
    """Resolve the seeded registration token, as a sign-up page would (token never shown)."""
    from agentcore_billing import ExpiredTokenError, MeteringClient

    tour.step("2. A SaaS sign-up resolves its buyer (Marketplace ResolveCustomer)")
    metering = MeteringClient(
        session=tour.session(), endpoint_url=tour.emulator.endpoint_url, clock=tour.clock
    )
    token = tour.data.registration_tokens["new"]
    customer = metering.resolve_customer(token)
    fields = [
        ("customer_aws_account_id", customer.customer_aws_account_id),
        ("license_arn", customer.license_arn),
        ("product_code", customer.product_code),
        ("agreement_id", customer.agreement_id),
    ]
    tour.say(key_value_table("Resolved a registration token (a secret: not shown)", fields))
    try:
        metering.resolve_customer(token)
        again = "resolved again"
    except ExpiredTokenError as err:
        again = f"{type(err).__name__} ({err.code}): a token resolves once"
    tour.say(f"Submitting the same token again: {again}.")
    tour.results["customer"] = dict(fields)
