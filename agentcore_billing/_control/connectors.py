"""Payment connectors: the link from a payment manager to one wallet provider."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from agentcore_billing._core.errors import InvalidInputError

from .inputs import AwsBillingConnector, CoinbaseCdpConnector, StripePrivyConnector
from .models import CredentialRotation, PaymentConnector, PaymentConnectorSummary
from .providers import ProviderOperations
from .requests import (
    ConnectorRef,
    CreateConnectorInput,
    ManagerRef,
    PageInput,
    RotateInput,
    UpdateConnectorInput,
    checked,
)

AnyConnector = CoinbaseCdpConnector | StripePrivyConnector | AwsBillingConnector


class ConnectorOperations(ProviderOperations):
    """Create, read, list, update, delete and rotate payment connectors."""

    def create_payment_connector(
        self,
        *,
        payment_manager_id: str,
        name: str,
        connector: AnyConnector,
        description: str | None = None,
        client_token: str | None = None,
    ) -> PaymentConnector:
        """Connect a wallet provider to a manager (``CreatePaymentConnector``).

        Args:
            payment_manager_id: the manager.
            name: ``[a-zA-Z][a-zA-Z0-9_]{0,47}``.
            connector: ``CoinbaseCdpConnector(credential_provider_arn=...)``,
                ``StripePrivyConnector(...)`` (either with ``provision_mode=
                "QUICK_CREATE"`` and no ARN), or ``AwsBillingConnector()``.
            description: 1..4096 characters.
            client_token: your idempotency token; ``None`` mints one.

        Example:
            ::

                connector = control.create_payment_connector(
                    payment_manager_id=manager.payment_manager_id, name="wallet",
                    connector=CoinbaseCdpConnector(credential_provider_arn=provider_arn))
        """
        request = checked(
            CreateConnectorInput,
            payment_manager_id=payment_manager_id,
            name=name,
            connector=connector,
            description=description,
        )
        data, token = self._mutate("CreatePaymentConnector", request.to_params(), client_token)
        # The create answer leaves provisionMode out; it is the one just sent.
        data = {"provisionMode": request.connector.mode, **data}
        return PaymentConnector.from_wire(
            data, payment_manager_id=payment_manager_id, client_token=token
        )

    def get_payment_connector(
        self, *, payment_manager_id: str, payment_connector_id: str
    ) -> PaymentConnector:
        """Read a connector (``GetPaymentConnector``).

        Example:
            ::

                connector = control.get_payment_connector(
                    payment_manager_id="shop-abcdef1234", payment_connector_id="wallet-abcdef1234")
        """
        request = checked(
            ConnectorRef,
            payment_manager_id=payment_manager_id,
            payment_connector_id=payment_connector_id,
        )
        data = self._read("GetPaymentConnector", request.to_params())
        return PaymentConnector.from_wire(data, payment_manager_id=payment_manager_id)

    def list_payment_connectors(
        self, *, payment_manager_id: str, page_size: int | None = None
    ) -> Iterator[PaymentConnectorSummary]:
        """Every connector of a manager (``ListPaymentConnectors``), following ``nextToken``.

        Example:
            ::

                ids = [c.payment_connector_id
                       for c in control.list_payment_connectors(payment_manager_id=manager_id)]
        """
        ref = checked(ManagerRef, payment_manager_id=payment_manager_id)
        page = checked(PageInput, page_size=page_size)

        def read(wire: Any) -> PaymentConnectorSummary:
            return PaymentConnectorSummary.from_wire(wire, payment_manager_id=payment_manager_id)

        params = {**ref.to_params(), **page.to_params()}
        return self._items("ListPaymentConnectors", params, "paymentConnectors", read)

    def update_payment_connector(
        self,
        *,
        payment_manager_id: str,
        payment_connector_id: str,
        connector: AnyConnector | None = None,
        description: str | None = None,
        client_token: str | None = None,
    ) -> PaymentConnector:
        """Change a connector's provider configuration or description (PATCH).

        Example:
            ::

                control.update_payment_connector(
                    payment_manager_id=manager_id, payment_connector_id=connector_id,
                    connector=CoinbaseCdpConnector(credential_provider_arn=new_arn))
        """
        request = checked(
            UpdateConnectorInput,
            payment_manager_id=payment_manager_id,
            payment_connector_id=payment_connector_id,
            connector=connector,
            description=description,
        )
        data, token = self._mutate("UpdatePaymentConnector", request.to_params(), client_token)
        return PaymentConnector.from_wire(
            data, payment_manager_id=payment_manager_id, client_token=token
        )

    def delete_payment_connector(
        self,
        *,
        payment_manager_id: str,
        payment_connector_id: str,
        client_token: str | None = None,
    ) -> str:
        """Delete a connector (``DeletePaymentConnector``); returns the status returned.

        Example:
            ::

                control.delete_payment_connector(
                    payment_manager_id=manager_id, payment_connector_id=connector_id)
        """
        request = checked(
            ConnectorRef,
            payment_manager_id=payment_manager_id,
            payment_connector_id=payment_connector_id,
        )
        return self._delete("DeletePaymentConnector", request.to_params(), client_token)

    def rotate_payment_connector_credentials(
        self,
        *,
        payment_manager_id: str,
        payment_connector_id: str,
        secrets: Sequence[str] = ("API_KEY",),
        client_token: str | None = None,
    ) -> CredentialRotation:
        """Replace a QUICK_CREATE Coinbase CDP connector's service-managed secrets.

        Args:
            secrets: ``API_KEY`` and/or ``WALLET_SECRET`` (each rotated on its own).

        Example:
            ::

                control.rotate_payment_connector_credentials(
                    payment_manager_id=manager_id, payment_connector_id=connector_id)
        """
        if isinstance(secrets, str):
            raise InvalidInputError("secrets", "must be a sequence of names, not one string")
        request = checked(
            RotateInput,
            payment_manager_id=payment_manager_id,
            payment_connector_id=payment_connector_id,
            secrets=tuple(secrets),
        )
        data, token = self._mutate(
            "RotatePaymentConnectorCredentials", request.to_params(), client_token
        )
        return CredentialRotation.from_wire(data, client_token=token)
