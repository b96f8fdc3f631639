"""Turning ``PaymentsClient``'s bearer keywords into the engine's ``BearerAuth``."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from agentcore_billing._core.bearer import BearerAuth, TokenProvider
from agentcore_billing._core.errors import InvalidInputError


def bearer_mode(
    client: Any,
    user_id: str | None,
    bearer_token: str | SecretStr | None,
    token_provider: TokenProvider | None,
) -> BearerAuth | None:
    """The bearer auth for these keywords, or ``None`` for SigV4.

    Example:
        >>> bearer_mode(None, None, None, None) is None
        True
    """
    if bearer_token is None and token_provider is None:
        return None
    if client is not None:
        raise InvalidInputError(
            "client", "bearer mode builds its own unsigned client: pass session= or nothing"
        )
    if user_id is not None:
        raise InvalidInputError(
            "user_id", "in bearer mode the service takes the user from the token's subject"
        )
    return BearerAuth(bearer_token=bearer_token, token_provider=token_provider)
