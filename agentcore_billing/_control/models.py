"""Payment managers, connectors and credential providers as the service returns them.

Response models: frozen, tolerant of members the service adds later. Statuses are
plain strings (the service adds states); :mod:`.waiter` says which ones are final.
Each ``from_wire`` is the one place that reads its wire shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from agentcore_billing._core.models import ResponseModel, WireDatetime

from .inputs import CustomJwtAuthorizer


def _field(wire: str, **kwargs: Any) -> Any:
    return Field(validation_alias=wire, serialization_alias=wire, **kwargs)


class PaymentManagerSummary(ResponseModel):
    """One entry of ``list_payment_managers()``.

    Example:
        >>> summary = PaymentManagerSummary.from_wire({
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "paymentManagerId": "shop-abcdef1234", "name": "shop",
        ...     "authorizerType": "AWS_IAM", "roleArn": "arn:aws:iam::123456789012:role/p",
        ...     "status": "READY", "lastUpdatedAt": "2026-11-23T10:00:00Z"})
        >>> summary.payment_manager_id, summary.status
        ('shop-abcdef1234', 'READY')
    """

    payment_manager_arn: str = _field("paymentManagerArn")
    """The manager's ARN: what ``PaymentsClient`` is bound to."""
    payment_manager_id: str = _field("paymentManagerId")
    """The manager's id (the last part of the ARN)."""
    name: str = _field("name")
    """The manager's name."""
    description: str | None = _field("description", default=None)
    """Its description, if one was given."""
    authorizer_type: str = _field("authorizerType")
    """``AWS_IAM`` or ``CUSTOM_JWT``."""
    role_arn: str = _field("roleArn")
    """The IAM role the manager assumes."""
    status: str = _field("status")
    """CREATING, READY, UPDATING, DELETING, CREATE_FAILED, UPDATE_FAILED or DELETE_FAILED."""
    created_at: WireDatetime | None = _field("createdAt", default=None)
    """When it was created (UTC)."""
    last_updated_at: WireDatetime | None = _field("lastUpdatedAt", default=None)
    """When it last changed (UTC); create answers leave it out."""
    kms_key_arn: str | None = _field("kmsKeyArn", default=None)
    """The customer managed KMS key, if any."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> PaymentManagerSummary:
        """Read one ``PaymentManagerSummary`` of a ``ListPaymentManagers`` page."""
        return cls.model_validate(dict(wire))


class PaymentManager(PaymentManagerSummary):
    """A payment manager: the top-level resource payments are made under.

    Example:
        >>> manager = PaymentManager.from_wire({
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "paymentManagerId": "shop-abcdef1234", "name": "shop",
        ...     "authorizerType": "AWS_IAM", "roleArn": "arn:aws:iam::123456789012:role/p",
        ...     "status": "CREATING", "createdAt": "2026-11-23T10:00:00Z"}, client_token="t" * 36)
        >>> manager.status, len(manager.client_token)
        ('CREATING', 36)
    """

    authorizer: CustomJwtAuthorizer | None = None
    """The JWT authorizer (``CUSTOM_JWT`` managers), else ``None``."""
    workload_identity_arn: str | None = None
    """The manager's workload identity, when the service reports one."""
    tags: dict[str, str] | None = _field("tags", default=None)
    """Its tags, when the service returns them."""
    client_token: str | None = None
    """The client token this library sent when it created the manager, else ``None``."""

    @classmethod
    def from_wire(
        cls, wire: Mapping[str, Any], *, client_token: str | None = None
    ) -> PaymentManager:
        """Read a Create/Get/UpdatePaymentManager answer."""
        identity = wire.get("workloadIdentityDetails") or {}
        data = {
            **wire,
            "authorizer": CustomJwtAuthorizer.from_wire(wire.get("authorizerConfiguration")),
            "workload_identity_arn": identity.get("workloadIdentityArn"),
            "client_token": client_token,
        }
        return cls.model_validate(data)


class PaymentConnectorSummary(ResponseModel):
    """One entry of ``list_payment_connectors()``.

    Example:
        >>> summary = PaymentConnectorSummary.from_wire({
        ...     "paymentConnectorId": "wallet-abcdef1234", "name": "wallet",
        ...     "type": "CoinbaseCDP", "status": "READY",
        ...     "lastUpdatedAt": "2026-11-23T10:00:00Z"}, payment_manager_id="shop-abcdef1234")
        >>> summary.connector_type, summary.provision_mode
        ('CoinbaseCDP', 'MANUAL')
    """

    payment_connector_id: str = _field("paymentConnectorId")
    """The connector's id (what payment instruments name)."""
    payment_manager_id: str = _field("paymentManagerId")
    """The manager it belongs to."""
    name: str = _field("name")
    """The connector's name."""
    connector_type: str = _field("type")
    """``CoinbaseCDP``, ``StripePrivy`` or ``AwsBilling``."""
    provision_mode: str = _field("provisionMode", default="MANUAL")
    """``MANUAL`` or ``QUICK_CREATE`` (older connectors report MANUAL)."""
    status: str = _field("status")
    """The connector's status; see ``wait_until_ready`` for the final ones."""
    last_updated_at: WireDatetime | None = _field("lastUpdatedAt", default=None)
    """When it last changed (UTC)."""

    @classmethod
    def from_wire(
        cls, wire: Mapping[str, Any], *, payment_manager_id: str
    ) -> PaymentConnectorSummary:
        """Read one summary; list pages do not repeat the manager id, so it is passed."""
        return cls.model_validate({"paymentManagerId": payment_manager_id, **wire})


class PaymentConnector(PaymentConnectorSummary):
    """A payment connector: the link from a manager to one wallet provider.

    Example:
        >>> connector = PaymentConnector.from_wire({
        ...     "paymentConnectorId": "wallet-abcdef1234", "paymentManagerId": "shop-abcdef1234",
        ...     "name": "wallet", "type": "CoinbaseCDP", "provisionMode": "QUICK_CREATE",
        ...     "status": "PENDING_AUTHENTICATION", "credentialProviderConfigurations": [],
        ...     "authorizationUrl": "https://consent.example.com/start",
        ...     "createdAt": "2026-11-23T10:00:00Z"})
        >>> connector.authorization_url
        'https://consent.example.com/start'
    """

    description: str | None = _field("description", default=None)
    """Its description, if one was given."""
    credential_provider_arn: str | None = None
    """The credential provider it uses (``credentialProviderConfigurations``), if any."""
    aws_billing_role_arn: str | None = None
    """AwsBilling connectors: the Marketplace service-linked role the service set."""
    created_at: WireDatetime | None = _field("createdAt", default=None)
    """When it was created (UTC)."""
    authorization_url: str | None = _field("authorizationUrl", default=None)
    """QUICK_CREATE in PENDING_AUTHENTICATION: the URL a person opens to give consent."""
    credentials_updated_at: WireDatetime | None = _field("credentialsUpdatedAt", default=None)
    """QUICK_CREATE: when the service-managed credentials last took effect."""
    client_token: str | None = None
    """The client token this library sent when it created the connector, else ``None``."""

    @classmethod
    def from_wire(
        cls,
        wire: Mapping[str, Any],
        *,
        payment_manager_id: str | None = None,
        client_token: str | None = None,
    ) -> PaymentConnector:
        """Read a Create/Get/UpdatePaymentConnector answer."""
        provider_arn, role_arn = _configuration(wire.get("credentialProviderConfigurations"))
        data = {
            "paymentManagerId": payment_manager_id,
            **wire,
            "credential_provider_arn": provider_arn,
            "aws_billing_role_arn": role_arn,
            "client_token": client_token,
        }
        return cls.model_validate(data)


def _configuration(configs: Any) -> tuple[str | None, str | None]:
    for config in configs or ():
        for key in ("coinbaseCDP", "stripePrivy"):
            if isinstance(config.get(key), Mapping):
                return config[key].get("credentialProviderArn"), None
        billing = config.get("awsBilling")
        if isinstance(billing, Mapping):
            return None, billing.get("iamRoleArn")
    return None, None


class PaymentCredentialProviderSummary(ResponseModel):
    """One entry of ``list_payment_credential_providers()``.

    Example:
        >>> PaymentCredentialProviderSummary.from_wire({
        ...     "name": "shop-cdp", "credentialProviderVendor": "CoinbaseCDP",
        ...     "credentialProviderArn": "arn:aws:acps:us-east-1:123456789012:token-vault/"
        ...         "default/paymentcredentialprovider/shop-cdp",
        ...     "createdTime": 0, "lastUpdatedTime": 0}).vendor
        'CoinbaseCDP'
    """

    name: str = _field("name")
    """The provider's name (its key: names are unique)."""
    credential_provider_arn: str = _field("credentialProviderArn")
    """What a MANUAL connector names."""
    vendor: str = _field("credentialProviderVendor")
    """``CoinbaseCDP`` or ``StripePrivy``."""
    created_at: WireDatetime | None = _field("createdTime", default=None)
    """When it was created (UTC)."""
    last_updated_at: WireDatetime | None = _field("lastUpdatedTime", default=None)
    """When its credentials last changed (UTC)."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> PaymentCredentialProviderSummary:
        """Read one entry of a ``ListPaymentCredentialProviders`` page."""
        return cls.model_validate(dict(wire))


class PaymentCredentialProvider(PaymentCredentialProviderSummary):
    """A credential provider: the vendor's secrets, kept by the service (never returned).

    The service answers with the ids and the Secrets Manager ARNs of the secrets,
    never their values.

    Example:
        >>> provider = PaymentCredentialProvider.from_wire({
        ...     "name": "shop-cdp", "credentialProviderVendor": "CoinbaseCDP",
        ...     "credentialProviderArn": "arn:aws:acps:us-east-1:123456789012:token-vault/"
        ...         "default/paymentcredentialprovider/shop-cdp",
        ...     "providerConfigurationOutput": {"coinbaseCdpConfiguration": {"apiKeyId": "k"}}})
        >>> provider.configuration["coinbaseCdpConfiguration"]["apiKeyId"]
        'k'
    """

    configuration: dict[str, Any] = _field("providerConfigurationOutput", default_factory=dict)
    """``providerConfigurationOutput``: ids and secret ARNs, no secret values."""
    tags: dict[str, str] | None = _field("tags", default=None)
    """Its tags, when the service returns them."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> PaymentCredentialProvider:
        """Read a Create/Get/UpdatePaymentCredentialProvider answer."""
        return cls.model_validate(dict(wire))


class ProvisionedPaymentManager(ResponseModel):
    """What ``provision_payment_manager`` built: a READY manager and connector.

    Attributes:
        payment_manager: the manager (READY).
        connector: the connector (READY).
        credential_provider: the credential provider created or reused, if any.
        client_token: the token every step's token was derived from; pass it again
            to resume a run that stopped half-way.
    """

    payment_manager: PaymentManager
    connector: PaymentConnector
    credential_provider: PaymentCredentialProvider | None = None
    client_token: str

    @property
    def payment_manager_arn(self) -> str:
        """The manager's ARN: what ``PaymentsClient`` is bound to."""
        return self.payment_manager.payment_manager_arn

    @property
    def payment_connector_id(self) -> str:
        """The connector's id: what payment instruments name."""
        return self.connector.payment_connector_id


class CredentialRotation(ResponseModel):
    """What ``rotate_payment_connector_credentials`` answers: the rotation is done.

    Example:
        >>> CredentialRotation.from_wire({"paymentConnectorId": "wallet-abcdef1234",
        ...     "paymentManagerId": "shop-abcdef1234", "status": "READY",
        ...     "lastUpdatedAt": 0}).status
        'READY'
    """

    payment_connector_id: str = _field("paymentConnectorId")
    """The connector whose credentials were replaced."""
    payment_manager_id: str = _field("paymentManagerId")
    """Its manager."""
    status: str = _field("status")
    """The connector's status afterwards (READY when the rotation succeeded)."""
    last_updated_at: WireDatetime | None = _field("lastUpdatedAt", default=None)
    """When the rotation completed (UTC)."""
    client_token: str | None = None
    """The client token this library sent."""

    @classmethod
    def from_wire(
        cls, wire: Mapping[str, Any], *, client_token: str | None = None
    ) -> CredentialRotation:
        """Read a ``RotatePaymentConnectorCredentials`` answer."""
        return cls.model_validate({**wire, "client_token": client_token})
