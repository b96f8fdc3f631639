"""The call paths every payments operation shares: scope, tokens, deletes, pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from agentcore_billing._core.errors import ResourceNotFoundError
from agentcore_billing._core.facade import FacadeBase
from agentcore_billing._core.idempotency import PAYMENTS_TOKEN, resolve_client_token

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
        self, method: str, operation: str, params: Mapping[str, Any], client_token: str | None
    ) -> tuple[dict[str, Any], str]:
        token = resolve_client_token(client_token, PAYMENTS_TOKEN)
        response = self._invoker.call(
            method,
            {**params, "clientToken": token},
            operation=operation,
            client_token=token,
            mutating=True,
        )
        return response, token

    def _delete(self, method: str, operation: str, params: Mapping[str, Any]) -> str:
        try:
            response = self._invoker.call(method, params, operation=operation)
        except ResourceNotFoundError as err:
            if not err.earlier_attempt_unanswered:
                raise
            # An earlier attempt may have deleted it without us hearing back.
            return "DELETED"
        return str(response["status"])

    def _items(
        self,
        method: str,
        operation: str,
        params: Mapping[str, Any],
        key: str,
        read: Callable[[Mapping[str, Any]], T],
    ) -> Iterator[T]:
        for page in self._invoker.pages(method, params, operation=operation):
            for item in page.get(key) or ():
                yield read(item)
