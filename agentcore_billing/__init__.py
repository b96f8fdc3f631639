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

from ._core.errors import (
    AccessDeniedError,
    AgentCoreBillingError,
    ClientTokenConflictError,
    ConfigurationError,
    ConflictError,
    CurrencyMismatchError,
    CustomerNotEntitledError,
    DeadlineExceededError,
    DecryptionFailureError,
    DisabledApiError,
    DuplicateRequestError,
    EncryptionFailureError,
    ExpiredTokenError,
    IdempotencyConflictError,
    IdempotencyError,
    InternalServerError,
    InternalServiceErrorError,
    InvalidChallengeError,
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
    LateEventError,
    MeteringAborted,
    MeteringFailuresError,
    NoAcceptableOfferError,
    PlatformNotSupportedError,
    PolicyViolationError,
    ResourceLimitExceededError,
    ResourceNotFoundError,
    ResourceNotReadyError,
    ServiceError,
    ServiceQuotaExceededError,
    ServiceValidationError,
    SubscriptionRequiredError,
    ThrottlingError,
    TimestampOutOfBoundsError,
    TransportError,
    UnauthorizedError,
)
from ._core.idempotency import client_token_from_key, new_client_token
from ._core.money import Money
from ._core.retry import RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    from ._control.client import PaymentsControlClient
    from ._control.inputs import (
        AwsBillingConnector,
        CoinbaseCdpConnector,
        CoinbaseCdpCredentials,
        CustomJwtAuthorizer,
        StripePrivyConnector,
        StripePrivyCredentials,
    )
    from ._control.models import (
        CredentialRotation,
        PaymentConnector,
        PaymentConnectorSummary,
        PaymentCredentialProvider,
        PaymentCredentialProviderSummary,
        PaymentManager,
        PaymentManagerSummary,
        ProvisionedPaymentManager,
    )
    from ._ledger.ingest import RecordSummary
    from ._ledger.ledger import UsageLedger
    from ._ledger.models import FlushReport, HourResult, HourState, LedgerStatus, UsageEvent
    from ._metering.check import RecordCheck
    from ._metering.client import MeteringClient
    from ._metering.quantity import quantize_quantity
    from ._metering.records import UsageAllocation, UsageRecord
    from ._metering.results import (
        BatchMeterReport,
        MeteringOutcome,
        MeterUsageResult,
        RegisterUsageResult,
        ResolvedCustomer,
        UsageRecordResult,
    )
    from ._metering.window import TimeWindow
    from ._payments.authorization import PaymentAuthorization
    from ._payments.challenge import PaymentChallenge, PaymentOffer
    from ._payments.client import PaymentsClient
    from ._payments.models.instrument import (
        PaymentInstrument,
        PaymentInstrumentSummary,
        TokenBalance,
    )
    from ._payments.models.linked import (
        DeveloperJwtLinkedAccount,
        EmailLinkedAccount,
        EmbeddedCryptoWallet,
        LinkedAccount,
        OAuth2LinkedAccount,
        SmsLinkedAccount,
    )
    from ._payments.models.payment import (
        AwsBillingX402Payment,
        AwsBillingX402PaymentOutput,
        AwsBillingX402PaymentResult,
        DpopKey,
        MppPayment,
        MppPaymentOutput,
        MppPaymentResult,
        PaymentResult,
        X402Payment,
        X402PaymentOutput,
        X402PaymentResult,
    )
    from ._payments.models.session import PaymentSession, PaymentSessionSummary
    from ._payments.models.token import (
        CoinbaseCdpToken,
        CoinbaseCdpTokenRequest,
        ResourcePaymentToken,
        StripePrivyToken,
        StripePrivyTokenRequest,
    )
    from ._payments.policy import AssetLimit, SpendPolicy
    from ._payments.settlement import Settlement

# The facades and their models load on first use (PEP 562), so ``import
# agentcore_billing`` stays cheap and a metering-only program never builds the
# payments models.
_LAZY: dict[str, str] = {
    "AssetLimit": "._payments.policy",
    "AwsBillingConnector": "._control.inputs",
    "AwsBillingX402Payment": "._payments.models.payment",
    "AwsBillingX402PaymentOutput": "._payments.models.payment",
    "AwsBillingX402PaymentResult": "._payments.models.payment",
    "BatchMeterReport": "._metering.results",
    "CoinbaseCdpConnector": "._control.inputs",
    "CoinbaseCdpCredentials": "._control.inputs",
    "CoinbaseCdpToken": "._payments.models.token",
    "CoinbaseCdpTokenRequest": "._payments.models.token",
    "CredentialRotation": "._control.models",
    "CustomJwtAuthorizer": "._control.inputs",
    "DeveloperJwtLinkedAccount": "._payments.models.linked",
    "DpopKey": "._payments.models.payment",
    "EmailLinkedAccount": "._payments.models.linked",
    "EmbeddedCryptoWallet": "._payments.models.linked",
    "FlushReport": "._ledger.models",
    "HourResult": "._ledger.models",
    "HourState": "._ledger.models",
    "LedgerStatus": "._ledger.models",
    "LinkedAccount": "._payments.models.linked",
    "MeterUsageResult": "._metering.results",
    "MeteringClient": "._metering.client",
    "MeteringOutcome": "._metering.results",
    "MppPayment": "._payments.models.payment",
    "MppPaymentOutput": "._payments.models.payment",
    "MppPaymentResult": "._payments.models.payment",
    "OAuth2LinkedAccount": "._payments.models.linked",
    "PaymentAuthorization": "._payments.authorization",
    "PaymentChallenge": "._payments.challenge",
    "PaymentConnector": "._control.models",
    "PaymentConnectorSummary": "._control.models",
    "PaymentCredentialProvider": "._control.models",
    "PaymentCredentialProviderSummary": "._control.models",
    "PaymentInstrument": "._payments.models.instrument",
    "PaymentInstrumentSummary": "._payments.models.instrument",
    "PaymentManager": "._control.models",
    "PaymentManagerSummary": "._control.models",
    "PaymentOffer": "._payments.challenge",
    "PaymentResult": "._payments.models.payment",
    "PaymentSession": "._payments.models.session",
    "PaymentSessionSummary": "._payments.models.session",
    "PaymentsClient": "._payments.client",
    "PaymentsControlClient": "._control.client",
    "ProvisionedPaymentManager": "._control.models",
    "RecordCheck": "._metering.check",
    "RecordSummary": "._ledger.ingest",
    "RegisterUsageResult": "._metering.results",
    "ResolvedCustomer": "._metering.results",
    "ResourcePaymentToken": "._payments.models.token",
    "Settlement": "._payments.settlement",
    "SmsLinkedAccount": "._payments.models.linked",
    "SpendPolicy": "._payments.policy",
    "StripePrivyConnector": "._control.inputs",
    "StripePrivyCredentials": "._control.inputs",
    "StripePrivyToken": "._payments.models.token",
    "StripePrivyTokenRequest": "._payments.models.token",
    "TimeWindow": "._metering.window",
    "TokenBalance": "._payments.models.instrument",
    "UsageAllocation": "._metering.records",
    "UsageEvent": "._ledger.models",
    "UsageLedger": "._ledger.ledger",
    "UsageRecord": "._metering.records",
    "UsageRecordResult": "._metering.results",
    "X402Payment": "._payments.models.payment",
    "X402PaymentOutput": "._payments.models.payment",
    "X402PaymentResult": "._payments.models.payment",
    "quantize_quantity": "._metering.quantity",
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
    "AssetLimit",
    "AwsBillingConnector",
    "AwsBillingX402Payment",
    "AwsBillingX402PaymentOutput",
    "AwsBillingX402PaymentResult",
    "BatchMeterReport",
    "ClientTokenConflictError",
    "CoinbaseCdpConnector",
    "CoinbaseCdpCredentials",
    "CoinbaseCdpToken",
    "CoinbaseCdpTokenRequest",
    "ConfigurationError",
    "ConflictError",
    "CredentialRotation",
    "CurrencyMismatchError",
    "CustomJwtAuthorizer",
    "CustomerNotEntitledError",
    "DeadlineExceededError",
    "DecryptionFailureError",
    "DeveloperJwtLinkedAccount",
    "DisabledApiError",
    "DpopKey",
    "DuplicateRequestError",
    "EmailLinkedAccount",
    "EmbeddedCryptoWallet",
    "EncryptionFailureError",
    "ExpiredTokenError",
    "FlushReport",
    "HourResult",
    "HourState",
    "IdempotencyConflictError",
    "IdempotencyError",
    "InternalServerError",
    "InternalServiceErrorError",
    "InvalidChallengeError",
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
    "LateEventError",
    "LedgerStatus",
    "LinkedAccount",
    "MeterUsageResult",
    "MeteringAborted",
    "MeteringClient",
    "MeteringFailuresError",
    "MeteringOutcome",
    "Money",
    "MppPayment",
    "MppPaymentOutput",
    "MppPaymentResult",
    "NoAcceptableOfferError",
    "OAuth2LinkedAccount",
    "PaymentAuthorization",
    "PaymentChallenge",
    "PaymentConnector",
    "PaymentConnectorSummary",
    "PaymentCredentialProvider",
    "PaymentCredentialProviderSummary",
    "PaymentInstrument",
    "PaymentInstrumentSummary",
    "PaymentManager",
    "PaymentManagerSummary",
    "PaymentOffer",
    "PaymentResult",
    "PaymentSession",
    "PaymentSessionSummary",
    "PaymentsClient",
    "PaymentsControlClient",
    "PlatformNotSupportedError",
    "PolicyViolationError",
    "ProvisionedPaymentManager",
    "RecordCheck",
    "RecordSummary",
    "RegisterUsageResult",
    "ResolvedCustomer",
    "ResourceLimitExceededError",
    "ResourceNotFoundError",
    "ResourceNotReadyError",
    "ResourcePaymentToken",
    "RetryPolicy",
    "ServiceError",
    "ServiceQuotaExceededError",
    "ServiceValidationError",
    "Settlement",
    "SmsLinkedAccount",
    "SpendPolicy",
    "StripePrivyConnector",
    "StripePrivyCredentials",
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
    "UsageEvent",
    "UsageLedger",
    "UsageRecord",
    "UsageRecordResult",
    "X402Payment",
    "X402PaymentOutput",
    "X402PaymentResult",
    "__version__",
    "client_token_from_key",
    "new_client_token",
    "quantize_quantity",
]
