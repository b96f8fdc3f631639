"""Client-token idempotency: same token and parameters replay, other parameters conflict."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._errors import EmulatedError


def fingerprint(params: Mapping[str, Any], exclude: Collection[str] = ()) -> str:
    """A canonical text of ``params`` without the ``exclude`` members.

    Example:
        >>> fingerprint({"b": 1, "a": 2, "token": "x"}, exclude={"token"})
        '{"a":2,"b":1}'
    """
    kept = {key: value for key, value in params.items() if key not in exclude}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), default=_canonical)


def _canonical(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class IdempotencyCache:
    """Successful results per (operation, client token), with their request fingerprint."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[str, Any]] = {}

    def replay(
        self,
        operation: str,
        token: str | None,
        params_fingerprint: str,
        conflict: Callable[[], EmulatedError],
    ) -> Any | None:
        """The stored result for a replay, None for a new token.

        Raises:
            EmulatedError: From ``conflict()`` when the token was used with other parameters.
        """
        if token is None:
            return None
        entry = self._entries.get((operation, token))
        if entry is None:
            return None
        stored_fingerprint, result = entry
        if stored_fingerprint != params_fingerprint:
            raise conflict()
        return copy.deepcopy(result)

    def store(
        self, operation: str, token: str | None, params_fingerprint: str, result: Any
    ) -> None:
        """Remember ``result`` for ``token`` (no-op without a token)."""
        if token is not None:
            self._entries[(operation, token)] = (params_fingerprint, copy.deepcopy(result))

    def clear(self) -> None:
        """Forget every token."""
        self._entries.clear()
