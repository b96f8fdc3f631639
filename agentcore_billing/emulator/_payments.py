"""AgentCore payments: sessions with budgets, instruments, payments and payment tokens.

Decisions where the service documentation leaves room (all refusals are errors the
operations model):

* Budget exceeded: ``ServiceQuotaExceededException`` (HTTP 402), the documented
  error for a request that "would cause a ... quota to be exceeded"; its message
  says "Insufficient budget". Budgets never go negative.
* Expired session, inactive (deleted) instrument, ``paymentType`` not matching the
  ``paymentInput`` member, unreadable amounts: ``ValidationException``.
* Unknown session/instrument, or one of another manager or user:
  ``ResourceNotFoundException``.
* Client token reused with other parameters: ``ConflictException`` (HTTP 409, the
  AWS convention for idempotency-token mismatches); the same token and parameters
  replay the first result without a second resource or charge.
* The caller is the user-id header, else the ``sub`` of a bearer JWT; a request
  with neither is refused (ValidationException).
* Session deletes are hard (a later get is ResourceNotFoundException); instrument
  deletes are soft (status DELETED, still listed and readable).
* Lists are ordered by creation time; pages hold ``maxResults`` items (default 20,
  capped at 100; below 1 is a ValidationException).
* Payment managers and connectors (control plane) are not emulated: any
  well-formed ARN or id is accepted.
* Balances are static (100 USDC by default, see ``Emulator.set_instrument_balance``):
  ProcessPayment only signs proofs; settlement happens later, on chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ._context import CallContext, fake_jwt
from ._errors import EmulatedError, not_found, validation_error
from ._instruments import InstrumentStore, require_active
from ._issued import AWS_BILLING_INSTRUMENT, IssuedProof, aws_billing_output, proof_key
from ._payment_common import Idempotent, caller, money, paginate, parse_amount
from ._payment_protocols import mpp_credential, read_mpp, read_x402, x402_proof
from ._records import PaymentRecord, SessionSnapshot

_INPUT_MEMBER = {"CRYPTO_X402": "cryptoX402", "MPP": "mpp", "AWS_BILLING_X402": "awsBillingX402"}


@dataclass
class Session:
    """Mutable state of one payment session."""

    session_id: str
    manager_arn: str
    user_id: str
    expiry_minutes: int
    created_at: datetime
    updated_at: datetime
    max_spend: Decimal | None
    available: Decimal | None
    client_token: str | None

    @property
    def expires_at(self) -> datetime:
        """When the session stops accepting payments."""
        return self.created_at + timedelta(minutes=self.expiry_minutes)

    def view(self) -> dict[str, Any]:
        """The ``PaymentSession`` wire structure (timestamps still datetimes)."""
        view: dict[str, Any] = {
            "paymentSessionId": self.session_id,
            "paymentManagerArn": self.manager_arn,
            "userId": self.user_id,
            "expiryTimeInMinutes": self.expiry_minutes,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.max_spend is not None and self.available is not None:
            view["limits"] = {"maxSpendAmount": money(self.max_spend)}
            view["availableLimits"] = {
                "availableSpendAmount": money(self.available),
                "updatedAt": self.updated_at,
            }
        return view

    def snapshot(self) -> SessionSnapshot:
        """An immutable copy for inspection."""
        return SessionSnapshot(
            payment_session_id=self.session_id,
            payment_manager_arn=self.manager_arn,
            user_id=self.user_id,
            expiry_time_in_minutes=self.expiry_minutes,
            created_at=self.created_at,
            updated_at=self.updated_at,
            expires_at=self.expires_at,
            max_spend=self.max_spend,
            available_spend=self.available,
            client_token=self.client_token,
        )


class PaymentsBackend:
    """State and handlers of the AgentCore payments operations."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.instruments = InstrumentStore()
        self.payments: list[PaymentRecord] = []
        self.issued: dict[str, IssuedProof] = {}
        """Proofs ProcessPayment minted, by what the seller gets back (see ``_issued``)."""
        self._idempotent = Idempotent()
        store = self.instruments
        self._handlers: dict[str, Callable[[Mapping[str, Any], CallContext], dict[str, Any]]] = {
            "CreatePaymentSession": self._create_session,
            "GetPaymentSession": self._get_session,
            "ListPaymentSessions": self._list_sessions,
            "DeletePaymentSession": self._delete_session,
            "CreatePaymentInstrument": store.create,
            "GetPaymentInstrument": store.get,
            "ListPaymentInstruments": store.list,
            "DeletePaymentInstrument": store.delete,
            "GetPaymentInstrumentBalance": store.balance,
            "ProcessPayment": self._process_payment,
            "GetResourcePaymentToken": _resource_payment_token,
        }

    def handle(self, operation: str, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """Run ``operation`` (parameters already validated against the model)."""
        return self._handlers[operation](params, ctx)

    def _session(self, params: Mapping[str, Any], user: str) -> Session:
        session_id = str(params["paymentSessionId"])
        session = self.sessions.get(session_id)
        if (
            session is None
            or session.manager_arn != params["paymentManagerArn"]
            or session.user_id != user
        ):
            raise not_found("Payment session", session_id)
        return session

    def _create_session(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        user = caller(params, ctx)

        def create() -> dict[str, Any]:
            limits = params.get("limits")
            max_spend = None
            if limits is not None:
                value = limits["maxSpendAmount"]["value"]
                max_spend = parse_amount(value, "limits.maxSpendAmount.value")
            session = Session(
                session_id="payment-session-" + ctx.ids.alnum(15),
                manager_arn=params["paymentManagerArn"],
                user_id=user,
                expiry_minutes=params["expiryTimeInMinutes"],
                created_at=ctx.now,
                updated_at=ctx.now,
                max_spend=max_spend,
                available=max_spend,
                client_token=params.get("clientToken"),
            )
            self.sessions[session.session_id] = session
            return {"paymentSession": session.view()}

        return self._idempotent.run("CreatePaymentSession", params, user, create)

    def _get_session(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        return {"paymentSession": self._session(params, caller(params, ctx)).view()}

    def _list_sessions(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        user = caller(params, ctx)
        mine = [
            session
            for session in self.sessions.values()
            if session.manager_arn == params["paymentManagerArn"] and session.user_id == user
        ]
        page, token = paginate(mine, _session_order, params)
        return {"paymentSessions": [session.view() for session in page], "nextToken": token}

    def _delete_session(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        session = self._session(params, caller(params, ctx))
        del self.sessions[session.session_id]
        return {"status": "DELETED"}

    def _process_payment(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        user = caller(params, ctx)
        return self._idempotent.run(
            "ProcessPayment", params, user, lambda: self._charge(params, user, ctx)
        )

    def _charge(self, params: Mapping[str, Any], user: str, ctx: CallContext) -> dict[str, Any]:
        billing = params["paymentInstrumentId"] == AWS_BILLING_INSTRUMENT
        instrument = None if billing else self.instruments.find(params, user)
        if instrument is not None:
            require_active(instrument)
        session = self._session(params, user)
        if ctx.now >= session.expires_at:
            message = f"Payment session {session.session_id} has expired"
            raise validation_error(message, fields=[("paymentSessionId", message)])
        if instrument is None:
            output, amount = _billing_output(params, user, ctx)
        else:
            output, amount = _payment_output(params, instrument.wallet, ctx)
        _debit(session, amount, ctx.now)
        payment_id = ctx.ids.uuid4()
        key = proof_key(output)
        if key is not None:
            member = _INPUT_MEMBER[params["paymentType"]]
            self.issued[key] = IssuedProof(
                payment_id, params["paymentType"], params["paymentInput"][member], amount
            )
        self.payments.append(
            PaymentRecord(
                process_payment_id=payment_id,
                payment_session_id=session.session_id,
                payment_instrument_id=params["paymentInstrumentId"],
                payment_manager_arn=session.manager_arn,
                user_id=user,
                payment_type=params["paymentType"],
                amount=amount,
                currency="USD",
                client_token=params.get("clientToken"),
                created_at=ctx.now,
            )
        )
        return {
            "processPaymentId": payment_id,
            "paymentManagerArn": session.manager_arn,
            "paymentSessionId": session.session_id,
            "paymentInstrumentId": params["paymentInstrumentId"],
            "paymentType": params["paymentType"],
            "status": "PROOF_GENERATED",
            "paymentOutput": output,
            "createdAt": ctx.now,
            "updatedAt": ctx.now,
        }


def _session_order(session: Session) -> str:
    return f"{session.created_at.isoformat()}|{session.session_id}"


def _payment_output(
    params: Mapping[str, Any], wallet: Mapping[str, Any], ctx: CallContext
) -> tuple[dict[str, Any], Decimal]:
    payment_type = params["paymentType"]
    member = _INPUT_MEMBER[payment_type]
    payment_input = params["paymentInput"]
    if member not in payment_input:
        message = f"paymentType {payment_type} requires paymentInput.{member}"
        raise validation_error(message, fields=[("paymentInput", message)])
    if member == "awsBillingX402":
        message = f"AWS_BILLING_X402 payments use the instrument {AWS_BILLING_INSTRUMENT}"
        raise validation_error(message, fields=[("paymentInstrumentId", message)])
    address, network = str(wallet["walletAddress"]), str(wallet["network"])
    if member == "cryptoX402":
        offer = read_x402(payment_input[member])
        proof = x402_proof(offer, wallet=address, network=network, now=ctx.now, ids=ctx.ids)
        return {"cryptoX402": {"version": offer.version, "payload": proof}}, offer.amount.usd
    challenge = read_mpp(payment_input[member], ctx.now)
    output = {
        "version": payment_input[member]["version"],
        "selectedPaymentId": challenge.params["id"],
        "paymentCredential": mpp_credential(challenge, wallet=address, ids=ctx.ids),
    }
    return {"mpp": output}, challenge.amount.usd


def _billing_output(
    params: Mapping[str, Any], user: str, ctx: CallContext
) -> tuple[dict[str, Any], Decimal]:
    payment_input = params["paymentInput"]
    if params["paymentType"] != "AWS_BILLING_X402" or "awsBillingX402" not in payment_input:
        message = f"{AWS_BILLING_INSTRUMENT} pays only AWS_BILLING_X402 payments"
        raise validation_error(message, fields=[("paymentInstrumentId", message)])
    return aws_billing_output(payment_input["awsBillingX402"], user, ctx)


def _debit(session: Session, amount: Decimal, now: datetime) -> None:
    if session.available is not None:
        if amount > session.available:
            raise EmulatedError(
                "ServiceQuotaExceededException",
                f"Insufficient budget: the payment of {amount} USD exceeds the "
                f"{session.available} USD available in payment session {session.session_id}",
            )
        session.available -= amount
    session.updated_at = now


def _resource_payment_token(params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
    request = params["paymentTokenRequest"]
    provider = params["resourceCredentialProviderName"]
    if "coinbaseCdpTokenRequest" in request:
        inner = request["coinbaseCdpTokenRequest"]
        claims = {"sub": provider, "uri": f"{inner['requestMethod']} {inner['requestPath']}"}
        response: dict[str, Any] = {"bearerToken": fake_jwt(claims, ctx.ids)}
        if inner.get("includeWalletAuthToken"):
            response["walletAuthToken"] = fake_jwt({"sub": provider, "wallet": True}, ctx.ids)
        return {"paymentTokenResponse": {"coinbaseCdpTokenResponse": response}}
    inner = request["stripePrivyTokenRequest"]
    app_id = "emulator-app-" + ctx.ids.alnum(12)
    response = {"appId": app_id, "basicAuthToken": ctx.ids.token(48)}
    if inner.get("includeAuthorizationSignature"):
        response["authorizationSignature"] = ctx.ids.token(64)
        response["requestExpiry"] = int((ctx.now + timedelta(minutes=5)).timestamp() * 1000)
    return {"paymentTokenResponse": {"stripePrivyTokenResponse": response}}
