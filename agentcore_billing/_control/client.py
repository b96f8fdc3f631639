"""``PaymentsControlClient``: payment managers, connectors and credential providers.

One method per ``bedrock-agentcore-control`` operation (arguments checked before any
request, one client token per logical call where the operation has one, typed
answers), plus ``wait_until_ready`` and ``provision_payment_manager``, which builds a
READY manager and connector from nothing, resumably.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, overload

from agentcore_billing._core.errors import InvalidInputError, ResourceNotFoundError

from .connectors import ConnectorOperations
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
    PaymentConnectorSummary,
    PaymentCredentialProvider,
    PaymentCredentialProviderSummary,
    PaymentManager,
    PaymentManagerSummary,
    ProvisionedPaymentManager,
)
from .requests import (
    CreateManagerInput,
    ManagerRef,
    PageInput,
    UpdateManagerInput,
    checked,
)
from .waiter import Backoff, check_timeout, poll_until_gone, poll_until_ready

AnyConnector = CoinbaseCdpConnector | StripePrivyConnector | AwsBillingConnector
AnyCredentials = CoinbaseCdpCredentials | StripePrivyCredentials
Progress = Callable[[str, Any], None]


class PaymentsControlClient(ConnectorOperations):
    """The AgentCore Payments control plane (boto3 ``bedrock-agentcore-control``).

    Constructor keywords are those of the other facades (``client=``, ``session=``,
    ``region_name=``, ``endpoint_url=``, ``retry=``, ``sleep=``, ``monotonic=``,
    ``clock=``); ``sleep`` and ``monotonic`` also drive ``wait_until_ready``.

    Example:
        ::

            control = PaymentsControlClient(region_name="us-east-1")
            provisioned = control.provision_payment_manager(
                name="shop", role_arn="arn:aws:iam::123456789012:role/payments",
                connector=AwsBillingConnector(), client_token="shop-setup-0001-aaaa-bbbb-cccc")
            payments = PaymentsClient(provisioned.payment_manager_arn, region_name="us-east-1")
    """

    backoff: Backoff = Backoff()
    """Polling intervals of ``wait_until_ready`` (1 s, doubling, at most 10 s)."""

    # -- payment managers -----------------------------------------------------------

    def create_payment_manager(
        self,
        *,
        name: str,
        role_arn: str,
        authorizer_type: str = "AWS_IAM",
        authorizer: CustomJwtAuthorizer | None = None,
        description: str | None = None,
        client_token: str | None = None,
    ) -> PaymentManager:
        """Create a payment manager (``CreatePaymentManager``); it starts CREATING.

        Args:
            name: ``[a-zA-Z][a-zA-Z0-9]{0,47}``.
            role_arn: the IAM role the manager assumes.
            authorizer_type: ``AWS_IAM`` (default) or ``CUSTOM_JWT``.
            authorizer: ``CustomJwtAuthorizer`` for ``CUSTOM_JWT`` (required then).
            description: 1..4096 characters, no control characters.
            client_token: your idempotency token; ``None`` mints one (returned on the
                result and on any error), reused by every retry.

        Example:
            ::

                manager = control.create_payment_manager(
                    name="shop", role_arn="arn:aws:iam::123456789012:role/payments")
                manager = control.wait_until_ready(manager)
        """
        request = checked(
            CreateManagerInput,
            name=name,
            role_arn=role_arn,
            authorizer_type=authorizer_type,
            authorizer=authorizer,
            description=description,
        )
        data, token = self._mutate("CreatePaymentManager", request.to_params(), client_token)
        return PaymentManager.from_wire(data, client_token=token)

    def get_payment_manager(self, payment_manager_id: str) -> PaymentManager:
        """Read a payment manager (``GetPaymentManager``).

        Example:
            ::

                print(control.get_payment_manager("shop-abcdef1234").status)
        """
        request = checked(ManagerRef, payment_manager_id=payment_manager_id)
        return PaymentManager.from_wire(self._read("GetPaymentManager", request.to_params()))

    def list_payment_managers(
        self, *, page_size: int | None = None
    ) -> Iterator[PaymentManagerSummary]:
        """Every payment manager (``ListPaymentManagers``), following ``nextToken``.

        Example:
            ::

                for summary in control.list_payment_managers():
                    print(summary.name, summary.status)
        """
        request = checked(PageInput, page_size=page_size)
        return self._items(
            "ListPaymentManagers",
            request.to_params(),
            "paymentManagers",
            PaymentManagerSummary.from_wire,
        )

    def update_payment_manager(
        self,
        payment_manager_id: str,
        *,
        description: str | None = None,
        role_arn: str | None = None,
        authorizer_type: str | None = None,
        authorizer: CustomJwtAuthorizer | None = None,
        client_token: str | None = None,
    ) -> PaymentManager:
        """Change what is given (``UpdatePaymentManager``, PATCH); it goes UPDATING.

        Example:
            ::

                control.update_payment_manager("shop-abcdef1234", description="the shop")
        """
        request = checked(
            UpdateManagerInput,
            payment_manager_id=payment_manager_id,
            description=description,
            role_arn=role_arn,
            authorizer_type=authorizer_type,
            authorizer=authorizer,
        )
        data, token = self._mutate("UpdatePaymentManager", request.to_params(), client_token)
        return PaymentManager.from_wire(data, client_token=token)

    def delete_payment_manager(
        self, payment_manager_id: str, *, client_token: str | None = None
    ) -> str:
        """Delete a payment manager with no connectors left (``DeletePaymentManager``).

        Returns:
            The status the service returned (``DELETING``), or ``DELETED`` when an
            earlier attempt of this call deleted it without an answer.

        Example:
            ::

                control.delete_payment_manager("shop-abcdef1234")
        """
        request = checked(ManagerRef, payment_manager_id=payment_manager_id)
        return self._delete("DeletePaymentManager", request.to_params(), client_token)

    # -- waiting and provisioning ---------------------------------------------------

    @overload
    def wait_until_ready(
        self,
        resource: PaymentManagerSummary,
        timeout: float = ...,
        *,
        on_poll: Callable[[Any], None] | None = ...,
    ) -> PaymentManager: ...
    @overload
    def wait_until_ready(
        self,
        resource: PaymentConnectorSummary,
        timeout: float = ...,
        *,
        on_poll: Callable[[Any], None] | None = ...,
    ) -> PaymentConnector: ...
    @overload
    def wait_until_ready(
        self,
        resource: PaymentCredentialProviderSummary,
        timeout: float = ...,
        *,
        on_poll: Callable[[Any], None] | None = ...,
    ) -> PaymentCredentialProvider: ...

    def wait_until_ready(
        self,
        resource: Any,
        timeout: float = 300.0,
        *,
        on_poll: Callable[[Any], None] | None = None,
    ) -> Any:
        """Poll ``resource`` until it is READY and return it as last read.

        Polls at once, then after 1, 2, 4, ... seconds (at most 10) through the
        client's ``sleep``. A credential provider has no status: it is read once.

        Args:
            resource: a manager or connector (or its summary), or a credential provider.
            timeout: seconds to wait at most.
            on_poll: called with each resource read (progress display).

        Raises:
            ResourceNotReadyError: a final status other than READY (``.status``,
                ``.resource``, ``.reason``; ``.authorization_url`` for a QUICK_CREATE
                connector in PENDING_AUTHENTICATION), or the timeout.

        Example:
            ::

                manager = control.wait_until_ready(manager, timeout=120)
        """
        limit = check_timeout(timeout)
        if isinstance(resource, PaymentCredentialProviderSummary):
            return self.get_payment_credential_provider(resource.name)
        read = self._reader(resource)
        return poll_until_ready(
            read,
            timeout=limit,
            sleep=self._retrier.sleep,
            monotonic=self._retrier.monotonic,
            backoff=self.backoff,
            on_poll=on_poll,
        )

    def _reader(self, resource: Any) -> Callable[[], Any]:
        token = getattr(resource, "client_token", None)
        if isinstance(resource, PaymentManagerSummary):
            manager_id = resource.payment_manager_id

            def manager() -> PaymentManager:
                found = self.get_payment_manager(manager_id)
                return found.model_copy(update={"client_token": token})

            return manager
        if isinstance(resource, PaymentConnectorSummary):
            ids = {
                "payment_manager_id": resource.payment_manager_id,
                "payment_connector_id": resource.payment_connector_id,
            }

            def connector() -> PaymentConnector:
                found = self.get_payment_connector(**ids)
                return found.model_copy(update={"client_token": token})

            return connector
        raise InvalidInputError(
            "resource",
            "must be a payment manager or connector (or a credential provider)",
            type(resource).__name__,
        )

    def wait_until_deleted(self, resource: Any, timeout: float = 300.0) -> None:
        """Poll a manager or connector being deleted until the service no longer has it.

        Raises:
            ResourceNotReadyError: DELETE_FAILED, or still there at the timeout.

        Example:
            ::

                control.delete_payment_connector(payment_manager_id=m, payment_connector_id=c)
                control.wait_until_deleted(connector)
        """
        limit = check_timeout(timeout)
        read = self._reader(resource)

        def read_or_none() -> Any:
            try:
                return read()
            except ResourceNotFoundError:
                return None

        poll_until_gone(
            read_or_none,
            timeout=limit,
            sleep=self._retrier.sleep,
            monotonic=self._retrier.monotonic,
            backoff=self.backoff,
        )

    def provision_payment_manager(
        self,
        *,
        name: str,
        role_arn: str,
        connector: AnyConnector,
        credentials: AnyCredentials | None = None,
        authorizer_type: str = "AWS_IAM",
        authorizer: CustomJwtAuthorizer | None = None,
        client_token: str | None = None,
        connector_name: str | None = None,
        credential_provider_name: str | None = None,
        description: str | None = None,
        timeout: float = 300.0,
        on_progress: Progress | None = None,
    ) -> ProvisionedPaymentManager:
        """From nothing to a READY manager and connector, resumable by ``client_token``.

        Steps: the credential provider (when ``credentials`` are given; named
        ``credential_provider_name``, by default ``<name>-<vendor>``), the manager,
        the connector (named ``connector_name``, by default its type), each waited on.
        Every step's token is derived from ``client_token``, so running again with
        the same token picks up where a crashed or interrupted run stopped and never
        creates a second manager.

        On a failure whose outcome is known (a refusal, a final status that is not
        READY) what this run created is deleted again, connector before manager,
        each deletion waited on, and the original error is raised. When the outcome
        is unknown (no answer, a 5xx) or a QUICK_CREATE connector waits for consent
        (PENDING_AUTHENTICATION, ``error.authorization_url``), nothing is deleted:
        run again with the same ``client_token`` to finish.

        Example:
            ::

                provisioned = control.provision_payment_manager(
                    name="shop", role_arn="arn:aws:iam::123456789012:role/payments",
                    connector=CoinbaseCdpConnector(),
                    credentials=CoinbaseCdpCredentials(api_key_id="key-1",
                        api_key_secret=api_secret, wallet_secret=wallet),
                    client_token="shop-setup-0001-aaaa-bbbb-cccc")
                print(provisioned.payment_manager_arn)
        """
        from .provision import Plan, provision

        plan = Plan.build(
            name=name,
            role_arn=role_arn,
            connector=connector,
            credentials=credentials,
            authorizer_type=authorizer_type,
            authorizer=authorizer,
            client_token=client_token,
            connector_name=connector_name,
            credential_provider_name=credential_provider_name,
            description=description,
            timeout=check_timeout(timeout),
        )
        return provision(self, plan, on_progress)
