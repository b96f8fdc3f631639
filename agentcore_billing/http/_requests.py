"""``RequestsPaymentAuth``: a ``requests`` auth that pays a 402 and resends once.

It works the way ``requests.auth.HTTPDigestAuth`` answers a 401: a response hook sees
the 402, pays, and sends a copy of the request with the payment header on the same
connection adapter; the 402 goes into the new response's ``history``. Redirects are
built by ``requests`` from the original request, so they carry no payment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from requests.auth import AuthBase

from agentcore_billing._payments.authorization import PaymentAuthorization
from agentcore_billing._payments.client import PaymentsClient
from agentcore_billing._payments.policy import SpendPolicy

from ._common import Buyer, fresh_mpp_challenge, is_payment_header


class RequestsPaymentAuth(AuthBase):
    """Pays an HTTP 402 (x402 v1/v2, MPP) and resends the request once.

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

            auth = RequestsPaymentAuth(payments, payment_session_id=session_id,
                                       payment_instrument_id=instrument_id)
            print(requests.get(url, auth=auth).json())
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

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        for name, value in list(request.headers.items()):
            if is_payment_header(name, value):
                del request.headers[name]
        request.register_hook("response", self._handle_402)  # type: ignore[no-untyped-call]
        return request

    def _handle_402(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 402:
            return response
        original = response.request
        paid, authorization = self._resend(original, response, kwargs)
        if fresh_mpp_challenge(paid.status_code, paid.headers, authorization.offer.protocol):
            paid, _ = self._resend(original, paid, kwargs)
        return paid

    def _resend(
        self, original: Any, response: requests.Response, kwargs: dict[str, Any]
    ) -> tuple[requests.Response, PaymentAuthorization]:
        authorization = self._buyer.pay(str(original.url), response.headers, response.content)
        if self._on_payment is not None:
            self._on_payment(authorization)
        response.close()
        retry = original.copy()
        retry.headers.update(authorization.headers)
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer, authorization
