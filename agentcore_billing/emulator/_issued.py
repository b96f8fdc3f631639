"""What the emulator's ProcessPayment handed out, so its seller can check a payment.

A real seller verifies a proof on chain (x402, through a facilitator) or with the
payment method (MPP). The emulator's seller instead looks the proof up here: every
proof, credential or AWS Billing token ProcessPayment mints is recorded with the
payment input it answered. Also here: the ``AWS_BILLING_X402`` payment type, paid
with the service-managed instrument ``aws.agentcorepayments.awsbilling.v1``; its
payload must carry the seller's ``extra.quoteToken`` (ValidationException otherwise)
and its output is a fake Marketplace-signed JWT.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._context import CallContext, fake_jwt
from ._errors import validation_error
from ._payment_protocols import read_x402

AWS_BILLING_INSTRUMENT = "aws.agentcorepayments.awsbilling.v1"


@dataclass(frozen=True)
class IssuedProof:
    """One proof ProcessPayment minted, and what it paid for."""

    process_payment_id: str
    payment_type: str
    payment_input: Mapping[str, Any]
    amount: Decimal


def proof_key(output: Mapping[str, Any]) -> str | None:
    """The value a seller receives back for ``output`` (a ``paymentOutput``)."""
    if "mpp" in output:
        return str(output["mpp"]["paymentCredential"])
    if "awsBillingX402" in output:
        return str(output["awsBillingX402"]["paymentToken"])
    payload = output.get("cryptoX402", {}).get("payload", {})
    if isinstance(payload, Mapping):
        key = payload.get("signature") or payload.get("transaction")
        return str(key) if key else None
    return None


def proof_key_of_payload(payload: Any) -> str | None:
    """The key of an x402 scheme payload as a seller receives it."""
    if isinstance(payload, Mapping):
        key = payload.get("signature") or payload.get("transaction")
        return str(key) if key else None
    return None


def aws_billing_output(
    payment_input: Mapping[str, Any], user: str, ctx: CallContext
) -> tuple[dict[str, Any], Decimal]:
    """The ``awsBillingX402`` output and its USD amount."""
    payload = payment_input.get("payload")
    extra = payload.get("extra") if isinstance(payload, Mapping) else None
    quote = extra.get("quoteToken") if isinstance(extra, Mapping) else None
    if not isinstance(quote, str) or not quote:
        message = "The payment requirement has no extra.quoteToken"
        raise validation_error(message, fields=[("paymentInput.awsBillingX402.payload", message)])
    offer = read_x402({"version": payment_input.get("version"), "payload": payload})
    claims: dict[str, Any] = {"sub": user, "quote": quote, "amount": str(offer.amount.atomic)}
    options = payment_input.get("options")
    if isinstance(options, Mapping) and isinstance(options.get("dpopJwk"), Mapping):
        claims["cnf"] = {"jkt": str(options["dpopJwk"].get("x", ""))[:43]}
    token = fake_jwt(claims, ctx.ids)
    output = {"version": payment_input.get("version"), "paymentToken": token}
    return {"awsBillingX402": output}, offer.amount.usd
