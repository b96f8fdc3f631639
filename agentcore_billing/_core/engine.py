"""The shared call path of both facades: one boto3 call under retry, mapped errors.

A facade hands over the boto3 method name, the finished request parameters and, for
idempotent operations, the client token it resolved once. This module runs the
attempts, turns botocore failures into :mod:`agentcore_billing._core.errors` classes that
carry the operation, request id and token, and marks the outcome of a mutating call as
unknown when the request may have taken effect without an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from .errors import (
    ConfigurationError,
    InternalServerError,
    InvalidInputError,
    ServiceError,
    TransportError,
    from_client_error,
)
from .redaction import install as install_redaction
from .redaction import redacting
from .retry import Retrier
from .seam import LazyClient

_TRANSPORT_ERRORS = (BotoConnectionError, HTTPClientError, ResponseParserError)
_VALUE_IN_MESSAGE = re.compile(r", value: .*?(?=, valid|, type|$)", re.MULTILINE)


class Invoker:
    """Calls one boto3 client's methods through the retry layer.

    Example:
        >>> from agentcore_billing._core.retry import RetryPolicy
        >>> invoker = Invoker(LazyClient("meteringmarketplace", region_name="us-east-1"),
        ...                   Retrier(RetryPolicy.none()))
        >>> invoker.retrier.policy.max_attempts
        1
    """

    def __init__(self, client: LazyClient, retrier: Retrier) -> None:
        self._client = client
        self.retrier = retrier
        install_redaction()

    @property
    def client(self) -> Any:
        """The underlying boto3 client (built on first use)."""
        return self._client.get()

    def call(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        operation: str,
        client_token: str | None = None,
        mutating: bool = False,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
    ) -> dict[str, Any]:
        """Call ``client.<method>(**params)`` with retries; return the response dict.

        Raises:
            ServiceError: a subclass per error code, carrying ``client_token``; for a
                ``mutating`` call whose last failure was a transport error or a 5xx,
                ``outcome_unknown`` is set; ``earlier_attempt_unanswered`` tells whether
                an earlier attempt went without an answer.
            ConfigurationError: missing credentials.
            InvalidInputError: botocore refused the parameters (a check we missed).
        """
        bound = getattr(self.client, method)
        unanswered: list[bool] = []

        def attempt() -> dict[str, Any]:
            return self._attempt(bound, params, operation, client_token)

        def note_retry(error: BaseException, attempt_number: int, wait: float) -> None:
            if isinstance(error, (TransportError, InternalServerError)):
                unanswered.append(True)
            if on_retry is not None:
                on_retry(error, attempt_number, wait)

        try:
            return self.retrier.run(attempt, operation=operation, on_retry=note_retry)
        except ServiceError as err:
            err.earlier_attempt_unanswered = bool(unanswered)
            if mutating and isinstance(err, (TransportError, InternalServerError)):
                err.outcome_unknown = True
            raise

    def pages(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        operation: str,
        token_key: str = "nextToken",
    ) -> Iterator[dict[str, Any]]:
        """Yield every page of a list operation, each page retried on its own."""
        next_token: str | None = None
        while True:
            page_params = dict(params)
            if next_token:
                page_params[token_key] = next_token
            page = self.call(method, page_params, operation=operation)
            yield page
            next_token = page.get(token_key)
            if not next_token:
                return

    @staticmethod
    def _attempt(
        bound: Callable[..., dict[str, Any]],
        params: Mapping[str, Any],
        operation: str,
        client_token: str | None,
    ) -> dict[str, Any]:
        try:
            with redacting():
                return bound(**params)
        except ClientError as err:
            raise from_client_error(err, operation=operation, client_token=client_token) from err
        except _TRANSPORT_ERRORS as err:
            raise TransportError(
                operation=operation,
                code=type(err).__name__,
                message="no usable response from the service",
                client_token=client_token,
            ) from err
        except (NoCredentialsError, PartialCredentialsError) as err:
            raise ConfigurationError(
                f"{operation}: no usable AWS credentials ({type(err).__name__})"
            ) from err
        except ParamValidationError as err:
            detail = _VALUE_IN_MESSAGE.sub("", str(err)).strip()
            raise InvalidInputError("request", f"botocore refused it: {detail}") from err
