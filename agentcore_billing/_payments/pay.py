"""``pay_for``: choose the offer, make exactly one ProcessPayment, build the resend headers.

Which offer: among the offers the instrument's network family can pay and the policy
allows, the cheapest in USD; an MPP offer wins a tie (it needs no on-chain payload in
the resend), then the server's order. Offers an MPP challenge cannot be paid with
(say it does not sponsor network fees and ``buyer_pays_gas_fees`` is False) are dropped
before anything is sent, so an x402 offer of the same 402 is taken instead; once the
ProcessPayment request is out, nothing falls back.

Before ProcessPayment only one read is made: ``GetPaymentInstrument``, once per
instrument per client, for the instrument's network (cached).

The client token is derived from the session, the instrument and the challenge's
digest unless one is given, so paying the same 402 twice replays the first payment
instead of paying again.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pydantic import Secret

from agentcore_billing._core.errors import (
    InvalidInputError,
    NoAcceptableOfferError,
    PolicyViolationError,
    ServiceError,
)
from agentcore_billing._core.idempotency import PAYMENTS_TOKEN, client_token_from_key

from .assets import Family, family_of, known_asset
from .authorization import PaymentAuthorization, mpp_headers, x402_headers
from .challenge import PaymentChallenge, PaymentOffer
from .models.enums import AWS_BILLING_INSTRUMENT, INSTRUMENT_ID, SESSION_ID
from .models.payment import MppPayment, PaymentResult, X402Payment
from .policy import SpendPolicy, Verdict

if TYPE_CHECKING:
    from .client import PaymentsClient

DEFAULT_POLICY = SpendPolicy()
_SCHEMES = frozenset({"exact", "upto"})
_MPP_METHODS: dict[str, Family] = {"evm": "ETHEREUM", "tempo": "ETHEREUM", "solana": "SOLANA"}


def derived_client_token(session_id: str, instrument_id: str, challenge: PaymentChallenge) -> str:
    """The client token ``pay_for`` sends when none is given (stable per challenge)."""
    key = f"agentcore-billing/pay_for\x00{session_id}\x00{instrument_id}\x00{challenge.digest}"
    return client_token_from_key(key)


class Payer:
    """The ``pay_for`` machinery of one ``PaymentsClient`` (holds the network cache)."""

    def __init__(self, client: PaymentsClient) -> None:
        self._client = client
        self._families: dict[str, Family] = {}
        self._lock = threading.Lock()

    def pay(
        self,
        challenge: PaymentChallenge,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        policy: SpendPolicy | None,
        client_token: str | None,
        user_id: str | None,
        agent_name: str | None,
        buyer_pays_gas_fees: bool,
        permit2_allowance_limit: int | None,
    ) -> PaymentAuthorization:
        """See ``PaymentsClient.pay_for``."""
        _check_arguments(challenge, policy, buyer_pays_gas_fees, permit2_allowance_limit)
        _check_ids(payment_session_id, payment_instrument_id)
        chosen = policy or DEFAULT_POLICY
        token = PAYMENTS_TOKEN.check(
            client_token
            or derived_client_token(payment_session_id, payment_instrument_id, challenge)
        )
        family = self.family(payment_instrument_id, user_id)
        verdict = choose(challenge, chosen, family, self._client._clock(), buyer_pays_gas_fees)
        offer = verdict.offer
        payment = _payment(offer, buyer_pays_gas_fees, permit2_allowance_limit, chosen)
        result = self._client.process_payment(
            payment_session_id=payment_session_id,
            payment_instrument_id=payment_instrument_id,
            payment=payment,
            user_id=user_id,
            agent_name=agent_name,
            client_token=token,
        )
        headers = _headers(challenge, offer, result, token)
        return PaymentAuthorization(
            offer=offer, client_token=token, result=result, secret_headers=Secret(headers)
        )

    def family(self, instrument_id: str, user_id: str | None) -> Family:
        """The instrument's network family, read once per instrument."""
        with self._lock:
            known = self._families.get(instrument_id)
        if known is not None:
            return known
        instrument = self._client.get_payment_instrument(instrument_id, user_id=user_id)
        wallet = instrument.wallet
        if wallet is None or wallet.network not in ("ETHEREUM", "SOLANA"):
            raise NoAcceptableOfferError([f"instrument {instrument_id} is not a crypto wallet"])
        family: Family = "ETHEREUM" if wallet.network == "ETHEREUM" else "SOLANA"
        with self._lock:
            self._families[instrument_id] = family
        return family


def _check_ids(session_id: Any, instrument_id: Any) -> None:
    for field, rule, value in (
        ("payment_session_id", SESSION_ID, session_id),
        ("payment_instrument_id", INSTRUMENT_ID, instrument_id),
    ):
        if value == AWS_BILLING_INSTRUMENT:
            raise InvalidInputError(field, "pay_for pays from a crypto wallet instrument; "
                                    "pay AWS Billing offers with process_payment("
                                    "payment=AwsBillingX402Payment(...))")  # fmt: skip
        if not isinstance(value, str):
            raise InvalidInputError(field, "must be a string", type(value).__name__)
        problem = rule.problem(value)
        if problem is not None:
            raise InvalidInputError(field, problem, rule.shown(value))


def _check_arguments(
    challenge: Any, policy: Any, buyer_pays_gas_fees: Any, permit2_allowance_limit: Any
) -> None:
    if not isinstance(challenge, PaymentChallenge):
        raise InvalidInputError(
            "challenge", "must be a PaymentChallenge (PaymentChallenge.from_response(...))",
            type(challenge).__name__,
        )  # fmt: skip
    if policy is not None and not isinstance(policy, SpendPolicy):
        raise InvalidInputError("policy", "must be a SpendPolicy or None", type(policy).__name__)
    if not isinstance(buyer_pays_gas_fees, bool):
        raise InvalidInputError("buyer_pays_gas_fees", "must be True or False",
                                type(buyer_pays_gas_fees).__name__)  # fmt: skip
    limit = permit2_allowance_limit
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInputError("permit2_allowance_limit", "must be a positive int (atomic units)",
                                repr(limit))  # fmt: skip


def choose(
    challenge: PaymentChallenge,
    policy: SpendPolicy,
    family: Family,
    now: Any,
    buyer_pays_gas_fees: bool = False,
) -> Verdict:
    """The verdict on the offer to pay, or the refusal (see the module docstring)."""
    verdicts = [
        _judge(offer, policy, family, now, buyer_pays_gas_fees) for offer in challenge.offers
    ]
    candidates = [v for v in verdicts if v.dropped is None]
    if not candidates:
        raise NoAcceptableOfferError([_describe(v.offer, str(v.dropped)) for v in verdicts])
    payable = [v for v in candidates if v.payable]
    if not payable:
        worst = min(candidates, key=_order)
        raise PolicyViolationError(str(worst.rule), f"{_describe(worst.offer, str(worst.over))}")
    return min(payable, key=_order)


def _order(verdict: Verdict) -> tuple[bool, Any, bool, int]:
    usd = verdict.usd
    return (usd is None, usd if usd is not None else 0, verdict.offer.protocol != "mpp",
            verdict.offer.index)  # fmt: skip


def _judge(
    offer: PaymentOffer, policy: SpendPolicy, family: Family, now: Any, gas: bool
) -> Verdict:
    reason = _unpayable(offer, family, gas)
    if reason is not None:
        return Verdict(offer, dropped=reason)
    return policy.judge(offer, now)


def _unpayable(offer: PaymentOffer, family: Family, gas: bool) -> str | None:
    if offer.protocol == "mpp":
        if offer.scheme != "charge":
            return f"intent {offer.scheme!r} is not supported (only charge)"
        method_family = _MPP_METHODS.get(offer.method or "")
        if method_family != family:
            return f"method {offer.method!r} cannot be paid from a {family} wallet"
        if offer.fee_sponsored is False and not gas:
            return "the challenge does not sponsor network fees (buyer_pays_gas_fees=False)"
    elif offer.scheme not in _SCHEMES:
        return f"scheme {offer.scheme!r} is not supported (exact, upto)"
    network_family = family_of(offer.network or "")
    if network_family != family:
        return f"network {offer.network or '(none)'} cannot be paid from a {family} wallet"
    return None


def _describe(offer: PaymentOffer, reason: str) -> str:
    return f"offer {offer.index} ({offer.protocol} v{offer.version} {offer.network}): {reason}"


def _payment(
    offer: PaymentOffer, gas: bool, permit2: int | None, policy: SpendPolicy
) -> X402Payment | MppPayment:
    if offer.protocol == "mpp":
        assert offer.header is not None
        return MppPayment(version="1", www_authenticate_headers=[offer.header],
                          buyer_pays_gas_fees=gas)  # fmt: skip
    limit = None
    if permit2 is not None and offer.scheme == "upto":
        _check_allowance(offer, permit2, policy)
        limit = str(permit2)
    return X402Payment(version=offer.version, payload=offer.raw, permit2_allowance_limit=limit)


def _check_allowance(offer: PaymentOffer, permit2: int, policy: SpendPolicy) -> None:
    asset = known_asset(offer.network, offer.asset)
    if asset is not None and asset.usd(permit2) > policy.max_per_payment.amount:
        raise PolicyViolationError(
            "permit2_allowance_limit",
            f"an allowance of {asset.usd(permit2)} USD is over the "
            f"{policy.max_per_payment.amount} USD cap",
        )


def _headers(
    challenge: PaymentChallenge, offer: PaymentOffer, result: PaymentResult, token: str
) -> dict[str, str]:
    if offer.protocol == "mpp":
        output = result.mpp
        if output is None:
            raise _unexpected("ProcessPayment returned no MPP credential", token)
        if output.selected_payment_id != offer.challenge_id:
            raise _unexpected(
                f"the service paid challenge {output.selected_payment_id!r}, "
                f"not the one chosen ({offer.challenge_id!r})",
                token,
            )
        return mpp_headers(output.payment_credential.get_secret_value())
    x402 = result.x402
    if x402 is None:
        raise _unexpected("ProcessPayment returned no x402 payload", token)
    return x402_headers(challenge, offer, x402.payload.get_secret_value(), token)


def _unexpected(message: str, token: str) -> ServiceError:
    return ServiceError(
        operation="ProcessPayment", code="UnexpectedPaymentOutput", message=message,
        client_token=token,
    )  # fmt: skip
