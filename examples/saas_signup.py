"""A minimal SaaS sign-up handler for AWS Marketplace buyers.

After subscribing, Marketplace POSTs the buyer's browser to your registration URL with
a form field ``x-amzn-marketplace-token``. The handler exchanges that token for who the
buyer is (``ResolveCustomer``) and stores their AWS account id and license ARN: the
identity every later usage record needs. The token is a secret: never log it.

Run it::

    python examples/saas_signup.py                    # starts its own local emulator
    agentcore-billing emulator --demo-data --port 4566 &
    python examples/saas_signup.py http://127.0.0.1:4566   # against that emulator
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import boto3

from agentcore_billing import ExpiredTokenError, InvalidTokenError, MeteringClient
from agentcore_billing.emulator import Emulator

TOKEN_FIELD = "x-amzn-marketplace-token"
DEMO_TOKEN = "demo-registration-token-new"
"""The token the emulator's demo data set resolves (once) to a license-based buyer."""


@dataclass(frozen=True)
class Account:
    """What the SaaS stores for a buyer."""

    aws_account_id: str
    license_arn: str
    product_code: str
    agreement_id: str | None


@dataclass(frozen=True)
class Page:
    """What the handler answers: a status and a message for the buyer."""

    status: int
    message: str


def handle_signup(
    form: Mapping[str, str], metering: MeteringClient, accounts: dict[str, Account]
) -> Page:
    """The POST handler of the registration URL."""
    token = form.get(TOKEN_FIELD, "").strip()
    if not token:
        return Page(400, "Open this page from AWS Marketplace to finish signing up.")
    try:
        buyer = metering.resolve_customer(token)
    except (InvalidTokenError, ExpiredTokenError) as err:
        # err never quotes the token; err.code tells which case it was.
        return Page(400, f"This sign-up link is no longer valid ({err.code}).")
    if buyer.customer_aws_account_id is None or buyer.license_arn is None:
        return Page(500, "This product expects license-based buyers.")
    accounts[buyer.customer_aws_account_id] = Account(
        aws_account_id=buyer.customer_aws_account_id,
        license_arn=buyer.license_arn,
        product_code=buyer.product_code or "",
        agreement_id=buyer.agreement_id,
    )
    return Page(200, f"Welcome! Account {buyer.customer_aws_account_id} is set up.")


def main(endpoint_url: str) -> dict[str, Account]:
    """Sign the demo buyer up twice (the second submission is refused); returns the store."""
    metering = MeteringClient(
        # The emulator checks no signature: placeholder credentials are enough.
        session=boto3.Session(
            aws_access_key_id="emulator", aws_secret_access_key="emulator", region_name="us-east-1"
        ),
        endpoint_url=endpoint_url,
    )
    accounts: dict[str, Account] = {}
    for attempt in ("first submission", "resubmitted form"):
        page = handle_signup({TOKEN_FIELD: DEMO_TOKEN}, metering, accounts)
        print(f"{attempt}: {page.status} {page.message}")
    for account in accounts.values():
        print(f"stored {account.aws_account_id} with license {account.license_arn}")
    return accounts


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with Emulator(demo_data=True) as emulator:
            main(emulator.endpoint_url)
