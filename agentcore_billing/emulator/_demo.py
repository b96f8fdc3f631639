"""A small, fixed data set for demos and manual exploration of the emulator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from ._customers import Customer
from ._engine import Engine

DEMO_PAYMENT_MANAGER_ARN = (
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/demo-a1b2c3d4e5"
)
DEMO_PAYMENT_CONNECTOR_ID = "demo-connector-a1b2c3d4e5"
DEMO_USER_ID = "demo-user"
DEMO_SAAS_PRODUCT = "demo-saas-product"
DEMO_LEGACY_PRODUCT = "demo-legacy-product"
DEMO_CONTAINER_PRODUCT = "demo-container-product"
_SAAS_DIMENSIONS = ("tokens", "requests", "gb_hours")
_LICENSE = "arn:aws:license-manager::{account}:license:l-{suffix}"


@dataclass(frozen=True)
class DemoData:
    """What ``Emulator.seed_demo_data()`` created.

    Attributes:
        payment_manager_arn: A well-formed manager ARN to use with the payments API.
        payment_connector_id: A well-formed connector id.
        user_id: The user owning ``payment_instrument_id``.
        payment_instrument_id: An ACTIVE ETHEREUM wallet holding 100 USDC.
        saas_product_code: License-based (new integration) SaaS product with
            dimensions ``tokens``, ``requests``, ``gb_hours``.
        legacy_product_code: Legacy SaaS product (CustomerIdentifier + ProductCode).
        container_product_code: Product for MeterUsage and RegisterUsage (any dimension).
        customers: Subscribed customers: two license-based, one legacy, and one
            license-based customer who is *not* subscribed.
        registration_tokens: ``new``, ``legacy`` (resolvable once) and ``expired``.
    """

    payment_manager_arn: str
    payment_connector_id: str
    user_id: str
    payment_instrument_id: str
    saas_product_code: str
    legacy_product_code: str
    container_product_code: str
    customers: tuple[Customer, ...]
    registration_tokens: Mapping[str, str]


def seed_demo(engine: Engine) -> DemoData:
    """Create the demo products, customers, tokens and payment instrument in ``engine``."""
    with engine.lock:
        customers, tokens = _seed_metering(engine)
        instrument = engine.payments.instruments.add(
            manager_arn=DEMO_PAYMENT_MANAGER_ARN,
            connector_id=DEMO_PAYMENT_CONNECTOR_ID,
            user_id=DEMO_USER_ID,
            network="ETHEREUM",
            # Fixed ids: the demo data reads the same after reset() and in every run.
            ctx=replace(engine.context(None, {}), ids=engine.ids.fixed("demo")),
        )
    return DemoData(
        payment_manager_arn=DEMO_PAYMENT_MANAGER_ARN,
        payment_connector_id=DEMO_PAYMENT_CONNECTOR_ID,
        user_id=DEMO_USER_ID,
        payment_instrument_id=instrument.instrument_id,
        saas_product_code=DEMO_SAAS_PRODUCT,
        legacy_product_code=DEMO_LEGACY_PRODUCT,
        container_product_code=DEMO_CONTAINER_PRODUCT,
        customers=customers,
        registration_tokens=MappingProxyType(tokens),
    )


def _seed_metering(engine: Engine) -> tuple[tuple[Customer, ...], dict[str, str]]:
    directory = engine.directory
    directory.add_product(DEMO_SAAS_PRODUCT, dimensions=_SAAS_DIMENSIONS)
    directory.add_product(DEMO_LEGACY_PRODUCT, dimensions=_SAAS_DIMENSIONS)
    directory.add_product(DEMO_CONTAINER_PRODUCT)
    customers = (
        _licensed(engine, "111122223333", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        _licensed(engine, "444455556666", "1b2c3d4e5f60718293a4b5c6d7e8f90a"),
        directory.add_customer(
            customer_aws_account_id="222233334444",
            product_code=DEMO_LEGACY_PRODUCT,
            customer_identifier="demo-legacy-customer-1",
        ),
        _licensed(engine, "777788889999", "2c3d4e5f60718293a4b5c6d7e8f90a1b", subscribed=False),
    )
    tokens = {
        "new": "demo-registration-token-new",
        "legacy": "demo-registration-token-legacy",
        "expired": "demo-registration-token-expired",
    }
    directory.add_token(tokens["new"], customers[0])
    directory.add_token(tokens["legacy"], customers[2])
    directory.add_token(tokens["expired"], customers[1], expired=True)
    return customers, tokens


def _licensed(engine: Engine, account: str, suffix: str, *, subscribed: bool = True) -> Customer:
    return engine.directory.add_customer(
        customer_aws_account_id=account,
        product_code=DEMO_SAAS_PRODUCT,
        license_arn=_LICENSE.format(account=account, suffix=suffix),
        subscribed=subscribed,
    )
