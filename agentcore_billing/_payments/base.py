"""The call paths every payments operation shares: scope, tokens, deletes, pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from agentcore_billing._core.errors import ResourceNotFoundError
from agentcore_billing._core.facade import FacadeBase

from .models.requests import PaymentScope

T = TypeVar("T")


class PaymentsBase(FacadeBase):
    """What the payments operations build on; see ``PaymentsClient`` for the public face."""

    service_name = "bedrock-agentcore"
    _scope: PaymentScope

    @property
    def payment_manager_arn(self) -> str:
        """The payment manager this client is bound to."""
        return self._scope.payment_manager_arn

    def _user(self, user_id: str | None) -> str | None:
        return self._scope.user_id if user_id is None else user_id

    def _agent(self, agent_name: str | None) -> str | None:
        return self._scope.agent_name if agent_name is None else agent_name

    def _create(
        self, operation: str, params: Mapping[str, Any], client_token: str | None
    ) -> tuple[dict[str, Any], str]:
        reply = self._invoker.call(operation, params, client_token=client_token)
        assert reply.client_token is not None  # every create operation has a token member
        return reply.data, reply.client_token

    def _delete(self, operation: str, params: Mapping[str, Any]) -> str:
        try:
            response = self._invoker.call(operation, params).data
        except ResourceNotFoundError as err:
            if not err.earlier_attempt_unanswered:
                raise
            # An earlier attempt may have deleted it without us hearing back.
            return "DELETED"
        return str(response["status"])

    def _items(
        self,
        operation: str,
        params: Mapping[str, Any],
        key: str,
        read: Callable[[Mapping[str, Any]], T],
    ) -> Iterator[T]:
        for page in self._invoker.pages(operation, params):
            for item in page.get(key) or ():
                yield read(item)
