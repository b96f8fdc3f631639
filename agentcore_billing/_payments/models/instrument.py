"""Payment instruments and their token balances as the service returns them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from agentcore_billing._core.models import ResponseModel, WireDatetime
from agentcore_billing._core.money import parse_decimal

from .enums import (
    BalanceToken,
    Chain,
    CryptoNetwork,
    PaymentInstrumentStatus,
    PaymentInstrumentType,
)
from .linked import EmbeddedCryptoWallet

_EXAMPLE_INSTRUMENT = {
    "paymentInstrumentId": "payment-instrument-abcdefghijklmno",
    "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
    "payment-manager/shop-abcdef1234",
    "paymentConnectorId": "coinbase-abcdef1234",
    "userId": "user-1",
    "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
    "status": "ACTIVE",
    "createdAt": "2026-11-23T10:00:00Z",
    "updatedAt": "2026-11-23T10:00:00Z",
}


class PaymentInstrumentSummary(ResponseModel):
    """One entry of ``list_payment_instruments()``.

    Example:
        >>> PaymentInstrumentSummary.from_wire(_EXAMPLE_INSTRUMENT).status
        'ACTIVE'
    """

    payment_instrument_id: str = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument id, ``payment-instrument-`` and 15 more characters."""
    payment_manager_arn: str = Field(
        validation_alias="paymentManagerArn", serialization_alias="paymentManagerArn"
    )
    """The payment manager the instrument belongs to."""
    payment_connector_id: str = Field(
        validation_alias="paymentConnectorId", serialization_alias="paymentConnectorId"
    )
    """The connector (payment provider integration) the instrument uses."""
    user_id: str = Field(validation_alias="userId", serialization_alias="userId")
    """The end user who owns the instrument."""
    payment_instrument_type: PaymentInstrumentType = Field(
        validation_alias="paymentInstrumentType", serialization_alias="paymentInstrumentType"
    )
    """The kind of instrument."""
    status: PaymentInstrumentStatus | str  # open: the service adds statuses
    """Where the instrument is in its life cycle."""
    created_at: WireDatetime = Field(validation_alias="createdAt", serialization_alias="createdAt")
    """When the instrument was created (UTC)."""
    updated_at: WireDatetime = Field(validation_alias="updatedAt", serialization_alias="updatedAt")
    """When the instrument was last updated (UTC)."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> PaymentInstrumentSummary:
        """Read one ``PaymentInstrumentSummary`` of a ``ListPaymentInstruments`` page."""
        return cls.model_validate(wire)


class PaymentInstrument(PaymentInstrumentSummary):
    """A payment instrument with its details (the linked accounts are secrets).

    Example:
        >>> wire = {**_EXAMPLE_INSTRUMENT, "paymentInstrumentDetails": {"embeddedCryptoWallet": {
        ...     "network": "SOLANA", "walletAddress": "9xQe",
        ...     "linkedAccounts": [{"email": {"emailAddress": "buyer@example.com"}}]}}}
        >>> instrument = PaymentInstrument.from_wire(wire)
        >>> instrument.wallet.wallet_address, instrument.wallet.linked_accounts[0].kind
        ('9xQe', 'email')
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    payment_instrument_details: EmbeddedCryptoWallet | None = None
    """The instrument's details; ``None`` for a kind this library does not know yet."""
    client_token: str | None = None
    """The client token this library sent when it created the instrument, else ``None``."""

    @classmethod
    def from_wire(
        cls, wire: Mapping[str, Any], *, client_token: str | None = None
    ) -> PaymentInstrument:
        """Read the service's ``PaymentInstrument`` shape.

        Args:
            wire: the ``paymentInstrument`` member of a response.
            client_token: the token sent with the request that created it, if any.
        """
        details = wire.get("paymentInstrumentDetails")
        data = {
            **{key: wire.get(key) for key in _SUMMARY_KEYS},
            "payment_instrument_details": (
                EmbeddedCryptoWallet.from_wire(details) if isinstance(details, Mapping) else None
            ),
            "client_token": client_token,
        }
        return cls.model_validate(data)

    @property
    def wallet(self) -> EmbeddedCryptoWallet | None:
        """The embedded crypto wallet, when the instrument is one."""
        return self.payment_instrument_details


_SUMMARY_KEYS = tuple(
    info.serialization_alias or name for name, info in PaymentInstrumentSummary.model_fields.items()
)


class TokenBalance(ResponseModel):
    """The balance of one token of an instrument on one chain.

    ``amount`` is the service's string in the token's smallest unit; ``decimals``
    says where the point goes. :attr:`decimal_amount` is the exact value in tokens.

    Example:
        >>> balance = TokenBalance.from_wire({
        ...     "paymentInstrumentId": "payment-instrument-abcdefghijklmno",
        ...     "tokenBalance": {"amount": "1500000", "decimals": 6, "token": "USDC",
        ...                      "network": "ETHEREUM", "chain": "BASE"}})
        >>> balance.decimal_amount
        Decimal('1.500000')
    """

    payment_instrument_id: str = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument the balance belongs to."""
    amount: str
    """The balance as the service sent it, in the token's smallest unit."""
    decimals: int = Field(ge=0)
    """Decimal places of the token (6 for USDC)."""
    token: BalanceToken | str
    """The token the balance is in."""
    network: CryptoNetwork | str
    """The network of the wallet."""
    chain: Chain | str
    """The chain the balance was read on."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> TokenBalance:
        """Read a ``GetPaymentInstrumentBalance`` response."""
        balance = wire.get("tokenBalance") or {}
        return cls.model_validate(
            {**balance, "payment_instrument_id": wire.get("paymentInstrumentId")}
        )

    @property
    def decimal_amount(self) -> Decimal:
        """The exact balance in whole tokens.

        An integer ``amount`` counts the smallest unit and is shifted by ``decimals``
        places (without rounding, whatever its size); an ``amount`` that already has
        a decimal point is taken as whole tokens.
        """
        value = parse_decimal(self.amount, what="amount")
        sign, digits, exponent = value.as_tuple()
        if "." in self.amount or not isinstance(exponent, int):
            return value
        return Decimal((sign, digits, exponent - self.decimals))
