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
from ._metering import MeteringClient
from ._metering_models import (
    BatchMeterReport,
    MeteringOutcome,
    MeterUsageResult,
    RegisterUsageResult,
    ResolvedCustomer,
    UsageRecordResult,
)
from ._metering_records import UsageAllocation, UsageRecord
from ._money import Money
from ._payment_instruments import PaymentInstrument, PaymentInstrumentSummary, TokenBalance
from ._payment_linked import (
    DeveloperJwtLinkedAccount,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    LinkedAccount,
    OAuth2LinkedAccount,
    SmsLinkedAccount,
)
from ._payment_models import PaymentSession, PaymentSessionSummary
from ._payment_process import (
    MppPayment,
    MppPaymentOutput,
    PaymentResult,
    X402Payment,
    X402PaymentOutput,
)
from ._payment_tokens import (
    CoinbaseCdpToken,
    CoinbaseCdpTokenRequest,
    ResourcePaymentToken,
    StripePrivyToken,
    StripePrivyTokenRequest,
)
from ._payments import PaymentsClient
from ._retry import RetryPolicy
from ._version import __version__
from ._window import TimeWindow

__all__ = [
    "AccessDeniedError",
    "AgentCoreBillingError",
    "BatchMeterReport",
    "CoinbaseCdpToken",
    "CoinbaseCdpTokenRequest",
    "ConfigurationError",
    "ConflictError",
    "CurrencyMismatchError",
    "CustomerNotEntitledError",
    "DeveloperJwtLinkedAccount",
    "DisabledApiError",
    "DuplicateRequestError",
    "EmailLinkedAccount",
    "EmbeddedCryptoWallet",
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
    "LinkedAccount",
    "MeterUsageResult",
    "MeteringClient",
    "MeteringFailuresError",
    "MeteringOutcome",
    "Money",
    "MppPayment",
    "MppPaymentOutput",
    "OAuth2LinkedAccount",
    "PaymentInstrument",
    "PaymentInstrumentSummary",
    "PaymentResult",
    "PaymentSession",
    "PaymentSessionSummary",
    "PaymentsClient",
    "PlatformNotSupportedError",
    "RegisterUsageResult",
    "ResolvedCustomer",
    "ResourceNotFoundError",
    "ResourcePaymentToken",
    "RetryPolicy",
    "ServiceError",
    "ServiceQuotaExceededError",
    "ServiceValidationError",
    "SmsLinkedAccount",
    "StripePrivyToken",
    "StripePrivyTokenRequest",
    "SubscriptionRequiredError",
    "ThrottlingError",
    "TimeWindow",
    "TimestampOutOfBoundsError",
    "TokenBalance",
    "TransportError",
    "UnauthorizedError",
    "UsageAllocation",
    "UsageRecord",
    "UsageRecordResult",
    "X402Payment",
    "X402PaymentOutput",
    "__version__",
    "client_token_from_key",
    "new_client_token",
]
