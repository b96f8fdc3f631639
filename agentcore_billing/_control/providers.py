"""Payment credential providers: the vendor secrets a MANUAL connector points at.

CreatePaymentCredentialProvider has no client token: the name is the key, and a
second create of the same name meets ConflictException. The provider keeps the
secrets; the service never returns them, and neither do these models.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentcore_billing._core.errors import ResourceNotFoundError

from .base import ControlBase
from .inputs import CoinbaseCdpCredentials, StripePrivyCredentials
from .models import PaymentCredentialProvider, PaymentCredentialProviderSummary
from .requests import ProviderInput, ProviderPageInput, ProviderRef, checked


class ProviderOperations(ControlBase):
    """Create, read, list, update and delete payment credential providers."""

    def create_payment_credential_provider(
        self, *, name: str, credentials: CoinbaseCdpCredentials | StripePrivyCredentials
    ) -> PaymentCredentialProvider:
        """Store a vendor's secrets under ``name`` (``CreatePaymentCredentialProvider``).

        Args:
            name: 1..128 of ``[a-zA-Z0-9-_]``; unique in the account and Region.
            credentials: ``CoinbaseCdpCredentials`` or ``StripePrivyCredentials``.

        Raises:
            InvalidInputError: a rule is broken (secrets masked; nothing was sent).
            ConflictError: a provider of that name exists (also after a lost answer).

        Example:
            ::

                provider = control.create_payment_credential_provider(
                    name="shop-cdp", credentials=CoinbaseCdpCredentials(
                        api_key_id="key-1", api_key_secret=api_secret, wallet_secret=wallet))
                print(provider.credential_provider_arn)
        """
        request = checked(ProviderInput, name=name, credentials=credentials)
        data = self._write("CreatePaymentCredentialProvider", request.to_params())
        return PaymentCredentialProvider.from_wire(data)

    def get_payment_credential_provider(self, name: str) -> PaymentCredentialProvider:
        """Read a credential provider (``GetPaymentCredentialProvider``; no secret values).

        Example:
            ::

                provider = control.get_payment_credential_provider("shop-cdp")
        """
        request = checked(ProviderRef, name=name)
        data = self._read("GetPaymentCredentialProvider", request.to_params())
        return PaymentCredentialProvider.from_wire(data)

    def list_payment_credential_providers(
        self, *, page_size: int | None = None
    ) -> Iterator[PaymentCredentialProviderSummary]:
        """Every credential provider (``ListPaymentCredentialProviders``), page by page.

        Example:
            ::

                names = [p.name for p in control.list_payment_credential_providers()]
        """
        request = checked(ProviderPageInput, page_size=page_size)
        return self._items(
            "ListPaymentCredentialProviders",
            request.to_params(),
            "credentialProviders",
            PaymentCredentialProviderSummary.from_wire,
        )

    def update_payment_credential_provider(
        self, *, name: str, credentials: CoinbaseCdpCredentials | StripePrivyCredentials
    ) -> PaymentCredentialProvider:
        """Replace a provider's secrets (``UpdatePaymentCredentialProvider``).

        Example:
            ::

                control.update_payment_credential_provider(name="shop-cdp", credentials=new)
        """
        request = checked(ProviderInput, name=name, credentials=credentials)
        data = self._write("UpdatePaymentCredentialProvider", request.to_params())
        return PaymentCredentialProvider.from_wire(data)

    def delete_payment_credential_provider(self, name: str) -> None:
        """Delete a provider and its stored secrets (``DeletePaymentCredentialProvider``).

        A retry that finds it gone after an unanswered attempt counts as done.

        Example:
            ::

                control.delete_payment_credential_provider("shop-cdp")
        """
        request = checked(ProviderRef, name=name)
        try:
            self._write("DeletePaymentCredentialProvider", request.to_params())
        except ResourceNotFoundError as err:
            if not err.earlier_attempt_unanswered:
                raise
