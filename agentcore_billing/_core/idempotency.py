"""Client tokens: minted once per logical call, reused on every attempt.

botocore fills an omitted idempotency token with a fresh uuid on *every* method call,
so a retry loop above botocore that lets it do so creates a second session or payment.
The facades therefore resolve the token here, once, before the retry loop, and send
it explicitly on every attempt.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInputError

# A fixed namespace so the same idempotency key always derives the same token.
_TOKEN_NAMESPACE = uuid.UUID("6f1d9a52-3c1e-5b7e-9d0a-4a1b2c3d4e5f")


@dataclass(frozen=True)
class TokenRule:
    """The length and pattern an operation accepts for its client token."""

    name: str
    min_length: int
    max_length: int
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""

    def check(self, token: str, *, field: str = "client_token") -> str:
        """Return ``token`` if the service would accept it, else raise InvalidInputError."""
        if not isinstance(token, str):
            raise InvalidInputError(field, "must be a string", type(token).__name__)
        if not self.min_length <= len(token) <= self.max_length:
            raise InvalidInputError(
                field,
                f"{self.name} tokens are {self.min_length}..{self.max_length} characters",
                f"{len(token)} characters",
            )
        if self.pattern is not None and not self.pattern.fullmatch(token):
            raise InvalidInputError(
                field, f"{self.name} tokens must match {self.pattern_text}", repr(token)
            )
        return token

    @classmethod
    def from_shape(cls, shape: Any, *, name: str) -> TokenRule:
        """The rule botocore's model states for a token member (length, pattern)."""
        meta = shape.metadata
        pattern = meta.get("pattern")
        return cls(
            name=name,
            min_length=int(meta.get("min", 1)),
            max_length=int(meta.get("max", 10**6)),
            pattern=re.compile(pattern) if pattern else None,
            pattern_text=pattern or "",
        )


PAYMENTS_TOKEN = TokenRule(
    name="AgentCore Payments",
    min_length=33,
    max_length=256,
    pattern=re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}"),
    pattern_text="[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256} (letters, digits, inner hyphens)",
)
"""CreatePaymentSession, CreatePaymentInstrument and ProcessPayment clientToken."""

METER_USAGE_TOKEN = TokenRule(name="MeterUsage", min_length=1, max_length=64)
"""MeterUsage ClientToken."""


def new_client_token() -> str:
    """A fresh random token that fits every operation's rule (a 36-character uuid4).

    Example:
        >>> len(new_client_token())
        36
    """
    return str(uuid.uuid4())


def client_token_from_key(idempotency_key: str) -> str:
    """Derive a stable client token from your own idempotency key.

    The same key always gives the same token, so a process that crashed mid-call can
    replay the same logical call (an order id, a job id) and the service will
    recognise it instead of charging or creating twice. The result is a uuid5 string,
    valid for every operation's token rule.

    Example:
        >>> client_token_from_key("order-42") == client_token_from_key("order-42")
        True
        >>> client_token_from_key("order-42") != client_token_from_key("order-43")
        True
    """
    if not isinstance(idempotency_key, str) or not idempotency_key:
        raise InvalidInputError("idempotency_key", "must be a non-empty string")
    try:
        return str(uuid.uuid5(_TOKEN_NAMESPACE, idempotency_key))
    except UnicodeEncodeError as err:
        raise InvalidInputError("idempotency_key", "must be encodable as UTF-8") from err


def resolve_client_token(given: str | None, rule: TokenRule) -> str:
    """The caller's token if valid (it always wins), else a freshly minted one.

    Example:
        >>> token = resolve_client_token(None, PAYMENTS_TOKEN)
        >>> resolve_client_token(token, PAYMENTS_TOKEN) == token
        True
    """
    if given is None:
        return new_client_token()
    return rule.check(given)
