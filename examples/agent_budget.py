"""An agent pays for what it needs within a budget, then closes its payment session.

The agent opens a payment session capped at $1.00, pays sellers' x402 payment
requirements until the next one would break the budget (the service refuses it and
nothing is charged), checks what is left, and leaves the ``with`` block, which
deletes the session.

Run it::

    python examples/agent_budget.py                    # starts its own local emulator
    agentcore-billing emulator --demo-data --port 4566 &
    python examples/agent_budget.py http://127.0.0.1:4566   # against that emulator

Against AWS, drop ``endpoint_url`` and the placeholder credentials, and use your own
payment manager ARN, user id and payment instrument.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import boto3

from agentcore_billing import (
    Money,
    PaymentsClient,
    PaymentSession,
    ServiceQuotaExceededError,
    X402Payment,
)
from agentcore_billing.emulator import Emulator

# The payment manager and user of the emulator's demo data set.
PAYMENT_MANAGER_ARN = (
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/demo-a1b2c3d4e5"
)
USER_ID = "demo-user"
PRICES = ("0.40", "0.35", "0.40")
"""What three sellers ask, in USD; the third is over what is left of $1.00."""


def seller_requirements(price: str) -> X402Payment:
    """The x402 payment requirements a seller's HTTP 402 answer offers (USDC on Base)."""
    return X402Payment(
        version="2",
        payload={
            "scheme": "exact",
            "network": "eip155:8453",
            "amount": str(int(Decimal(price) * 1_000_000)),  # USDC has 6 decimals
            "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
            "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            "maxTimeoutSeconds": 60,
        },
    )


def main(endpoint_url: str) -> PaymentSession:
    """Run the agent against ``endpoint_url``; returns the session as it was at the end."""
    payments = PaymentsClient(
        PAYMENT_MANAGER_ARN,
        # The emulator checks no signature: placeholder credentials are enough.
        session=boto3.Session(
            aws_access_key_id="emulator", aws_secret_access_key="emulator", region_name="us-east-1"
        ),
        endpoint_url=endpoint_url,
        user_id=USER_ID,
        agent_name="research-agent",
    )
    wallet = next(i for i in payments.list_payment_instruments() if i.status == "ACTIVE")
    with payments.payment_session(
        expiry_time_in_minutes=30, max_spend=Money.usd("1.00")
    ) as session:
        print(f"session {session.payment_session_id}: budget {session.max_spend}")
        for price in PRICES:
            try:
                result = payments.process_payment(
                    payment_session_id=session.payment_session_id,
                    payment_instrument_id=wallet.payment_instrument_id,
                    payment=seller_requirements(price),
                )
            except ServiceQuotaExceededError as err:
                print(f"{price} USD refused ({err.code}): over budget, nothing charged")
                break
            # result.x402.payload is the signed proof to send to the seller (a secret).
            print(f"paid {price} USD: {result.status}")
        left = payments.get_payment_session(session.payment_session_id)
        print(f"spent {left.spent}, available {left.available_spend}")
    print("session closed")
    return left


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with Emulator(demo_data=True) as emulator:
            main(emulator.endpoint_url)
