"""Marketplace products, subscribed customers and registration tokens (seeded from Python)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ._models import METERING, load_service_model
from ._validation import validate


@dataclass(frozen=True)
class Product:
    """A Marketplace product the emulator knows.

    Attributes:
        product_code: The product code.
        dimensions: Valid usage dimensions; None accepts any dimension.
        entitled: Whether MeterUsage/RegisterUsage callers are entitled
            (False answers CustomerNotEntitledException).
        public_key_version: Latest RegisterUsage public key version; older versions
            get a ``PublicKeyRotationTimestamp``, newer ones InvalidPublicKeyVersionException.
    """

    product_code: str
    dimensions: frozenset[str] | None = None
    entitled: bool = True
    public_key_version: int = 1


@dataclass(frozen=True)
class Customer:
    """A buyer subscribed to a product.

    New integrations identify the buyer by ``customer_aws_account_id`` +
    ``license_arn``; legacy ones by ``customer_identifier`` (or the account id) +
    ``product_code``. ``subscribed=False`` answers CustomerNotSubscribed.
    """

    customer_aws_account_id: str
    product_code: str
    license_arn: str | None = None
    customer_identifier: str | None = None
    agreement_id: str = ""
    subscribed: bool = True


@dataclass
class RegistrationToken:
    """A registration token a buyer's browser would submit.

    A token resolves once: resolving it again (the buyer resubmitting it) answers
    ExpiredTokenException, as do tokens marked ``expired`` or past ``expires_at``,
    unless ``reusable`` is set.
    """

    customer: Customer
    expires_at: datetime | None = None
    expired: bool = False
    reusable: bool = False
    redeemed: bool = False


def _check(shape_name: str, value: object, what: str) -> None:
    shape = load_service_model(METERING).shape_for(shape_name)
    violations = validate(shape, value)
    if violations:
        raise ValueError(f"invalid {what}: {violations[0].constraint} (got {value!r})")


@dataclass
class Directory:
    """Products, customers and registration tokens, with lookup indexes."""

    products: dict[str, Product] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    by_license: dict[str, Customer] = field(default_factory=dict)
    by_identifier: dict[tuple[str, str], Customer] = field(default_factory=dict)
    by_account: dict[tuple[str, str], Customer] = field(default_factory=dict)
    tokens: dict[str, RegistrationToken] = field(default_factory=dict)

    def add_product(
        self,
        product_code: str,
        *,
        dimensions: Iterable[str] | None = None,
        entitled: bool = True,
        public_key_version: int = 1,
    ) -> Product:
        """Register (or replace) a product."""
        _check("ProductCode", product_code, "product_code")
        if public_key_version < 1:
            raise ValueError("public_key_version must be >= 1")
        dims = None if dimensions is None else frozenset(dimensions)
        product = Product(product_code, dims, entitled, public_key_version)
        self.products[product_code] = product
        return product

    def add_customer(
        self,
        *,
        customer_aws_account_id: str,
        product_code: str,
        license_arn: str | None = None,
        customer_identifier: str | None = None,
        agreement_id: str | None = None,
        subscribed: bool = True,
    ) -> Customer:
        """Register a subscribed customer (its product is registered when unknown)."""
        _check("CustomerAWSAccountId", customer_aws_account_id, "customer_aws_account_id")
        if license_arn is not None:
            _check("LicenseArn", license_arn, "license_arn")
        if customer_identifier is not None:
            _check("CustomerIdentifier", customer_identifier, "customer_identifier")
        agreement = agreement_id or _agreement_id(
            customer_aws_account_id, product_code, license_arn
        )
        _check("AgreementId", agreement, "agreement_id")
        if product_code not in self.products:
            self.add_product(product_code)
        customer = Customer(
            customer_aws_account_id,
            product_code,
            license_arn,
            customer_identifier or None,
            agreement,
            subscribed,
        )
        self.customers.append(customer)
        self._index(customer)
        return customer

    def _index(self, customer: Customer) -> None:
        if customer.license_arn is not None:
            self.by_license[customer.license_arn] = customer
        if customer.customer_identifier is not None:
            key = (customer.product_code, customer.customer_identifier)
            self.by_identifier[key] = customer
        self.by_account[(customer.product_code, customer.customer_aws_account_id)] = customer

    def widen_dimensions(self, product_code: str, dimensions: Iterable[str]) -> None:
        """Add ``dimensions`` to the product's valid set.

        A product that accepted any dimension now accepts exactly ``dimensions``.
        """
        product = self.products[product_code]
        merged = frozenset(dimensions) | (product.dimensions or frozenset())
        self.products[product_code] = replace(product, dimensions=merged)

    def add_token(
        self,
        token: str,
        customer: Customer,
        *,
        expired: bool = False,
        expires_at: datetime | None = None,
        reusable: bool = False,
    ) -> None:
        """Register a registration token resolving to ``customer``."""
        if not token:
            raise ValueError("a registration token cannot be empty")
        if expires_at is not None and expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        self.tokens[token] = RegistrationToken(customer, expires_at, expired, reusable)

    def unredeem_tokens(self) -> None:
        """Make every token resolvable again (used by ``Emulator.reset``)."""
        for token in self.tokens.values():
            token.redeemed = False


def _agreement_id(account: str, product_code: str, license_arn: str | None) -> str:
    digest = hashlib.sha256(f"{account}|{product_code}|{license_arn}".encode()).hexdigest()
    return f"agmt-{digest[:26]}"
