"""The call paths every payments operation shares: scope, tokens, deletes, pages.

``PaymentsClient`` owns one :class:`ScopedCalls`; it is a helper object, not a base
class, so the client's public face is the only class users meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from agentcore_billing._core.engine import Invoker
from agentcore_billing._core.errors import InvalidInputError, ResourceNotFoundError

from .models.requests import PaymentScope

T = TypeVar("T")


class ScopedCalls:
    """The engine calls of one payment manager, with its default user and agent.

    Example:
        >>> from agentcore_billing._core.retry import Retrier, RetryPolicy
        >>> from agentcore_billing._core.seam import LazyClient
        >>> scope = PaymentScope(payment_manager_arn="arn:aws:bedrock-agentcore:us-east-1:"
        ...                      "123456789012:payment-manager/shop-abcdef1234", user_id="u-1")
        >>> invoker = Invoker(LazyClient("bedrock-agentcore", region_name="us-east-1"),
        ...                   Retrier(RetryPolicy.none()))
        >>> ScopedCalls(invoker, scope).user(None)
        'u-1'
    """

    def __init__(self, invoker: Invoker, scope: PaymentScope, *, bearer: bool = False) -> None:
        self.invoker = invoker
        self.scope = scope
        self._bearer = bearer

    @property
    def manager_arn(self) -> str:
        """The payment manager every call is bound to."""
        return self.scope.payment_manager_arn

    def user(self, user_id: str | None) -> str | None:
        """The call's ``userId``: the one given, else the client's default.

        In bearer mode the service reads the user from the token's subject, so a
        ``user_id`` beside it would be a second, possibly contradicting, identity.
        """
        if self._bearer and user_id is not None:
            raise InvalidInputError(
                "user_id", "in bearer mode the service takes the user from the token's subject"
            )
        return self.scope.user_id if user_id is None else user_id

    def agent(self, agent_name: str | None) -> str | None:
        """The call's ``agentName``: the one given, else the client's default."""
        return self.scope.agent_name if agent_name is None else agent_name

    def read(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call an operation that changes nothing; return its response."""
        return self.invoker.call(operation, params).data

    def create(
        self, operation: str, params: Mapping[str, Any], client_token: str | None
    ) -> tuple[dict[str, Any], str]:
        """Call an operation with an idempotency token; return the response and token."""
        reply = self.invoker.call(operation, params, client_token=client_token)
        assert reply.client_token is not None  # every create operation has a token member
        return reply.data, reply.client_token

    def delete(self, operation: str, params: Mapping[str, Any]) -> str:
        """Call a delete operation; return the resource's status."""
        try:
            response = self.invoker.call(operation, params).data
        except ResourceNotFoundError as err:
            if not err.earlier_attempt_unanswered:
                raise
            # An earlier attempt may have deleted it without us hearing back.
            return "DELETED"
        return str(response["status"])

    def items(
        self,
        operation: str,
        params: Mapping[str, Any],
        key: str,
        read: Callable[[Mapping[str, Any]], T],
    ) -> Iterator[T]:
        """Every item under ``key`` of every page of a list operation."""
        return self.invoker.items(operation, params, key, read)
