"""``HttpxPaymentAuth``: an ``httpx.Auth`` that pays a 402 and resends once."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator

import anyio.to_thread
import httpx

from agentcore_billing._payments.authorization import PaymentAuthorization
from agentcore_billing._payments.client import PaymentsClient
from agentcore_billing._payments.policy import SpendPolicy

from ._common import Buyer, fresh_mpp_challenge, is_payment_header


class HttpxPaymentAuth(httpx.Auth):
    """Pays an HTTP 402 (x402 v1/v2, MPP) and resends the request once, sync or async.

    The resend is a copy of the request with the payment header, so a redirect that
    follows it is built from the original and carries no payment. A second 402 is
    handed back untouched; an MPP 401 with a fresh challenge is answered once. The
    async flow runs the (blocking) AgentCore call in a worker thread. Payment headers
    already on a request are removed: the auth alone decides where a payment goes.

    Args:
        payments: the ``PaymentsClient`` that pays.
        payment_session_id: the session payments are charged to.
        payment_instrument_id: the wallet that pays.
        policy: the spend policy (``None``: ``SpendPolicy()``).
        user_id: overrides the client's ``user_id``.
        agent_name: overrides the client's ``agent_name``.
        buyer_pays_gas_fees: MPP: allow network fees the challenge does not sponsor.
        on_payment: called with each ``PaymentAuthorization`` made.

    Example:
        ::

            auth = HttpxPaymentAuth(payments, payment_session_id=session_id,
                                    payment_instrument_id=instrument_id)
            with httpx.Client(auth=auth) as http:
                print(http.get(url).json())
    """

    def __init__(
        self,
        payments: PaymentsClient,
        *,
        payment_session_id: str,
        payment_instrument_id: str,
        policy: SpendPolicy | None = None,
        user_id: str | None = None,
        agent_name: str | None = None,
        buyer_pays_gas_fees: bool = False,
        on_payment: Callable[[PaymentAuthorization], None] | None = None,
    ) -> None:
        self._buyer = Buyer(payments, payment_session_id, payment_instrument_id, policy,
                            user_id, agent_name, buyer_pays_gas_fees)  # fmt: skip
        self._on_payment = on_payment

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """The flow of ``httpx.Client``."""
        request.read()
        response = yield _without_payment(request)
        if response.status_code != 402:
            return
        response.read()
        authorization = self._pay(request, response)
        response = yield _resend(request, authorization)
        if _fresh_challenge(response, authorization):
            response.read()
            yield _resend(request, self._pay(request, response))

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """The flow of ``httpx.AsyncClient``; AgentCore is called in a worker thread."""
        await request.aread()
        response = yield _without_payment(request)
        if response.status_code != 402:
            return
        await response.aread()
        authorization = await anyio.to_thread.run_sync(self._pay, request, response)
        response = yield _resend(request, authorization)
        if _fresh_challenge(response, authorization):
            await response.aread()
            again = await anyio.to_thread.run_sync(self._pay, request, response)
            yield _resend(request, again)

    def _pay(self, request: httpx.Request, response: httpx.Response) -> PaymentAuthorization:
        authorization = self._buyer.pay(str(request.url), response.headers, response.content)
        if self._on_payment is not None:
            self._on_payment(authorization)
        return authorization


def _fresh_challenge(response: httpx.Response, authorization: PaymentAuthorization) -> bool:
    return fresh_mpp_challenge(response.status_code, response.headers, authorization.offer.protocol)


class _PaidHeaders(httpx.Headers):
    """Headers whose payment entries go on the wire but stay out of every copy.

    httpx follows a redirect inside the auth flow and builds the next request from a
    copy of these headers (``Headers(request.headers)`` copies the entry list), so a
    payment kept apart from that list can never travel to where a redirect points.
    """

    def __init__(self, headers: httpx.Headers, payment: dict[str, str]) -> None:
        super().__init__(headers)
        self._payment = [
            (name.encode("ascii"), value.encode("ascii")) for name, value in payment.items()
        ]

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The entries sent on the wire: the request's and the payment's."""
        return [*super().raw, *self._payment]


def _resend(request: httpx.Request, authorization: PaymentAuthorization) -> httpx.Request:
    headers = request.headers.copy()
    for name, value in list(headers.items()):
        if is_payment_header(name, value):
            del headers[name]
    paid = httpx.Request(
        request.method, request.url, headers=headers, content=request.content,
        extensions=request.extensions,
    )  # fmt: skip
    paid.headers = _PaidHeaders(paid.headers, authorization.headers)
    return paid


def _without_payment(request: httpx.Request) -> httpx.Request:
    # A request built from an earlier paid one (a redirect, a retry) must not carry a
    # payment header anywhere but to the origin that was paid.
    for name, value in list(request.headers.items()):
        if is_payment_header(name, value):
            del request.headers[name]
    return request
