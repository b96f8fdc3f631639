"""The call paths every control-plane operation shares: tokens, deletes, pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from agentcore_billing._core.errors import ResourceNotFoundError
from agentcore_billing._core.facade import FacadeBase

T = TypeVar("T")


class ControlBase(FacadeBase[Any]):
    """What the control-plane operations build on; see ``PaymentsControlClient``."""

    service_name = "bedrock-agentcore-control"

    def _mutate(
        self, operation: str, params: Mapping[str, Any], client_token: str | None
    ) -> tuple[dict[str, Any], str | None]:
        reply = self._invoker.call(operation, params, client_token=client_token)
        return reply.data, reply.client_token

    def _write(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        # No token member, but it changes state: a lost answer leaves the outcome unknown.
        return self._invoker.call(operation, params, mutating=True).data

    def _read(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._invoker.call(operation, params).data

    def _items(
        self,
        operation: str,
        params: Mapping[str, Any],
        key: str,
        read: Callable[[Mapping[str, Any]], T],
    ) -> Iterator[T]:
        return self._invoker.items(operation, params, key, read)

    def _delete(self, operation: str, params: Mapping[str, Any], client_token: str | None) -> str:
        try:
            data, _ = self._mutate(operation, params, client_token)
        except ResourceNotFoundError as err:
            if not err.earlier_attempt_unanswered:
                raise
            # An earlier attempt may have deleted it without us hearing back.
            return "DELETED"
        return str(data["status"])
