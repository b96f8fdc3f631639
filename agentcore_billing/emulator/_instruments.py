"""Payment instruments (embedded crypto wallets): create, get, list, soft delete, balance."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._context import CallContext, IdSource
from ._errors import EmulatedError, not_found, validation_error
from ._payment_common import Idempotent, caller, paginate
from ._records import InstrumentSnapshot

DEFAULT_BALANCE = 100_000_000
"""Default USDC balance of a new instrument, in base units (100 USDC)."""

USDC_DECIMALS = 6
_CHAINS = {
    "ETHEREUM": ("BASE", "BASE_SEPOLIA", "ETHEREUM"),
    "SOLANA": ("SOLANA", "SOLANA_DEVNET"),
}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass
class Instrument:
    """Mutable state of one instrument."""

    instrument_id: str
    manager_arn: str
    connector_id: str
    user_id: str
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    status: str = "ACTIVE"
    balance: int = DEFAULT_BALANCE
    client_token: str | None = None
    instrument_type: str = "EMBEDDED_CRYPTO_WALLET"

    @property
    def wallet(self) -> dict[str, Any]:
        """The embedded wallet details."""
        wallet: dict[str, Any] = self.details["embeddedCryptoWallet"]
        return wallet

    def view(self) -> dict[str, Any]:
        """The ``PaymentInstrument`` wire structure (timestamps still datetimes)."""
        return {
            "paymentInstrumentId": self.instrument_id,
            "paymentManagerArn": self.manager_arn,
            "paymentConnectorId": self.connector_id,
            "userId": self.user_id,
            "paymentInstrumentType": self.instrument_type,
            "paymentInstrumentDetails": copy.deepcopy(self.details),
            "createdAt": self.created_at,
            "status": self.status,
            "updatedAt": self.updated_at,
        }

    def snapshot(self) -> InstrumentSnapshot:
        """An immutable copy for inspection."""
        return InstrumentSnapshot(
            payment_instrument_id=self.instrument_id,
            payment_manager_arn=self.manager_arn,
            payment_connector_id=self.connector_id,
            user_id=self.user_id,
            network=str(self.wallet["network"]),
            wallet_address=str(self.wallet["walletAddress"]),
            status=self.status,
            balance=self.balance,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


def wallet_address(network: str, ids: IdSource) -> str:
    """A fake address of the right form for ``network``."""
    if network == "SOLANA":
        return "".join(_BASE58[int(ids.hex(2), 16) % len(_BASE58)] for _ in range(44))
    return "0x" + ids.hex(40)


@dataclass
class InstrumentStore:
    """All instruments, with their handlers (called under the emulator's lock)."""

    items: dict[str, Instrument] = field(default_factory=dict)
    idempotent: Idempotent = field(default_factory=Idempotent)

    def add(
        self,
        *,
        manager_arn: str,
        connector_id: str,
        user_id: str,
        network: str,
        ctx: CallContext,
        linked_accounts: list[Any] | None = None,
        client_token: str | None = None,
    ) -> Instrument:
        """Create and store an ACTIVE instrument."""
        details = {
            "embeddedCryptoWallet": {
                "network": network,
                "linkedAccounts": copy.deepcopy(linked_accounts or []),
                "walletAddress": wallet_address(network, ctx.ids),
            }
        }
        instrument = Instrument(
            instrument_id="payment-instrument-" + ctx.ids.alnum(15),
            manager_arn=manager_arn,
            connector_id=connector_id,
            user_id=user_id,
            details=details,
            created_at=ctx.now,
            updated_at=ctx.now,
            client_token=client_token,
        )
        self.items[instrument.instrument_id] = instrument
        return instrument

    def find(self, params: Mapping[str, Any], user: str) -> Instrument:
        """The instrument a request names; other managers, users or connectors do not see it."""
        instrument_id = str(params["paymentInstrumentId"])
        instrument = self.items.get(instrument_id)
        connector = params.get("paymentConnectorId")
        if (
            instrument is None
            or instrument.manager_arn != params["paymentManagerArn"]
            or instrument.user_id != user
            or (connector is not None and instrument.connector_id != connector)
        ):
            raise not_found("Payment instrument", instrument_id)
        return instrument

    def create(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """CreatePaymentInstrument."""
        user = caller(params, ctx)

        def create() -> dict[str, Any]:
            wallet = params["paymentInstrumentDetails"]["embeddedCryptoWallet"]
            instrument = self.add(
                manager_arn=params["paymentManagerArn"],
                connector_id=params["paymentConnectorId"],
                user_id=user,
                network=wallet["network"],
                linked_accounts=wallet.get("linkedAccounts"),
                client_token=params.get("clientToken"),
                ctx=ctx,
            )
            return {"paymentInstrument": instrument.view()}

        return self.idempotent.run("CreatePaymentInstrument", params, user, create)

    def get(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """GetPaymentInstrument (soft-deleted instruments are returned with status DELETED)."""
        return {"paymentInstrument": self.find(params, caller(params, ctx)).view()}

    def list(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """ListPaymentInstruments, optionally filtered by connector (deleted ones included)."""
        user = caller(params, ctx)
        connector = params.get("paymentConnectorId")
        mine = [
            item
            for item in self.items.values()
            if item.manager_arn == params["paymentManagerArn"]
            and item.user_id == user
            and (connector is None or item.connector_id == connector)
        ]
        page, token = paginate(mine, _order, params)
        return {"paymentInstruments": [item.view() for item in page], "nextToken": token}

    def delete(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """DeletePaymentInstrument: a soft delete (repeating it answers DELETED again)."""
        instrument = self.find(params, caller(params, ctx))
        if instrument.status != "DELETED":
            instrument.status = "DELETED"
            instrument.updated_at = ctx.now
        return {"status": "DELETED"}

    def balance(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """GetPaymentInstrumentBalance (USDC, on a chain of the wallet's network)."""
        instrument = self.find(params, caller(params, ctx))
        if instrument.status == "DELETED":
            raise not_found("Payment instrument", instrument.instrument_id)
        network = str(instrument.wallet["network"])
        chain = params["chain"]
        if chain not in _CHAINS.get(network, ()):
            message = f"Chain {chain} is not on the instrument's network {network}"
            raise validation_error(message, fields=[("chain", message)])
        token_balance = {
            "amount": str(instrument.balance),
            "decimals": USDC_DECIMALS,
            "token": params["token"],
            "network": network,
            "chain": chain,
        }
        return {"paymentInstrumentId": instrument.instrument_id, "tokenBalance": token_balance}

    def set_balance(self, instrument_id: str, amount: int) -> None:
        """Seed the USDC balance (base units) of an instrument."""
        if instrument_id not in self.items:
            raise KeyError(f"unknown payment instrument {instrument_id!r}")
        if amount < 0:
            raise ValueError("a balance cannot be negative")
        self.items[instrument_id].balance = amount


def _order(instrument: Instrument) -> str:
    return f"{instrument.created_at.isoformat()}|{instrument.instrument_id}"


def require_active(instrument: Instrument) -> None:
    """Refuse payments with an instrument that is not ACTIVE."""
    if instrument.status != "ACTIVE":
        message = f"Payment instrument {instrument.instrument_id} is inactive ({instrument.status})"
        raise EmulatedError("ValidationException", message, reason="FieldValidationFailed")
