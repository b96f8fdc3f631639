"""agentcore_billing: take money and report usage on AWS without the fragile parts.

A typed SDK over AgentCore Payments (``bedrock-agentcore``) and AWS Marketplace
Metering (``meteringmarketplace``): exact money, one client token per logical call,
one retry layer, and batch metering that accounts for every record.

Example:
    >>> from agentcore_billing import Money
    >>> Money.usd("5.00").to_wire()
    {'value': '5.00', 'currency': 'USD'}
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
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
    from ._window import TimeWindow

# The facades and their models load on first use (PEP 562), so ``import
# agentcore_billing`` stays cheap and a metering-only program never builds the
# payments models.
_LAZY: dict[str, str] = {
    "BatchMeterReport": "._metering_models",
    "CoinbaseCdpToken": "._payment_tokens",
    "CoinbaseCdpTokenRequest": "._payment_tokens",
    "DeveloperJwtLinkedAccount": "._payment_linked",
    "EmailLinkedAccount": "._payment_linked",
    "EmbeddedCryptoWallet": "._payment_linked",
    "LinkedAccount": "._payment_linked",
    "MeterUsageResult": "._metering_models",
    "MeteringClient": "._metering",
    "MeteringOutcome": "._metering_models",
    "MppPayment": "._payment_process",
    "MppPaymentOutput": "._payment_process",
    "OAuth2LinkedAccount": "._payment_linked",
    "PaymentInstrument": "._payment_instruments",
    "PaymentInstrumentSummary": "._payment_instruments",
    "PaymentResult": "._payment_process",
    "PaymentSession": "._payment_models",
    "PaymentSessionSummary": "._payment_models",
    "PaymentsClient": "._payments",
    "RegisterUsageResult": "._metering_models",
    "ResolvedCustomer": "._metering_models",
    "ResourcePaymentToken": "._payment_tokens",
    "SmsLinkedAccount": "._payment_linked",
    "StripePrivyToken": "._payment_tokens",
    "StripePrivyTokenRequest": "._payment_tokens",
    "TimeWindow": "._window",
    "TokenBalance": "._payment_instruments",
    "UsageAllocation": "._metering_records",
    "UsageRecord": "._metering_records",
    "UsageRecordResult": "._metering_models",
    "X402Payment": "._payment_process",
    "X402PaymentOutput": "._payment_process",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
