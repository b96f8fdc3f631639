"""Helpers shared by the AgentCore payments handlers: callers, pages, amounts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ._context import CallContext, b64url, b64url_decode, jwt_subject
from ._errors import EmulatedError, validation_error
from ._idempotency import IdempotencyCache, fingerprint

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
"""Page size when ``maxResults`` is not sent."""

MAX_PAGE_SIZE = 100
"""Largest page returned (a larger ``maxResults`` is capped)."""

_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?")
_USER_HEADER = "X-Amzn-Bedrock-AgentCore-Payments-User-Id"


def caller(params: Mapping[str, Any], ctx: CallContext) -> str:
    """The user a request acts for: the user-id header, else a bearer token's ``sub``.

    Raises:
        EmulatedError: ValidationException when neither is present.
    """
    user = params.get("userId")
    if isinstance(user, str) and user.strip():
        return user.strip()
    subject = jwt_subject(ctx.headers.get("authorization"))
    if subject is not None:
        return subject
    message = f"userId is required: send the {_USER_HEADER} header (or a bearer token)"
    raise validation_error(message, fields=[("userId", message)])


def parse_amount(value: Any, field: str) -> Decimal:
    """A non-negative decimal amount string (at most 6 decimals, no exponent).

    Example:
        >>> parse_amount("5.00", "limits.maxSpendAmount.value")
        Decimal('5.00')
    """
    if isinstance(value, str) and _AMOUNT.fullmatch(value):
        return Decimal(value)
    message = f"Value {value!r} is not a non-negative decimal amount with at most 6 decimals"
    raise validation_error(message, fields=[(field, message)])


def money(amount: Decimal) -> dict[str, str]:
    """The wire form of a USD amount."""
    return {"value": format(amount, "f"), "currency": "USD"}


def paginate(
    items: Sequence[T], key: Callable[[T], str], params: Mapping[str, Any]
) -> tuple[list[T], str | None]:
    """One page of ``items`` (sorted by ``key``) after ``nextToken``, and the next token.

    Tokens carry the last key served, so deletions between pages skip nothing.
    """
    size = params.get("maxResults", DEFAULT_PAGE_SIZE)
    if size < 1:
        message = "maxResults must be at least 1"
        raise validation_error(message, fields=[("maxResults", message)])
    after = _decode_token(params.get("nextToken"))
    ordered = sorted(items, key=key)
    remaining = [item for item in ordered if after is None or key(item) > after]
    page = remaining[: min(size, MAX_PAGE_SIZE)]
    more = len(remaining) > len(page)
    return page, _encode_token(key(page[-1])) if more and page else None


def _encode_token(last_key: str) -> str:
    return b64url(json.dumps({"after": last_key}).encode())


def _decode_token(token: Any) -> str | None:
    if token is None:
        return None
    try:
        decoded = json.loads(b64url_decode(str(token)))
        after = decoded["after"]
    except (ValueError, KeyError, TypeError) as err:
        raise validation_error("nextToken is invalid", fields=[("nextToken", str(err))]) from err
    if not isinstance(after, str):
        raise validation_error("nextToken is invalid")
    return after


class Idempotent:
    """Client-token replay for the operations that mark ``clientToken`` as idempotency token.

    The fingerprint covers every parameter except ``clientToken`` and ``agentName``
    (observability only), plus the resolved caller.
    """

    def __init__(self) -> None:
        self.cache = IdempotencyCache()

    def run(
        self,
        operation: str,
        params: Mapping[str, Any],
        user: str,
        create: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """Replay the first result for a known token, else ``create()`` and remember it."""
        token = params.get("clientToken")
        key = fingerprint({**params, "userId": user}, exclude=("clientToken", "agentName"))
        cached = self.cache.replay(operation, token, key, lambda: _conflict(operation))
        if cached is not None:
            result: dict[str, Any] = cached
            return result
        result = create()
        self.cache.store(operation, token, key, result)
        return result


def _conflict(operation: str) -> EmulatedError:
    return EmulatedError(
        "ConflictException",
        f"The clientToken was already used for a {operation} request with different parameters",
    )
