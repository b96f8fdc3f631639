"""Demo step: an agent pays a seller's HTTP 402 in one call (``pay_for``)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from rich.table import Table

if TYPE_CHECKING:
    from ._demo import Demo

PRICE = 10_000
"""0.01 USDC (6 decimals) on Base Sepolia."""


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.headers, refused.read()


def run_pay402(tour: Demo) -> None:
    """A 402 with x402 v2 and MPP offers: read it, pay it under a policy, resend, settle."""
    from agentcore_billing import (
        Money,
        PaymentChallenge,
        PaymentsClient,
        Settlement,
        SpendPolicy,
    )

    tour.step("1b. An agent pays for an HTTP 402 in one call (x402 v2 or MPP)")
    url = tour.emulator.add_paid_resource(
        "/demo/forecast", amount=PRICE, protocols=("x402v2", "mpp")
    )
    payments = PaymentsClient(
        tour.data.payment_manager_arn,
        session=tour.session(),
        endpoint_url=tour.emulator.endpoint_url,
        user_id=tour.data.user_id,
        clock=tour.clock,
    )
    status, headers, body = _get(url)
    challenge = PaymentChallenge.from_response(status_code=status, headers=headers, body=body)
    table = Table(title=f"HTTP {status} from {url}", title_justify="left")
    for column in ("#", "protocol", "network", "amount", "asset"):
        table.add_column(column)
    for offer in challenge.offers:
        table.add_row(
            str(offer.index),
            f"{offer.protocol} v{offer.version}",
            str(offer.network),
            str(offer.amount),
            f"{offer.asset}"[:12] + "...",
        )
    tour.say(table)
    policy = SpendPolicy(max_per_payment=Money.usd("0.05"), allow_mainnets=False)
    with payments.payment_session(expiry_time_in_minutes=15, max_spend=Money.usd("0.10")) as s:
        paid = payments.pay_for(
            challenge,
            payment_session_id=s.payment_session_id,
            payment_instrument_id=tour.data.payment_instrument_id,
            policy=policy,
        )
        status, headers, _ = _get(url, paid.headers)
    settlement = Settlement.from_response(headers)
    tour.say(
        f"Paid offer {paid.offer.index} ({paid.offer.protocol}) with one ProcessPayment; "
        f"resent with {', '.join(paid.headers)}: HTTP {status}, settled "
        f"{settlement.success if settlement else None}"
    )
    tour.results["pay402"] = {
        "offers": len(challenge.offers),
        "paid_protocol": paid.offer.protocol,
        "status": status,
        "settled": settlement.success if settlement else None,
    }
