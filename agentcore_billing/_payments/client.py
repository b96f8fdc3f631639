"""``PaymentsClient``: AgentCore Payments bound to one payment manager.

One method per operation: arguments are checked by an input model before any
request, the call runs once under the shared retry layer, the response comes back as
a typed model. Operations that create something (sessions, instruments, payments)
resolve one client token per call, before the retry loop, send it on every attempt
and return it on the result and on any error, so a call whose outcome is unknown can
be replayed with it exactly once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, overload

from pydantic import SecretStr

from agentcore_billing._core.bearer import TokenProvider
from agentcore_billing._core.clock import Clock, Monotonic, Sleep
from agentcore_billing._core.facade import FacadeBase
from agentcore_billing._core.money import Money
from agentcore_billing._core.retry import RetryPolicy
from agentcore_billing._core.validation import checked

from .bearer_mode import bearer_mode
from .challenge import PaymentChallenge
from .models.enums import BalanceToken, Chain
from .models.instrument import PaymentInstrument, PaymentInstrumentSummary, TokenBalance
from .models.linked import EmbeddedCryptoWallet
from .models.payment import (
    AwsBillingX402Payment,
    AwsBillingX402PaymentResult,
    MppPayment,
    MppPaymentResult,
    PaymentInput,
    PaymentResult,
    X402Payment,
    X402PaymentResult,
    result_type_for,
)
from .models.requests import (
    CreatePaymentInstrumentInput,
    CreatePaymentSessionInput,
    DeletePaymentInstrumentInput,
    DeletePaymentSessionInput,
    GetPaymentInstrumentInput,
    GetPaymentSessionInput,
    InstrumentBalanceInput,
    ListPaymentInstrumentsInput,
    ListPaymentSessionsInput,
    PaymentScope,
    ProcessPaymentInput,
    ResourcePaymentTokenInput,
)
from .models.session import PaymentSession, PaymentSessionSummary
from .models.token import CoinbaseCdpTokenRequest, ResourcePaymentToken, StripePrivyTokenRequest
from .pay import Payer
from .replay import confirm_replayed_session
from .scope import ScopedCalls
from .sessions import deleted_after

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config
    from types_boto3_bedrock_agentcore import BedrockAgentCoreClient

    from .authorization import PaymentAuthorization
    from .policy import SpendPolicy


class PaymentsClient(FacadeBase["BedrockAgentCoreClient"]):
    """AgentCore Payments (boto3 ``bedrock-agentcore``) for one payment manager.

    Args:
        payment_manager_arn: the payment manager every call is bound to; checked
            against the service's ARN pattern before anything else.
        client: an existing boto3 ``bedrock-agentcore`` client. Its own botocore
            retries stack under this library's (a warning is logged when it has
            them); build it with ``Config(retries={"total_max_attempts": 1})``.
        session: a ``boto3.Session`` to build the client from.
        region_name: the region of a client this library builds.
        endpoint_url: the endpoint of a client this library builds.
        retry: the retry policy; ``None`` for the library default.
        user_id: the ``userId`` sent with every call unless a call names another.
        agent_name: the ``agentName`` sent with every call unless a call names another.
        config: extra botocore config merged into a client this library builds;
            ``retries`` allowing more than one attempt is refused.
        sleep: how to wait between retries (tests pass a fake).
        monotonic: the elapsed-time source of the retry deadline.
        clock: the UTC wall clock, e.g. for ``PaymentSession.is_expired()``.
        rng: the random source of retry jitter.
        bearer_token: a JWT for a ``CUSTOM_JWT`` payment manager: requests go unsigned
            with ``Authorization: Bearer ...`` (no AWS credentials needed); the
            service takes the user from the token's subject, so ``user_id`` is refused.
        token_provider: instead of ``bearer_token``, a callable returning a fresh JWT,
            asked before every request.

    Example:
        ::

            payments = PaymentsClient(
                "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-abcdef1234",
                region_name="us-east-1", user_id="user-1")
            with payments.payment_session(expiry_time_in_minutes=30,
                                          max_spend=Money.usd("1.00")) as session:
                print(session.payment_session_id, session.expires_at)
    """

    service_name = "bedrock-agentcore"

    def __init__(
        self,
        payment_manager_arn: str,
        *,
        client: BedrockAgentCoreClient | None = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        retry: RetryPolicy | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        config: Config | None = None,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        bearer_token: str | SecretStr | None = None,
        token_provider: TokenProvider | None = None,
    ) -> None:
        scope = checked(
            lambda: PaymentScope(
                payment_manager_arn=payment_manager_arn, user_id=user_id, agent_name=agent_name
            )
        )
        bearer = bearer_mode(client, user_id, bearer_token, token_provider)
        super().__init__(
            client=client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            retry=retry,
            config=config,
            sleep=sleep,
            monotonic=monotonic,
            clock=clock,
            rng=rng,
            bearer=bearer,
        )
        self._calls = ScopedCalls(self._invoker, scope, bearer=bearer is not None)

    @property
    def payment_manager_arn(self) -> str:
        """The payment manager this client is bound to."""
        return self._calls.manager_arn

    @cached_property
    def _payer(self) -> Payer:
        return Payer(self)

    def create_payment_session(
        self,
        *,
        expiry_time_in_minutes: int,
        max_spend: Money | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> PaymentSession:
        """Create a payment session (``CreatePaymentSession``).

        Args:
            expiry_time_in_minutes: 15..480.
            max_spend: the spending cap (USD, non-negative); ``None`` for none.
            user_id: overrides the client's default ``user_id``.
            agent_name: overrides the client's default ``agent_name``.
            client_token: your idempotency token (see ``client_token_from_key``);
                ``None`` mints one, reused by every retry of this call.

        Returns:
            The session, with ``client_token`` set to the token sent.

        Raises:
            InvalidInputError: an argument breaks a rule (nothing was sent); it lists
                each field, rule and value.
            ServiceError: the service refused or failed; it carries ``client_token``,
                and ``outcome_unknown`` when the session may exist anyway.
            ResourceNotFoundError: your ``client_token`` replayed a session that was
                deleted since (the service answers a known token with the stored
                session; an older one is read back once to check).
            ConflictError: your ``client_token`` was used with other parameters.

        Example:
            ::

                session = payments.create_payment_session(
                    expiry_time_in_minutes=60, max_spend=Money.usd("5.00"))
        """
        request = checked(
            lambda: CreatePaymentSessionInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                expiry_time_in_minutes=expiry_time_in_minutes,
                max_spend=max_spend,
            )
        )
        started = self._clock()
        response, token = self._calls.create(
            "CreatePaymentSession", request.to_params(), client_token
        )
        session = PaymentSession.from_wire(
            response["paymentSession"], client_token=token, clock=self._clock
        )
        if client_token is not None:  # yours: the answer may replay a deleted session
            user = request.user_id
            confirm_replayed_session(
                session,
                started=started,
                read=lambda sid: self.get_payment_session(sid, user_id=user),
            )
        return session

    def get_payment_session(
        self,
        payment_session_id: str,
        *,
        user_id: str | None = None,
        agent_name: str | None = None,
    ) -> PaymentSession:
        """Read a payment session (``GetPaymentSession``).

        Example:
            ::

                session = payments.get_payment_session("payment-session-abcdefghijklmno")
                print(session.available_spend, session.is_expired())
        """
        request = checked(
            lambda: GetPaymentSessionInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_session_id=payment_session_id,
            )
        )
        response = self._calls.read("GetPaymentSession", request.to_params())
        return PaymentSession.from_wire(response["paymentSession"], clock=self._clock)

    def list_payment_sessions(
        self,
        *,
        user_id: str | None = None,
        agent_name: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[PaymentSessionSummary]:
        """Every payment session of the manager (``ListPaymentSessions``), page by page.

        Arguments are checked now; pages are fetched as you iterate, each page
        retried on its own.

        Example:
            ::

                for summary in payments.list_payment_sessions(page_size=50):
                    print(summary.payment_session_id)
        """
        request = checked(
            lambda: ListPaymentSessionsInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                page_size=page_size,
            )
        )
        return self._calls.items(
            "ListPaymentSessions",
            request.to_params(),
            "paymentSessions",
            PaymentSessionSummary.from_wire,
        )

    def delete_payment_session(self, payment_session_id: str, *, user_id: str | None = None) -> str:
        """Delete a payment session (``DeletePaymentSession``); returns the status.

        When an earlier attempt of this call got no answer and a retry finds the
        session gone, the delete is taken as done and ``"DELETED"`` is returned.

        Example:
            ::

                assert payments.delete_payment_session(session.payment_session_id) == "DELETED"
        """
        request = checked(
            lambda: DeletePaymentSessionInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                payment_session_id=payment_session_id,
            )
        )
        return self._calls.delete("DeletePaymentSession", request.to_params())

    @contextmanager
    def payment_session(
        self,
        *,
        expiry_time_in_minutes: int,
        max_spend: Money | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> Iterator[PaymentSession]:
        """A payment session deleted on leaving the block, also when the block raises.

        Takes the arguments of :meth:`create_payment_session`. A session already
        gone at exit is fine; a failed delete is raised after a clean block, and
        only logged (and noted on the exception) when the block itself raised. When
        the create's answer is lost, the session it may have made is found (by
        replaying the create with the same client token) and deleted before the error
        is raised, so no session outlives a block that never ran.

        Example:
            ::

                with payments.payment_session(expiry_time_in_minutes=30,
                                              max_spend=Money.usd("1")) as session:
                    payments.process_payment(payment_session_id=session.payment_session_id,
                                             payment_instrument_id=instrument_id,
                                             payment=payment)
        """
        resolved_user = self._calls.user(user_id)

        def create(token: str | None) -> PaymentSession:
            return self.create_payment_session(
                expiry_time_in_minutes=expiry_time_in_minutes,
                max_spend=max_spend,
                user_id=resolved_user,
                agent_name=agent_name,
                client_token=token,
            )

        def delete(payment_session_id: str) -> str:
            return self.delete_payment_session(payment_session_id, user_id=resolved_user)

        with deleted_after(create, delete, client_token) as session:
            yield session

    @overload
    def process_payment(
        self,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        payment: X402Payment,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> X402PaymentResult: ...

    @overload
    def process_payment(
        self,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        payment: MppPayment,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> MppPaymentResult: ...

    @overload
    def process_payment(
        self,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        payment: AwsBillingX402Payment,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> AwsBillingX402PaymentResult: ...

    @overload
    def process_payment(
        self,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        payment: PaymentInput,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> PaymentResult: ...

    def process_payment(
        self,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        payment: PaymentInput,
        user_id: str | None = None,
        agent_name: str | None = None,
        client_token: str | None = None,
    ) -> PaymentResult:
        """Pay within a session with an instrument (``ProcessPayment``).

        The result of an :class:`X402Payment` is an :class:`X402PaymentResult`
        (``result.x402`` is never ``None``), of an :class:`MppPayment` an
        :class:`MppPaymentResult` (``result.mpp`` likewise), of an
        :class:`AwsBillingX402Payment` an :class:`AwsBillingX402PaymentResult`
        (``result.aws_billing``).

        There is no operation to read a payment back: after an error with
        ``outcome_unknown``, call again with the error's ``client_token``.

        Args:
            payment_session_id: the session the payment is charged to.
            payment_instrument_id: the instrument that pays.
            payment: an :class:`X402Payment`, :class:`MppPayment` or
                :class:`AwsBillingX402Payment` (with the instrument
                ``aws.agentcorepayments.awsbilling.v1``); its class sets ``paymentType``.
            user_id: overrides the client's default ``user_id``.
            agent_name: overrides the client's default ``agent_name``.
            client_token: your idempotency token; ``None`` mints one for this call.

        Example:
            ::

                result = payments.process_payment(
                    payment_session_id=session.payment_session_id,
                    payment_instrument_id="payment-instrument-abcdefghijklmno",
                    payment=MppPayment(version="1", www_authenticate_headers=[challenge]))
                headers = {"Authorization": result.mpp.payment_credential.get_secret_value()}
        """
        request = checked(
            lambda: ProcessPaymentInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_session_id=payment_session_id,
                payment_instrument_id=payment_instrument_id,
                payment=payment,
            )
        )
        response, token = self._calls.create("ProcessPayment", request.to_params(), client_token)
        return result_type_for(payment).from_wire(response, client_token=token)

    def pay_for(
        self,
        challenge: PaymentChallenge,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        policy: SpendPolicy | None = None,
        client_token: str | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        buyer_pays_gas_fees: bool = False,
        permit2_allowance_limit: int | None = None,
    ) -> PaymentAuthorization:
        """Pay an HTTP 402 in one call: choose the offer, ``ProcessPayment`` once, headers.

        Args:
            challenge: ``PaymentChallenge.from_response(...)`` of the 402.
            payment_session_id: the session the payment is charged to.
            payment_instrument_id: the crypto wallet that pays (its network is read
                once per client).
            policy: the spend policy; ``None`` for ``SpendPolicy()`` (1.00 USD cap).
            client_token: ``None`` derives one from the session, the instrument and the
                challenge, so paying the same 402 again never pays twice.
            user_id: overrides the client's default ``user_id``.
            agent_name: overrides the client's default ``agent_name``.
            buyer_pays_gas_fees: MPP: allow network fees the challenge does not sponsor.
            permit2_allowance_limit: x402 ``upto``: approve this Permit2 allowance
                (atomic units) first; it must fit the policy's cap.

        Raises:
            PolicyViolationError: the offer that would be paid breaks a limit.
            NoAcceptableOfferError: no offer fits the instrument and the allow-lists.
            ServiceError: ProcessPayment failed; it carries ``client_token``.

        Example:
            ::

                challenge = PaymentChallenge.from_response(
                    status_code=r.status_code, headers=r.headers, body=r.content)
                auth = payments.pay_for(challenge, payment_session_id=session_id,
                                        payment_instrument_id=instrument_id)
                r = httpx.get(url, headers=auth.headers)
        """
        return self._payer.pay(
            challenge,
            payment_session_id=payment_session_id,
            payment_instrument_id=payment_instrument_id,
            policy=policy,
            client_token=client_token,
            user_id=user_id,
            agent_name=agent_name,
            buyer_pays_gas_fees=buyer_pays_gas_fees,
            permit2_allowance_limit=permit2_allowance_limit,
        )

    def get_resource_payment_token(
        self,
        *,
        workload_identity_token: str | SecretStr,
        resource_credential_provider_name: str,
        request: CoinbaseCdpTokenRequest | StripePrivyTokenRequest,
    ) -> ResourcePaymentToken:
        """Mint a payment provider's credentials for one API request.

        Args:
            workload_identity_token: the agent's workload access token (secret).
            resource_credential_provider_name: the payment credential provider.
            request: what the credentials are for; its class picks the provider.

        Example:
            ::

                token = payments.get_resource_payment_token(
                    workload_identity_token=workload_token,
                    resource_credential_provider_name="coinbase-cdp",
                    request=CoinbaseCdpTokenRequest(request_method="GET",
                                                    request_path="/platform/v2/evm/accounts"))
                bearer = token.coinbase_cdp.bearer_token.get_secret_value()
        """
        if isinstance(workload_identity_token, str):
            workload_identity_token = SecretStr(workload_identity_token)
        arguments = checked(
            lambda: ResourcePaymentTokenInput(
                workload_identity_token=workload_identity_token,
                resource_credential_provider_name=resource_credential_provider_name,
                request=request,
            )
        )
        response = self._calls.read("GetResourcePaymentToken", arguments.to_params())
        return ResourcePaymentToken.from_wire(response)

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
        request = checked(
            lambda: CreatePaymentInstrumentInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_connector_id=payment_connector_id,
                details=details,
            )
        )
        response, token = self._calls.create(
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
        request = checked(
            lambda: GetPaymentInstrumentInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_instrument_id=payment_instrument_id,
                payment_connector_id=payment_connector_id,
            )
        )
        response = self._calls.read("GetPaymentInstrument", request.to_params())
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
        request = checked(
            lambda: ListPaymentInstrumentsInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_connector_id=payment_connector_id,
                page_size=page_size,
            )
        )
        return self._calls.items(
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
        request = checked(
            lambda: DeletePaymentInstrumentInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                payment_instrument_id=payment_instrument_id,
                payment_connector_id=payment_connector_id,
            )
        )
        return self._calls.delete("DeletePaymentInstrument", request.to_params())

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
        request = checked(
            lambda: InstrumentBalanceInput(
                payment_manager_arn=self.payment_manager_arn,
                user_id=self._calls.user(user_id),
                agent_name=self._calls.agent(agent_name),
                payment_instrument_id=payment_instrument_id,
                payment_connector_id=payment_connector_id,
                chain=chain,
                token=token,
            )
        )
        response = self._calls.read("GetPaymentInstrumentBalance", request.to_params())
        return TokenBalance.from_wire(response)
