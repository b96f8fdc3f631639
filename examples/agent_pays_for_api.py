"""An agent calls a paid API with httpx: each HTTP 402 is paid within a budget.

A seller answers ``GET /forecast`` with HTTP 402 and two offers (x402 v2 and MPP, 0.01
USDC on Base Sepolia). The agent's ``httpx.Client`` carries ``HttpxPaymentAuth``: on
each 402 it pays the cheapest acceptable offer under a spend policy (at most 0.02 USD
per payment, testnets only) within a payment session capped at 0.03 USD, resends the
request once with the payment header and gets the forecast and a settlement receipt.
The fourth call would break the session's budget: the service refuses it, nothing is
charged, and the agent stops.

Run it::

    python examples/agent_pays_for_api.py        # starts its own local emulator

Against AWS, build ``PaymentsClient`` with your payment manager, user and wallet, and
point the client at the real API (the auth pays only over https).
"""

from __future__ import annotations

import httpx

from agentcore_billing import (
    Money,
    PaymentsClient,
    ServiceQuotaExceededError,
    Settlement,
    SpendPolicy,
)
from agentcore_billing.emulator import Emulator
from agentcore_billing.http import HttpxPaymentAuth
from agentcore_billing.testing import emulator_session

CALLS = 4
"""How many forecasts the agent asks for; the budget pays for three."""


def main(emu: Emulator) -> list[Settlement]:
    """Run the agent against the emulator ``emu``; returns the settlements it received."""
    demo = emu.demo or emu.seed_demo_data()
    url = emu.add_paid_resource(
        "/forecast", amount=10_000, network="eip155:84532", protocols=("x402v2", "mpp")
    )
    payments = PaymentsClient(
        demo.payment_manager_arn,
        session=emulator_session(),  # placeholder credentials: the emulator ignores them
        endpoint_url=emu.endpoint_url,
        user_id=demo.user_id,
    )
    policy = SpendPolicy(max_per_payment=Money.usd("0.02"), allow_mainnets=False)
    settlements: list[Settlement] = []
    with payments.payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd("0.03")
    ) as session:
        auth = HttpxPaymentAuth(
            payments,
            payment_session_id=session.payment_session_id,
            payment_instrument_id=demo.payment_instrument_id,
            policy=policy,
        )
        with httpx.Client(auth=auth, timeout=10) as http:
            for call in range(1, CALLS + 1):
                try:
                    response = http.get(url)
                except ServiceQuotaExceededError as refused:
                    print(f"call {call}: budget exhausted, nothing charged ({refused.code})")
                    break
                settlement = Settlement.from_response(response.headers)
                if settlement is not None:
                    settlements.append(settlement)
                print(
                    f"call {call}: HTTP {response.status_code}, paid via "
                    f"{settlement.protocol if settlement else '?'}, "
                    f"reference {settlement.transaction if settlement else '-'}"
                )
        left = payments.get_payment_session(session.payment_session_id)
        print(f"spent {left.spent} of {left.max_spend}")
    return settlements


if __name__ == "__main__":
    with Emulator(demo_data=True) as emulator:
        main(emulator)
