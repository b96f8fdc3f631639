"""The payment-instrument operations of ``PaymentsClient``."""

from __future__ import annotations

from collections.abc import Iterator

from .base import PaymentsBase
from .models.enums import BalanceToken, Chain
from .models.instrument import PaymentInstrument, PaymentInstrumentSummary, TokenBalance
from .models.linked import EmbeddedCryptoWallet
from .models.requests import (
    CreatePaymentInstrumentInput,
    DeletePaymentInstrumentInput,
    GetPaymentInstrumentInput,
    InstrumentBalanceInput,
    ListPaymentInstrumentsInput,
)


class InstrumentOperations(PaymentsBase):
    """Create, read, list and delete payment instruments; read their balances."""

    def create_payment_instrument(
        self,
        *,
        payment_connector_id: str,
        details: EmbeddedCryptoWallet,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> PaymentInstrument:
        """Create a payment instrument (``CreatePaymentInstrument``).

        Args:
            payment_connector_id: the connector to create it with.
            details: what the instrument is; its class sets ``paymentInstrumentType``.
            user_id: overrides the client's default ``user_id``.
            agent_name: overrides the client's default ``agent_name``.
            client_token: your idempotency token; ``None`` mints one, reused by every
                retry of this call.

        Returns:
            The instrument, with ``client_token`` set to the token sent.

        Example:
            ::

                instrument = payments.create_payment_instrument(
                    payment_connector_id="coinbase-abcdef1234",
                    details=EmbeddedCryptoWallet(
                        network="ETHEREUM",
                        linked_accounts=[EmailLinkedAccount(email_address="buyer@example.com")]))
        """
        request = CreatePaymentInstrumentInput(
            payment_manager_arn=self.payment_manager_arn,
            user_id=self._user(user_id),
            agent_name=self._agent(agent_name),
            payment_connector_id=payment_connector_id,
            details=details,
        )
        response, token = self._create(
            "CreatePaymentInstrument",
            request.to_params(),
            client_token,
        )
        return PaymentInstrument.from_wire(response["paymentInstrument"], client_token=token)

    def get_payment_instrument(
        self,
        payment_instrument_id: str,
        *,
        payment_connector_id: str | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
    ) -> PaymentInstrument:
        """Read a payment instrument (``GetPaymentInstrument``).

        Example:
            ::

                instrument = payments.get_payment_instrument("payment-instrument-abcdefghijklmno")
                print(instrument.status, instrument.wallet.wallet_address)
        """
        request = GetPaymentInstrumentInput(
            payment_manager_arn=self.payment_manager_arn,
            user_id=self._user(user_id),
            agent_name=self._agent(agent_name),
            payment_instrument_id=payment_instrument_id,
            payment_connector_id=payment_connector_id,
        )
        response = self._invoker.call("GetPaymentInstrument", request.to_params()).data
        return PaymentInstrument.from_wire(response["paymentInstrument"])

    def list_payment_instruments(
        self,
        *,
        payment_connector_id: str | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[PaymentInstrumentSummary]:
        """Every instrument of the manager (``ListPaymentInstruments``), page by page.

        Arguments are checked now; pages are fetched as you iterate, each page
        retried on its own.

        Example:
            ::

                active = [i for i in payments.list_payment_instruments() if i.status == "ACTIVE"]
        """
        request = ListPaymentInstrumentsInput(
            payment_manager_arn=self.payment_manager_arn,
            user_id=self._user(user_id),
            agent_name=self._agent(agent_name),
            payment_connector_id=payment_connector_id,
            page_size=page_size,
        )
        return self._items(
            "ListPaymentInstruments",
            request.to_params(),
            "paymentInstruments",
            PaymentInstrumentSummary.from_wire,
        )

    def delete_payment_instrument(
        self,
        payment_instrument_id: str,
        *,
        payment_connector_id: str,
        user_id: str | None = None,
    ) -> str:
        """Delete (soft-delete) a payment instrument; returns the status.

        Example:
            ::

                payments.delete_payment_instrument(
                    "payment-instrument-abcdefghijklmno",
                    payment_connector_id="coinbase-abcdef1234")
        """
        request = DeletePaymentInstrumentInput(
            payment_manager_arn=self.payment_manager_arn,
            user_id=self._user(user_id),
            payment_instrument_id=payment_instrument_id,
            payment_connector_id=payment_connector_id,
        )
        return self._delete("DeletePaymentInstrument", request.to_params())

    def get_payment_instrument_balance(
        self,
        payment_instrument_id: str,
        *,
        payment_connector_id: str,
        chain: Chain,
        token: BalanceToken = "USDC",
        user_id: str | None = None,
        agent_name: str | None = None,
    ) -> TokenBalance:
        """Read an instrument's token balance on one chain.

        Example:
            ::

                balance = payments.get_payment_instrument_balance(
                    "payment-instrument-abcdefghijklmno",
                    payment_connector_id="coinbase-abcdef1234", chain="BASE")
                print(balance.decimal_amount, balance.token)
        """
        request = InstrumentBalanceInput(
            payment_manager_arn=self.payment_manager_arn,
            user_id=self._user(user_id),
            agent_name=self._agent(agent_name),
            payment_instrument_id=payment_instrument_id,
            payment_connector_id=payment_connector_id,
            chain=chain,
            token=token,
        )
        response = self._invoker.call("GetPaymentInstrumentBalance", request.to_params()).data
        return TokenBalance.from_wire(response)
