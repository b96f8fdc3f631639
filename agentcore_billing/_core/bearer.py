"""JWT bearer mode: unsigned requests that carry ``Authorization: Bearer <token>``.

A payment manager whose authorizer is ``CUSTOM_JWT`` takes the caller's identity from
a JWT instead of SigV4. The client is built with ``signature_version=UNSIGNED``, so
botocore neither looks for AWS credentials nor adds ``X-Amz-Date`` or
``X-Amz-Security-Token``; a ``before-sign`` handler adds the bearer header (and drops
any ``X-Amz-*`` auth header a caller's config might still produce). The token is
read per request from ``token_provider`` when one is given, so a refreshed token is
used as soon as it exists; it is never logged (botocore's request log line is
withheld during our calls, see ``redaction``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore import UNSIGNED
from botocore.config import Config
from pydantic import SecretStr

from .errors import ConfigurationError, InvalidInputError
from .models import mask_secret

TokenProvider = Callable[[], "str | SecretStr"]
_FORBIDDEN = ("\r", "\n", "\x00")
_AWS_AUTH_HEADERS = ("X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-SHA256")


def _checked(token: Any, *, field: str) -> str:
    text = token.get_secret_value() if isinstance(token, SecretStr) else token
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(field, "must be a non-empty string", type(token).__name__)
    if any(char in text for char in _FORBIDDEN) or not text.isascii():
        raise InvalidInputError(
            field, "must be printable ASCII (no CR, LF or NUL)", mask_secret(text)
        )
    return text.strip()


class BearerAuth:
    """Adds the bearer header to every request of one client.

    Example:
        >>> auth = BearerAuth(bearer_token="eyJ.a.b")
        >>> auth.config().signature_version is UNSIGNED
        True
        >>> auth
        BearerAuth(static token)
    """

    def __init__(
        self,
        *,
        bearer_token: str | SecretStr | None = None,
        token_provider: TokenProvider | None = None,
    ) -> None:
        if (bearer_token is None) == (token_provider is None):
            raise InvalidInputError(
                "bearer_token", "give exactly one of bearer_token and token_provider"
            )
        if token_provider is not None and not callable(token_provider):
            raise InvalidInputError("token_provider", "must be callable returning the token")
        self._static = None if bearer_token is None else SecretStr(
            _checked(bearer_token, field="bearer_token")
        )  # fmt: skip
        self._provider = token_provider

    def __repr__(self) -> str:
        return f"BearerAuth({'static token' if self._static is not None else 'token provider'})"

    @staticmethod
    def config() -> Config:
        """The botocore config of an unsigned client."""
        return Config(signature_version=UNSIGNED)

    def install(self, client: Any) -> None:
        """Register the header handler on ``client``'s events."""
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-sign.{service}", self._add_header)

    def token(self) -> str:
        """The token for the next request (from the provider, when there is one)."""
        if self._static is not None:
            return self._static.get_secret_value()
        assert self._provider is not None
        try:
            given = self._provider()
        except Exception as err:
            # The provider's message may quote the token; say only what failed.
            raise ConfigurationError(f"token_provider failed ({type(err).__name__})") from None
        try:
            return _checked(given, field="token_provider()")
        except InvalidInputError as err:
            raise ConfigurationError(str(err)) from None

    def _add_header(self, request: Any, **_: Any) -> None:
        for name in _AWS_AUTH_HEADERS:
            if name in request.headers:
                del request.headers[name]
        request.headers["Authorization"] = f"Bearer {self.token()}"
