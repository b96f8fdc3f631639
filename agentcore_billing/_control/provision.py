"""``provision_payment_manager``: provider, manager, connector; resumable, rolled back.

Every step's client token is derived from the caller's token (uuid5 of the token and
the step's name), so a second run with the same token replays the creates the first
run made instead of making new ones. The credential provider has no token (its name
is the key): a create that meets ConflictException reads the existing provider,
checks it is the same vendor and stores the given secrets in it.

What the run created is remembered in order; a failure whose outcome is known
deletes it again in reverse (each deletion waited on) and re-raises the original
error untouched, with a note on what was undone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentcore_billing._core.errors import (
    ConflictError,
    InvalidInputError,
    ResourceNotReadyError,
    ServiceError,
)
from agentcore_billing._core.idempotency import client_token_from_key, new_client_token

from .inputs import (
    AwsBillingConnector,
    CoinbaseCdpConnector,
    CoinbaseCdpCredentials,
    CustomJwtAuthorizer,
    StripePrivyConnector,
    StripePrivyCredentials,
)
from .models import (
    PaymentConnector,
    PaymentCredentialProvider,
    PaymentManager,
    ProvisionedPaymentManager,
)
from .requests import CreateConnectorInput, CreateManagerInput, ProviderRef, checked

if TYPE_CHECKING:
    from .client import PaymentsControlClient

logger = logging.getLogger(__name__)

AnyConnector = CoinbaseCdpConnector | StripePrivyConnector | AwsBillingConnector
AnyCredentials = CoinbaseCdpCredentials | StripePrivyCredentials
Progress = Callable[[str, Any], None]
_PLACEHOLDER_ARN = (
    "arn:aws:acps:us-east-1:000000000000:token-vault/default/paymentcredentialprovider/placeholder"
)
_MAX_TOKEN = 256


@dataclass(frozen=True)
class Plan:
    """Everything a provisioning run needs, checked before the first request."""

    manager: CreateManagerInput
    connector: AnyConnector
    connector_name: str
    credentials: AnyCredentials | None
    provider_name: str | None
    client_token: str
    timeout: float

    @classmethod
    def build(
        cls,
        *,
        name: str,
        role_arn: str,
        connector: Any,
        credentials: Any,
        authorizer_type: str,
        authorizer: CustomJwtAuthorizer | None,
        client_token: str | None,
        connector_name: str | None,
        credential_provider_name: str | None,
        description: str | None,
        timeout: float,
    ) -> Plan:
        """Check every argument (InvalidInputError) and fix the names and base token."""
        manager = checked(
            CreateManagerInput,
            name=name,
            role_arn=role_arn,
            authorizer_type=authorizer_type,
            authorizer=authorizer,
            description=description,
        )
        _check_pairing(connector, credentials)
        probe = connector
        if credentials is not None:
            probe = connector.with_credential_provider(_PLACEHOLDER_ARN)
        chosen_name = connector_name or connector.connector_type
        checked(
            CreateConnectorInput,
            payment_manager_id="placeholder-0000000000",
            name=chosen_name,
            connector=probe,
        )
        provider_name = None
        if credentials is not None:
            provider_name = credential_provider_name or f"{name}-{credentials.vendor}"
            checked(ProviderRef, name=provider_name)
        return cls(
            manager=manager,
            connector=connector,
            connector_name=chosen_name,
            credentials=credentials,
            provider_name=provider_name,
            client_token=_base_token(client_token),
            timeout=timeout,
        )

    def token(self, step: str) -> str:
        """The client token of ``step``: the same for the same base token, always."""
        return client_token_from_key(f"{self.client_token}/{step}")


def _check_pairing(connector: Any, credentials: Any) -> None:
    if not isinstance(connector, (CoinbaseCdpConnector, StripePrivyConnector, AwsBillingConnector)):
        raise InvalidInputError(
            "connector",
            "must be CoinbaseCdpConnector, StripePrivyConnector or AwsBillingConnector",
            type(connector).__name__,
        )
    if credentials is None:
        return
    if not isinstance(credentials, (CoinbaseCdpCredentials, StripePrivyCredentials)):
        raise InvalidInputError(
            "credentials",
            "must be CoinbaseCdpCredentials or StripePrivyCredentials",
            type(credentials).__name__,
        )
    if connector.vendor != credentials.vendor:
        raise InvalidInputError(
            "credentials",
            f"{type(credentials).__name__} do not fit a {connector.mode} "
            f"{connector.connector_type} connector",
        )
    if connector.credential_configurations() is not None:
        raise InvalidInputError(
            "credentials", "give credentials or connector.credential_provider_arn, not both"
        )


def _base_token(given: str | None) -> str:
    if given is None:
        return new_client_token()
    if not isinstance(given, str) or not 1 <= len(given) <= _MAX_TOKEN:
        raise InvalidInputError("client_token", f"must be a string of 1..{_MAX_TOKEN} characters")
    return given


@dataclass
class _Run:
    control: PaymentsControlClient
    plan: Plan
    progress: Progress
    created: list[Any] = field(default_factory=list)
    provider: PaymentCredentialProvider | None = None

    def step_provider(self) -> str | None:
        credentials, name = self.plan.credentials, self.plan.provider_name
        if credentials is None or name is None:
            return None
        self.progress("credential_provider", name)
        try:
            provider = self.control.create_payment_credential_provider(
                name=name, credentials=credentials
            )
            self.created.append(provider)
        except ConflictError as err:
            provider = self._adopt(name, credentials, err)
        self.provider = provider
        return provider.credential_provider_arn

    def _adopt(self, name: str, credentials: AnyCredentials, err: ConflictError) -> Any:
        # The name is the provider's key: a blind retry or a resumed run meets its own.
        existing = self.control.get_payment_credential_provider(name)
        if existing.vendor != credentials.vendor:
            _note(
                err,
                f"provider {name!r} exists for vendor {existing.vendor}, not "
                f"{credentials.vendor}; choose another credential_provider_name",
            )
            raise err
        return self.control.update_payment_credential_provider(name=name, credentials=credentials)

    def step_manager(self) -> PaymentManager:
        plan = self.plan
        manager = self.control.create_payment_manager(
            name=plan.manager.name,
            role_arn=plan.manager.role_arn,
            authorizer_type=plan.manager.authorizer_type,
            authorizer=plan.manager.authorizer,
            description=plan.manager.description,
            client_token=plan.token("manager"),
        )
        self.created.append(manager)
        return self.control.wait_until_ready(
            manager, plan.timeout, on_poll=lambda seen: self.progress("payment_manager", seen)
        )

    def step_connector(self, manager: PaymentManager, provider_arn: str | None) -> PaymentConnector:
        plan = self.plan
        connector = plan.connector
        if provider_arn is not None:
            connector = connector.with_credential_provider(provider_arn)  # type: ignore[assignment]
        created = self.control.create_payment_connector(
            payment_manager_id=manager.payment_manager_id,
            name=plan.connector_name,
            connector=connector,
            client_token=plan.token("connector"),
        )
        self.created.append(created)
        return self.control.wait_until_ready(
            created, plan.timeout, on_poll=lambda seen: self.progress("connector", seen)
        )

    def rollback(self, error: BaseException) -> None:
        undone: list[str] = []
        for resource in reversed(self.created):
            try:
                undone.append(self._undo(resource))
            except Exception as failure:  # never let the undo hide the original error
                logger.warning("rollback: could not delete %s: %s", _label(resource), failure)
                _note(error, f"rollback could not delete {_label(resource)}: {failure}")
        if undone:
            _note(error, "rolled back (deleted): " + ", ".join(undone))
        self.created.clear()

    def _undo(self, resource: Any) -> str:
        control, timeout = self.control, self.plan.timeout
        self.progress("rollback", resource)
        if isinstance(resource, PaymentConnector):
            control.delete_payment_connector(
                payment_manager_id=resource.payment_manager_id,
                payment_connector_id=resource.payment_connector_id,
                client_token=self.plan.token("delete-connector"),
            )
            control.wait_until_deleted(resource, timeout)
        elif isinstance(resource, PaymentManager):
            control.delete_payment_manager(
                resource.payment_manager_id, client_token=self.plan.token("delete-manager")
            )
            control.wait_until_deleted(resource, timeout)
        else:
            control.delete_payment_credential_provider(resource.name)
        return _label(resource)


def provision(
    control: PaymentsControlClient, plan: Plan, on_progress: Progress | None
) -> ProvisionedPaymentManager:
    """Run ``plan``: see ``PaymentsControlClient.provision_payment_manager``."""
    run = _Run(control, plan, on_progress or _quiet)
    try:
        provider_arn = run.step_provider()
        manager = run.step_manager()
        connector = run.step_connector(manager, provider_arn)
    except Exception as err:
        _settle(run, err)
        raise
    return ProvisionedPaymentManager(
        payment_manager=manager,
        connector=connector,
        credential_provider=run.provider,
        client_token=plan.client_token,
    )


def _settle(run: _Run, err: Exception) -> None:
    resume = f"run again with client_token={run.plan.client_token!r} to resume"
    if isinstance(err, ResourceNotReadyError) and err.status == "PENDING_AUTHENTICATION":
        _note(err, f"nothing was deleted: give consent at the authorization_url, then {resume}")
        return
    if isinstance(err, ServiceError) and err.outcome_unknown:
        _note(err, f"the outcome is unknown, nothing was deleted: {resume}")
        return
    run.rollback(err)


def _note(error: BaseException, text: str) -> None:
    add_note = getattr(error, "add_note", None)  # Python 3.11+
    if add_note is not None:
        add_note(text)


def _label(resource: Any) -> str:
    if isinstance(resource, PaymentConnector):
        return f"connector {resource.payment_connector_id}"
    if isinstance(resource, PaymentManager):
        return f"payment manager {resource.payment_manager_id}"
    return f"credential provider {getattr(resource, 'name', '?')}"


def _quiet(_step: str, _seen: Any) -> None:
    return None
