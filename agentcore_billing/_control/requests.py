"""One input model per control-plane operation: arguments in, boto3 parameters out.

The facade builds these through :func:`checked`, which turns a pydantic
``ValidationError`` into :class:`InvalidInputError` naming the argument, the rule and
the (masked when secret) value, before any request. Client tokens are not part of
these models: the engine resolves them once per call.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentcore_billing._core.errors import InvalidInputError
from agentcore_billing._core.models import InputModel

from .inputs import (
    AwsBillingConnector,
    CoinbaseCdpConnector,
    CoinbaseCdpCredentials,
    CustomJwtAuthorizer,
    StripePrivyConnector,
    StripePrivyCredentials,
)
from .rules import (
    AuthorizerType,
    CoinbaseCdpSecret,
    ConnectorId,
    ConnectorName,
    Description,
    ManagerId,
    ManagerName,
    ProviderName,
    RoleArn,
)

M = TypeVar("M", bound=BaseModel)

AnyConnector = CoinbaseCdpConnector | StripePrivyConnector | AwsBillingConnector
AnyCredentials = CoinbaseCdpCredentials | StripePrivyCredentials


def checked(model: type[M], **values: Any) -> M:
    """Build ``model`` from ``values``; a broken rule is an InvalidInputError.

    Example:
        >>> checked(ManagerRef, payment_manager_id="x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        agentcore_billing._core.errors.InvalidInputError: payment_manager_id: ...
    """
    try:
        return model.model_validate(values)
    except ValidationError as err:
        first = err.errors(include_input=False)[0]
        whole = getattr(model, "whole_model_field", model.__name__)
        field = ".".join(str(part) for part in first["loc"]) or whole
        raise InvalidInputError(field, first["msg"].removeprefix("Value error, ")) from None


def _wire(wire: str, **kwargs: Any) -> Any:
    return Field(validation_alias=wire, serialization_alias=wire, **kwargs)


class _Input(InputModel):
    # Arguments arrive by their Python names; the wire names are for serializing.
    model_config = ConfigDict(validate_by_alias=False, hide_input_in_errors=True)

    def to_params(self) -> dict[str, Any]:
        """The operation's boto3 parameters (``None`` members left out)."""
        return self.model_dump(by_alias=True, exclude_none=True)


class ManagerRef(_Input):
    """Names one payment manager."""

    payment_manager_id: ManagerId = _wire("paymentManagerId")


class ConnectorRef(ManagerRef):
    """Names one connector of a payment manager."""

    payment_connector_id: ConnectorId = _wire("paymentConnectorId")


class ProviderRef(_Input):
    """Names one credential provider."""

    name: ProviderName = _wire("name")


class _Authorized(_Input):
    whole_model_field: ClassVar[str] = "authorizer"
    authorizer_type: AuthorizerType | None = _wire("authorizerType", default=None)
    authorizer: CustomJwtAuthorizer | None = None

    @model_validator(mode="after")
    def _authorizer_fits(self) -> _Authorized:
        if self.authorizer_type == "CUSTOM_JWT" and self.authorizer is None:
            raise ValueError("CUSTOM_JWT needs authorizer=CustomJwtAuthorizer(discovery_url=...)")
        if self.authorizer is not None and self.authorizer_type != "CUSTOM_JWT":
            raise ValueError("an authorizer is only taken with authorizer_type='CUSTOM_JWT'")
        return self

    def to_params(self) -> dict[str, Any]:
        """Parameters with ``authorizerConfiguration`` written by the authorizer."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"authorizer"})
        if self.authorizer is not None:
            params["authorizerConfiguration"] = self.authorizer.to_wire()
        return params


class CreateManagerInput(_Authorized):
    """``create_payment_manager`` arguments."""

    name: ManagerName = _wire("name")
    role_arn: RoleArn = _wire("roleArn")
    authorizer_type: AuthorizerType = _wire("authorizerType")
    description: Description | None = _wire("description", default=None)


class UpdateManagerInput(_Authorized, ManagerRef):
    """``update_payment_manager`` arguments (only what is given changes)."""

    role_arn: RoleArn | None = _wire("roleArn", default=None)
    description: Description | None = _wire("description", default=None)


class CreateConnectorInput(ManagerRef):
    """``create_payment_connector`` arguments."""

    whole_model_field: ClassVar[str] = "connector"

    name: ConnectorName = _wire("name")
    connector: AnyConnector
    description: Description | None = _wire("description", default=None)

    @model_validator(mode="after")
    def _manual_names_a_provider(self) -> CreateConnectorInput:
        connector = self.connector
        if connector.vendor is not None and connector.credential_configurations() is None:
            raise ValueError(
                f"a MANUAL {connector.connector_type} connector needs credential_provider_arn "
                "(or provision_payment_manager(credentials=...) to create the provider first)"
            )
        return self

    def to_params(self) -> dict[str, Any]:
        """``CreatePaymentConnector`` parameters; the connector writes its own members."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"connector"})
        params["type"] = self.connector.connector_type
        configs = self.connector.credential_configurations()
        if configs is not None:
            params["credentialProviderConfigurations"] = configs
        if isinstance(self.connector, (CoinbaseCdpConnector, StripePrivyConnector)):
            params["provisionMode"] = self.connector.provision_mode
        return params


class UpdateConnectorInput(ConnectorRef):
    """``update_payment_connector`` arguments (only what is given changes)."""

    connector: AnyConnector | None = None
    description: Description | None = _wire("description", default=None)

    def to_params(self) -> dict[str, Any]:
        """``UpdatePaymentConnector`` parameters."""
        params = self.model_dump(by_alias=True, exclude_none=True, exclude={"connector"})
        if self.connector is not None:
            params["type"] = self.connector.connector_type
            params["credentialProviderConfigurations"] = (
                self.connector.credential_configurations() or []
            )
        return params


class RotateInput(ConnectorRef):
    """``rotate_payment_connector_credentials`` arguments (Coinbase CDP, QUICK_CREATE)."""

    secrets: tuple[CoinbaseCdpSecret, ...] = Field(min_length=1)

    def to_params(self) -> dict[str, Any]:
        """``RotatePaymentConnectorCredentials`` parameters."""
        params = self.model_dump(by_alias=True, exclude={"secrets"})
        unique = list(dict.fromkeys(self.secrets))
        params["credentialsToRotate"] = {"coinbaseCDP": {"secrets": unique}}
        return params


class ProviderInput(ProviderRef):
    """``create_/update_payment_credential_provider`` arguments."""

    credentials: AnyCredentials

    def to_params(self) -> dict[str, Any]:
        """The parameters, secrets revealed for the wire only."""
        return {
            "name": self.name,
            "credentialProviderVendor": self.credentials.vendor,
            "providerConfigurationInput": self.credentials.to_wire(),
        }


class PageInput(_Input):
    """A list call's page size."""

    page_size: int | None = _wire("maxResults", default=None, ge=1, le=100, strict=True)


class ProviderPageInput(_Input):
    """ListPaymentCredentialProviders' page size (at most 20)."""

    page_size: int | None = _wire("maxResults", default=None, ge=1, le=20, strict=True)
