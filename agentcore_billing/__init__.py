"""agentcore_billing: take money and report usage on AWS without the fragile parts.

A typed SDK over AgentCore Payments (``bedrock-agentcore``) and AWS Marketplace
Metering (``meteringmarketplace``): exact money, one client token per logical call,
one retry layer, and batch metering that accounts for every record.

Example:
    >>> from agentcore_billing import Money
    >>> Money.usd("5.00").to_wire()
    {'value': '5.00', 'currency': 'USD'}
"""

from ._errors import (
    AccessDeniedError,
    AgentCoreBillingError,
    ConfigurationError,
    ConflictError,
    CurrencyMismatchError,
    CustomerNotEntitledError,
    DisabledApiError,
    DuplicateRequestError,
    ExpiredTokenError,
    IdempotencyConflictError,
    InternalServerError,
    InternalServiceErrorError,
    InvalidCustomerIdentifierError,
    InvalidEndpointRegionError,
    InvalidInputError,
    InvalidLicenseError,
    InvalidProductCodeError,
    InvalidPublicKeyVersionError,
    InvalidRegionError,
    InvalidTagError,
    InvalidTokenError,
    InvalidUsageAllocationsError,
    InvalidUsageDimensionError,
    MeteringFailuresError,
    PlatformNotSupportedError,
    ResourceNotFoundError,
    ServiceError,
    ServiceQuotaExceededError,
    ServiceValidationError,
    SubscriptionRequiredError,
    ThrottlingError,
    TimestampOutOfBoundsError,
    TransportError,
    UnauthorizedError,
)
from ._idempotency import client_token_from_key, new_client_token
from ._money import Money
from ._retry import RetryPolicy
from ._version import __version__

__all__ = [
    "AccessDeniedError",
    "AgentCoreBillingError",
    "ConfigurationError",
    "ConflictError",
    "CurrencyMismatchError",
    "CustomerNotEntitledError",
    "DisabledApiError",
    "DuplicateRequestError",
    "ExpiredTokenError",
    "IdempotencyConflictError",
    "InternalServerError",
    "InternalServiceErrorError",
    "InvalidCustomerIdentifierError",
    "InvalidEndpointRegionError",
    "InvalidInputError",
    "InvalidLicenseError",
    "InvalidProductCodeError",
    "InvalidPublicKeyVersionError",
    "InvalidRegionError",
    "InvalidTagError",
    "InvalidTokenError",
    "InvalidUsageAllocationsError",
    "InvalidUsageDimensionError",
    "MeteringFailuresError",
    "Money",
    "PlatformNotSupportedError",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServiceError",
    "ServiceQuotaExceededError",
    "ServiceValidationError",
    "SubscriptionRequiredError",
    "ThrottlingError",
    "TimestampOutOfBoundsError",
    "TransportError",
    "UnauthorizedError",
    "__version__",
    "client_token_from_key",
    "new_client_token",
]
