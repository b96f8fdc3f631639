"""What callers hand in: the authorizer, the three connectors, the two credential sets.

Each model checks its rules when built and writes its own wire shape in ``to_wire()``;
the credential models hold every provider secret as a ``SecretStr`` (never in a repr,
an error or a log line) and reveal it only in ``to_wire()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator

from agentcore_billing._core.models import InputModel
from agentcore_billing._payments.models.enums import SecretInputModel

from .rules import (
    ConnectorType,
    DiscoveryUrl,
    ListItem,
    PrivateKey,
    ProviderArn,
    ProvisionMode,
    VendorId,
    VendorSecret,
    VendorType,
)


class CustomJwtAuthorizer(InputModel):
    """Bearer-token (JWT) authorization of a payment manager's callers (``CUSTOM_JWT``).

    Example:
        >>> CustomJwtAuthorizer(
        ...     discovery_url="https://idp.example.com/.well-known/openid-configuration",
        ...     allowed_audience=["payments"]).to_wire()["customJWTAuthorizer"]["allowedAudience"]
        ['payments']
    """

    discovery_url: DiscoveryUrl = Field(
        validation_alias="discoveryUrl", serialization_alias="discoveryUrl"
    )
    """The OpenID Connect (or OAuth server metadata) discovery URL."""
    allowed_audience: Sequence[ListItem] | None = Field(
        default=None, validation_alias="allowedAudience", serialization_alias="allowedAudience"
    )
    """Audiences a token must carry (at least one when given)."""
    allowed_clients: Sequence[ListItem] | None = Field(
        default=None, validation_alias="allowedClients", serialization_alias="allowedClients"
    )
    """Client ids a token must come from (at least one when given)."""
    allowed_scopes: Sequence[ListItem] | None = Field(
        default=None, validation_alias="allowedScopes", serialization_alias="allowedScopes"
    )
    """Scopes a token must hold (at least one when given)."""

    @field_validator("allowed_audience", "allowed_clients", "allowed_scopes", mode="after")
    @classmethod
    def _frozen_list(cls, value: Sequence[str] | None) -> Sequence[str] | None:
        return None if value is None else tuple(value)

    @model_validator(mode="after")
    def _non_empty_lists(self) -> CustomJwtAuthorizer:
        for name in ("allowed_audience", "allowed_clients", "allowed_scopes"):
            if getattr(self, name) == ():
                raise ValueError(f"{name} must hold at least one value, or be left out")
        return self

    def to_wire(self) -> dict[str, Any]:
        """The ``authorizerConfiguration`` member."""
        inner = self.model_dump(by_alias=True, exclude_none=True)
        return {"customJWTAuthorizer": {k: _plain(v) for k, v in inner.items()}}

    @classmethod
    def from_wire(cls, wire: Any) -> CustomJwtAuthorizer | None:
        """Read an ``authorizerConfiguration`` (members this library does not model are ignored)."""
        inner = wire.get("customJWTAuthorizer") if isinstance(wire, dict) else None
        if not isinstance(inner, dict) or "discoveryUrl" not in inner:
            return None
        known = ("discoveryUrl", "allowedAudience", "allowedClients", "allowedScopes")
        return cls.model_validate({k: inner[k] for k in known if k in inner})


class _Connector(InputModel):
    connector_type: ClassVar[ConnectorType]

    def credential_configurations(self) -> list[dict[str, Any]] | None:
        """The ``credentialProviderConfigurations`` member (``None``: leave it out)."""
        return None

    def with_credential_provider(self, arn: str) -> _Connector:
        """This connector pointed at the credential provider ``arn``."""
        raise TypeError(f"a {self.connector_type} connector takes no credential provider")

    @property
    def mode(self) -> ProvisionMode:
        """The provision mode sent."""
        return "MANUAL"

    @property
    def vendor(self) -> VendorType | None:
        """The credential provider vendor this connector needs (``None``: none)."""
        return None


class _VendorConnector(_Connector):
    wire_key: ClassVar[str]
    vendor_type: ClassVar[VendorType]

    credential_provider_arn: ProviderArn | None = None
    """The credential provider holding the vendor's secrets (MANUAL)."""
    provision_mode: ProvisionMode = "MANUAL"
    """MANUAL (name a credential provider) or QUICK_CREATE (the service runs OAuth consent)."""

    @model_validator(mode="after")
    def _mode_fits(self) -> _VendorConnector:
        if self.provision_mode == "QUICK_CREATE" and self.credential_provider_arn is not None:
            raise ValueError("a QUICK_CREATE connector takes no credential_provider_arn")
        return self

    def credential_configurations(self) -> list[dict[str, Any]] | None:
        """``[{<vendor>: {credentialProviderArn}}]``; left out for QUICK_CREATE."""
        if self.credential_provider_arn is None:
            return None
        return [{self.wire_key: {"credentialProviderArn": self.credential_provider_arn}}]

    def with_credential_provider(self, arn: str) -> _VendorConnector:
        """A copy naming the credential provider ``arn`` (checked like any input)."""
        return type(self)(credential_provider_arn=arn, provision_mode=self.provision_mode)

    @property
    def mode(self) -> ProvisionMode:
        """The provision mode sent."""
        return self.provision_mode

    @property
    def vendor(self) -> VendorType | None:
        """The vendor of the credential provider this connector needs (MANUAL only)."""
        return self.vendor_type if self.provision_mode == "MANUAL" else None


class CoinbaseCdpConnector(_VendorConnector):
    """A connector to Coinbase Developer Platform wallets (type ``CoinbaseCDP``).

    Example:
        >>> CoinbaseCdpConnector(provision_mode="QUICK_CREATE").credential_configurations() is None
        True
    """

    connector_type: ClassVar[ConnectorType] = "CoinbaseCDP"
    wire_key: ClassVar[str] = "coinbaseCDP"
    vendor_type: ClassVar[VendorType] = "CoinbaseCDP"


class StripePrivyConnector(_VendorConnector):
    """A connector to Stripe Privy wallets (type ``StripePrivy``).

    Example:
        >>> StripePrivyConnector().vendor
        'StripePrivy'
    """

    connector_type: ClassVar[ConnectorType] = "StripePrivy"
    wire_key: ClassVar[str] = "stripePrivy"
    vendor_type: ClassVar[VendorType] = "StripePrivy"


class AwsBillingConnector(_Connector):
    """A connector that bills through the AWS account (type ``AwsBilling``).

    It takes no credential provider: the service uses the account's AWS Marketplace
    service-linked role, which must exist first.

    Example:
        >>> AwsBillingConnector().credential_configurations() is None
        True
    """

    connector_type: ClassVar[ConnectorType] = "AwsBilling"


Connector = CoinbaseCdpConnector | StripePrivyConnector | AwsBillingConnector
"""Any connector ``create_payment_connector`` takes."""


class CoinbaseCdpCredentials(SecretInputModel):
    """Coinbase CDP API key and wallet secret, for a credential provider.

    Example:
        >>> creds = CoinbaseCdpCredentials(api_key_id="key-1", api_key_secret="c2VjcmV0",
        ...                                wallet_secret="d2FsbGV0")
        >>> "c2VjcmV0" in repr(creds)
        False
    """

    vendor: ClassVar[VendorType] = "CoinbaseCDP"

    api_key_id: VendorId
    """The API key id Coinbase issued."""
    api_key_secret: VendorSecret
    """The API key secret (a secret)."""
    wallet_secret: VendorSecret
    """The wallet secret that signs transactions (a secret)."""

    if TYPE_CHECKING:  # plain strings are accepted and wrapped as secrets

        def __init__(
            self,
            *,
            api_key_id: str,
            api_key_secret: str | SecretStr,
            wallet_secret: str | SecretStr,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``providerConfigurationInput`` member (secrets revealed here only)."""
        return {
            "coinbaseCdpConfiguration": {
                "apiKeyId": self.api_key_id,
                "apiKeySecret": _reveal(self.api_key_secret),
                "walletSecret": _reveal(self.wallet_secret),
            }
        }


class StripePrivyCredentials(SecretInputModel):
    """Privy app id and secret plus the authorization key pair id and private key.

    Example:
        >>> creds = StripePrivyCredentials(app_id="app-1", app_secret="c2VjcmV0",
        ...     authorization_id="auth-1", authorization_private_key="wallet-auth:a2V5")
        >>> "a2V5" in repr(creds)
        False
    """

    vendor: ClassVar[VendorType] = "StripePrivy"

    app_id: VendorId
    """The Privy app id."""
    app_secret: VendorSecret
    """The Privy app secret (a secret)."""
    authorization_id: VendorId
    """The authorization key id."""
    authorization_private_key: PrivateKey
    """The authorization private key (a secret)."""

    if TYPE_CHECKING:  # plain strings are accepted and wrapped as secrets

        def __init__(
            self,
            *,
            app_id: str,
            app_secret: str | SecretStr,
            authorization_id: str,
            authorization_private_key: str | SecretStr,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``providerConfigurationInput`` member (secrets revealed here only)."""
        return {
            "stripePrivyConfiguration": {
                "appId": self.app_id,
                "appSecret": _reveal(self.app_secret),
                "authorizationId": self.authorization_id,
                "authorizationPrivateKey": _reveal(self.authorization_private_key),
            }
        }


Credentials = CoinbaseCdpCredentials | StripePrivyCredentials
"""Any credential set ``create_payment_credential_provider`` takes."""


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _reveal(secret: SecretStr) -> str:
    return secret.get_secret_value()
