"""One input model per payments operation: arguments in, boto3 parameters out.

Each model checks every rule of its operation when built, so a mistake is found
before any request is made (the facade raises it as an ``InvalidInputError`` naming
each argument, rule and value); its
``to_params()`` is the only place that writes the operation's wire shape. The
client token is not part of these models: the facade resolves it once per call.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from agentcore_billing._core.models import InputModel
from agentcore_billing._core.money import Money

from .enums import (
    AgentName,
    BalanceToken,
    Chain,
    CredentialProviderName,
    ManagerArn,
    PayingInstrumentId,
    PaymentConnectorId,
    PaymentInstrumentId,
    PaymentSessionId,
    UserId,
    WorkloadToken,
)
from .linked import EmbeddedCryptoWallet
from .payment import AwsBillingX402Payment, MppPayment, X402Payment
from .token import CoinbaseCdpTokenRequest, StripePrivyTokenRequest

SESSION_CURRENCIES = frozenset({"USD"})
"""Currencies a session's spending cap may be in."""


class PaymentScope(InputModel):
    """Who a call is made for: the manager ARN and the userId/agentName headers.

    Example:
        >>> PaymentScope(payment_manager_arn="arn:aws:bedrock-agentcore:us-east-1:"
        ...              "123456789012:payment-manager/shop-abcdef1234",
        ...              user_id="user-1").to_params()["userId"]
        'user-1'
    """

    model_config = ConfigDict(title="PaymentsClient")

    payment_manager_arn: ManagerArn = Field(
        validation_alias="paymentManagerArn", serialization_alias="paymentManagerArn"
    )
    """The payment manager every call is bound to."""
    user_id: UserId | None = Field(
        default=None, validation_alias="userId", serialization_alias="userId"
    )
    """The end user (sent as a header), at most 120 characters."""
    agent_name: AgentName | None = Field(
        default=None, validation_alias="agentName", serialization_alias="agentName"
    )
    """The calling agent (sent as a header, for observability), at most 256 characters."""

    def to_params(self) -> dict[str, Any]:
        """The operation's boto3 parameters (``None`` members left out)."""
        return self.model_dump(by_alias=True, exclude_none=True)


class CreatePaymentSessionInput(PaymentScope):
    """``create_payment_session`` arguments."""

    model_config = ConfigDict(title="create_payment_session")

    expiry_time_in_minutes: int = Field(
        validation_alias="expiryTimeInMinutes",
        serialization_alias="expiryTimeInMinutes",
        ge=15,
        le=480,
        strict=True,
    )
    """Minutes until the session expires, 15..480."""
    max_spend: Money | None = None
    """The spending cap, non-negative, in USD."""

    @field_validator("max_spend", mode="after")
    @classmethod
    def _spendable(cls, value: Money | None) -> Money | None:
        if value is None:
            return None
        if value.currency not in SESSION_CURRENCIES:
            raise ValueError(f"the cap must be in USD (got {value.currency})")
        if value.is_negative:
            raise ValueError(f"the cap must not be negative (got {value})")
        return value

    def to_params(self) -> dict[str, Any]:
        """``CreatePaymentSession`` parameters, the cap as ``limits.maxSpendAmount``."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"max_spend"})
        if self.max_spend is not None:
            params["limits"] = {"maxSpendAmount": self.max_spend.to_wire()}
        return params


class GetPaymentSessionInput(PaymentScope):
    """``get_payment_session`` arguments."""

    model_config = ConfigDict(title="get_payment_session")

    payment_session_id: PaymentSessionId = Field(
        validation_alias="paymentSessionId", serialization_alias="paymentSessionId"
    )
    """The session, ``payment-session-`` and 15 of ``[0-9a-zA-Z-]``."""


class DeletePaymentSessionInput(GetPaymentSessionInput):
    """``delete_payment_session`` arguments."""

    model_config = ConfigDict(title="delete_payment_session")


class ListPaymentSessionsInput(PaymentScope):
    """``list_payment_sessions`` arguments."""

    model_config = ConfigDict(title="list_payment_sessions")

    page_size: int | None = Field(
        default=None,
        validation_alias="maxResults",
        serialization_alias="maxResults",
        ge=1,
        strict=True,
    )
    """How many entries to ask for per page; the service's default when ``None``."""


class ListPaymentInstrumentsInput(ListPaymentSessionsInput):
    """``list_payment_instruments`` arguments."""

    model_config = ConfigDict(title="list_payment_instruments")

    payment_connector_id: PaymentConnectorId | None = Field(
        default=None,
        validation_alias="paymentConnectorId",
        serialization_alias="paymentConnectorId",
    )
    """Only instruments of this connector."""


class GetPaymentInstrumentInput(PaymentScope):
    """``get_payment_instrument`` arguments."""

    model_config = ConfigDict(title="get_payment_instrument")

    payment_instrument_id: PaymentInstrumentId = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument, ``payment-instrument-`` and 15 of ``[0-9a-zA-Z-]``."""
    payment_connector_id: PaymentConnectorId | None = Field(
        default=None,
        validation_alias="paymentConnectorId",
        serialization_alias="paymentConnectorId",
    )
    """The instrument's connector."""


class DeletePaymentInstrumentInput(GetPaymentInstrumentInput):
    """``delete_payment_instrument`` arguments."""

    model_config = ConfigDict(title="delete_payment_instrument")

    payment_connector_id: PaymentConnectorId = Field(
        validation_alias="paymentConnectorId", serialization_alias="paymentConnectorId"
    )
    """The instrument's connector (required here)."""


class InstrumentBalanceInput(PaymentScope):
    """``get_payment_instrument_balance`` arguments."""

    model_config = ConfigDict(title="get_payment_instrument_balance")

    payment_instrument_id: PaymentInstrumentId = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument."""
    payment_connector_id: PaymentConnectorId = Field(
        validation_alias="paymentConnectorId", serialization_alias="paymentConnectorId"
    )
    """The instrument's connector."""
    chain: Chain
    """The chain to read the balance on."""
    token: BalanceToken
    """The token to read the balance of."""


class CreatePaymentInstrumentInput(PaymentScope):
    """``create_payment_instrument`` arguments (the details hold secrets)."""

    model_config = ConfigDict(title="create_payment_instrument", hide_input_in_errors=True)

    payment_connector_id: PaymentConnectorId = Field(
        validation_alias="paymentConnectorId", serialization_alias="paymentConnectorId"
    )
    """The connector the instrument is created with."""
    details: EmbeddedCryptoWallet
    """What the instrument is; its class sets ``paymentInstrumentType``."""

    def to_params(self) -> dict[str, Any]:
        """``CreatePaymentInstrument`` parameters."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"details"})
        params["paymentInstrumentType"] = self.details.instrument_type
        params["paymentInstrumentDetails"] = self.details.to_wire()
        return params


class ProcessPaymentInput(PaymentScope):
    """``process_payment`` arguments (the payment holds secrets)."""

    model_config = ConfigDict(title="process_payment", hide_input_in_errors=True)

    payment_session_id: PaymentSessionId = Field(
        validation_alias="paymentSessionId", serialization_alias="paymentSessionId"
    )
    """The session the payment is charged to."""
    payment_instrument_id: PayingInstrumentId = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument that pays."""
    payment: X402Payment | MppPayment | AwsBillingX402Payment
    """The payment; its class sets ``paymentType``."""

    def to_params(self) -> dict[str, Any]:
        """``ProcessPayment`` parameters."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"payment"})
        params["paymentType"] = self.payment.payment_type
        params["paymentInput"] = {self.payment.wire_key: self.payment.to_wire()}
        return params


class ResourcePaymentTokenInput(InputModel):
    """``get_resource_payment_token`` arguments (the workload token is secret)."""

    model_config = ConfigDict(title="get_resource_payment_token", hide_input_in_errors=True)

    workload_identity_token: WorkloadToken
    """The agent's workload access token (secret)."""
    resource_credential_provider_name: CredentialProviderName
    """The payment credential provider to mint the token with."""
    request: CoinbaseCdpTokenRequest | StripePrivyTokenRequest
    """What the token is for; its class picks the provider kind."""

    def to_params(self) -> dict[str, Any]:
        """``GetResourcePaymentToken`` parameters."""
        return {
            "workloadIdentityToken": self.workload_identity_token.get_secret_value(),
            "resourceCredentialProviderName": self.resource_credential_provider_name,
            "paymentTokenRequest": self.request.to_wire(),
        }
