"""Payment-provider tokens from ``get_resource_payment_token``.

Some payment providers authenticate each API request with a short-lived token the
credential provider mints. Every token in the response is a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, Field, SecretStr

from agentcore_billing._core.models import ResponseModel

from .enums import (
    HttpMethod,
    RequestBody,
    RequestHost,
    RequestPath,
    SecretInputModel,
    SecretRequestBody,
    drop_none,
    secret_text,
)


class CoinbaseCdpTokenRequest(SecretInputModel):
    """Ask for a Coinbase CDP bearer token for one API request.

    Example:
        >>> CoinbaseCdpTokenRequest(request_method="GET", request_path="/platform/v2/evm").to_wire()
        {'coinbaseCdpTokenRequest': {'requestMethod': 'GET', 'requestPath': '/platform/v2/evm'}}
    """

    wire_key: ClassVar[str] = "coinbaseCdpTokenRequest"
    request_method: HttpMethod = Field(
        validation_alias="requestMethod", serialization_alias="requestMethod"
    )
    """The HTTP method of the CDP request."""
    request_path: RequestPath = Field(
        validation_alias="requestPath", serialization_alias="requestPath"
    )
    """The path of the CDP request."""
    request_host: RequestHost | None = Field(
        default=None, validation_alias="requestHost", serialization_alias="requestHost"
    )
    """The host of the CDP request; the service defaults to ``api.cdp.coinbase.com``."""
    include_wallet_auth_token: bool | None = Field(
        default=None,
        validation_alias="includeWalletAuthToken",
        serialization_alias="includeWalletAuthToken",
    )
    """Also mint a wallet auth token (wallet write operations)."""
    request_body: RequestBody | None = Field(
        default=None, validation_alias="requestBody", serialization_alias="requestBody"
    )
    """The request's JSON body, used to mint the wallet auth token."""

    def to_wire(self) -> dict[str, Any]:
        """The ``PaymentTokenRequestInput`` union member."""
        body = {
            "requestMethod": self.request_method,
            "requestHost": self.request_host,
            "requestPath": self.request_path,
            "includeWalletAuthToken": self.include_wallet_auth_token,
            "requestBody": self.request_body,
        }
        return {self.wire_key: drop_none(body)}


class StripePrivyTokenRequest(SecretInputModel):
    """Ask for Stripe Privy credentials for one API request (the body is secret).

    Example:
        >>> request = StripePrivyTokenRequest(request_path="/v1/wallets", request_body="{}")
        >>> request.request_body
        SecretStr('**********')
    """

    wire_key: ClassVar[str] = "stripePrivyTokenRequest"
    request_path: RequestPath = Field(
        validation_alias="requestPath", serialization_alias="requestPath"
    )
    """The path of the Privy request."""
    request_body: SecretRequestBody = Field(
        validation_alias="requestBody", serialization_alias="requestBody"
    )
    """The request's JSON body (secret)."""
    request_host: RequestHost | None = Field(
        default=None, validation_alias="requestHost", serialization_alias="requestHost"
    )
    """The host of the Privy request; the service defaults to ``api.privy.io``."""
    include_authorization_signature: bool | None = Field(
        default=None,
        validation_alias="includeAuthorizationSignature",
        serialization_alias="includeAuthorizationSignature",
    )
    """Also produce a ``privy-authorization-signature``."""

    if TYPE_CHECKING:  # a plain string body is accepted and wrapped as a secret

        def __init__(
            self,
            *,
            request_path: str,
            request_body: str | SecretStr,
            request_host: str | None = None,
            include_authorization_signature: bool | None = None,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``PaymentTokenRequestInput`` union member."""
        body = {
            "requestHost": self.request_host,
            "requestPath": self.request_path,
            "requestBody": secret_text(self.request_body),
            "includeAuthorizationSignature": self.include_authorization_signature,
        }
        return {self.wire_key: drop_none(body)}


PaymentTokenRequest = CoinbaseCdpTokenRequest | StripePrivyTokenRequest
"""What ``get_resource_payment_token`` can be asked for."""


class CoinbaseCdpToken(ResponseModel):
    """Coinbase CDP credentials: ``Authorization: Bearer <bearer_token>``."""

    model_config = ConfigDict(hide_input_in_errors=True)

    bearer_token: SecretStr = Field(
        validation_alias="bearerToken", serialization_alias="bearerToken"
    )
    """The bearer token (secret)."""
    wallet_auth_token: SecretStr | None = Field(
        default=None, validation_alias="walletAuthToken", serialization_alias="walletAuthToken"
    )
    """The wallet auth token, when one was asked for (secret)."""


class StripePrivyToken(ResponseModel):
    """Stripe Privy credentials: ``privy-app-id`` and ``Authorization: Basic ...``."""

    model_config = ConfigDict(hide_input_in_errors=True)

    app_id: str = Field(validation_alias="appId", serialization_alias="appId")
    """The Privy app id."""
    basic_auth_token: SecretStr = Field(
        validation_alias="basicAuthToken", serialization_alias="basicAuthToken"
    )
    """The base64 ``appId:appSecret`` basic auth token (secret)."""
    authorization_signature: SecretStr | None = Field(
        default=None,
        validation_alias="authorizationSignature",
        serialization_alias="authorizationSignature",
    )
    """The ``privy-authorization-signature``, when one was asked for (secret)."""
    request_expiry: int | None = Field(
        default=None, validation_alias="requestExpiry", serialization_alias="requestExpiry"
    )
    """When the signature expires, in Unix milliseconds."""

    @property
    def request_expires_at(self) -> datetime | None:
        """``request_expiry`` as a UTC datetime."""
        if self.request_expiry is None:
            return None
        return datetime.fromtimestamp(self.request_expiry / 1000, tz=timezone.utc)


class ResourcePaymentToken(ResponseModel):
    """What ``get_resource_payment_token`` returns: one provider's credentials.

    Example:
        >>> token = ResourcePaymentToken.from_wire(
        ...     {"paymentTokenResponse": {"coinbaseCdpTokenResponse": {"bearerToken": "eyJ"}}})
        >>> token.coinbase_cdp.bearer_token
        SecretStr('**********')
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    coinbase_cdp: CoinbaseCdpToken | None = Field(
        default=None,
        validation_alias="coinbaseCdpTokenResponse",
        serialization_alias="coinbaseCdpTokenResponse",
    )
    """Coinbase CDP credentials, when those were asked for."""
    stripe_privy: StripePrivyToken | None = Field(
        default=None,
        validation_alias="stripePrivyTokenResponse",
        serialization_alias="stripePrivyTokenResponse",
    )
    """Stripe Privy credentials, when those were asked for."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ResourcePaymentToken:
        """Read a ``GetResourcePaymentToken`` response."""
        return cls.model_validate(wire.get("paymentTokenResponse") or {})
