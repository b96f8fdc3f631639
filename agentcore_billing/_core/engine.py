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
from dataclasses import dataclass
from typing import Any, Protocol

from botocore import xform_name
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
    ThrottlingError,
    TransportError,
    from_client_error,
)
from .idempotency import TokenRule, resolve_client_token
from .redaction import install as install_redaction
from .redaction import redacting
from .retry import Retrier
from .seam import LazyClient

_TRANSPORT_ERRORS = (BotoConnectionError, HTTPClientError, ResponseParserError)
_VALUE_IN_MESSAGE = re.compile(r", value: .*?(?=, valid|, type|$)", re.MULTILINE)


class Pacer(Protocol):
    """What the engine needs of a request pacer (see ``_metering.pacing.Pacer``)."""

    def acquire(self) -> float: ...
    def acquire_after(self, delay: float) -> float: ...
    def on_throttle(self) -> None: ...
    def on_success(self) -> None: ...


class _Unpaced:
    """The pacer of calls that are not paced: every method is a no-op."""

    def acquire(self) -> float:
        return 0.0

    def acquire_after(self, delay: float) -> float:
        return 0.0

    def on_throttle(self) -> None:
        return None

    def on_success(self) -> None:
        return None


UNPACED: Pacer = _Unpaced()


@dataclass(frozen=True)
class OperationSpec:
    """What the engine learns about one operation from botocore's service model."""

    name: str
    method: str
    token_member: str | None
    token_rule: TokenRule | None

    @property
    def mutating(self) -> bool:
        """Operations with an idempotency token are the ones that change state."""
        return self.token_member is not None


@dataclass(frozen=True)
class Reply:
    """One answered call: the response and the client token it carried (if any)."""

    data: dict[str, Any]
    client_token: str | None = None


class Invoker:
    """The one call path: operation name in, mapped response or mapped error out.

    A facade hands over the AWS operation name and its parameters (and the caller's
    client token, and a pacer where one applies). The engine derives the boto3 method,
    finds the idempotency member in botocore's operation model, resolves and checks the
    token once and sends it on every attempt, retries, paces and maps errors.

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
        self._specs: dict[str, OperationSpec] = {}
        install_redaction()

    @property
    def client(self) -> Any:
        """The underlying boto3 client (built on first use)."""
        return self._client.get()

    def spec(self, operation: str) -> OperationSpec:
        """The method name and token member of ``operation`` (cached per client)."""
        found = self._specs.get(operation)
        if found is None:
            found = self._specs[operation] = _read_spec(self.client, operation)
        return found

    def call(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        client_token: str | None = None,
        mutating: bool | None = None,
        pacer: Pacer | None = None,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
    ) -> Reply:
        """Call ``operation`` with ``params`` under retry; return the reply.

        When the operation has an idempotency member, ``client_token`` (or one minted
        now) is checked against the service's rule and sent on every attempt.

        Raises:
            ServiceError: a subclass per error code, carrying ``client_token``; for a
                mutating call whose last failure was a transport error or a 5xx,
                ``outcome_unknown`` is set; ``earlier_attempt_unanswered`` tells whether
                an earlier attempt went without an answer.
            ConfigurationError: missing credentials.
            InvalidInputError: a bad client token, or botocore refused the parameters.
        """
        spec = self.spec(operation)
        token = self._token(spec, client_token)
        if token is not None and spec.token_member is not None:
            params = {**params, spec.token_member: token}
        mutates = spec.mutating if mutating is None else mutating
        data = self._run(
            spec, params, token, mutating=mutates, pacer=pacer or UNPACED, on_retry=on_retry
        )
        return Reply(data, token)

    @staticmethod
    def _token(spec: OperationSpec, given: str | None) -> str | None:
        if spec.token_rule is None:
            if given is not None:
                raise InvalidInputError("client_token", f"{spec.name} takes no client token")
            return None
        return resolve_client_token(given, spec.token_rule)

    def _run(
        self,
        spec: OperationSpec,
        params: Mapping[str, Any],
        token: str | None,
        *,
        mutating: bool,
        pacer: Pacer,
        on_retry: Callable[[BaseException, int, float], None] | None,
    ) -> dict[str, Any]:
        bound = getattr(self.client, spec.method)
        unanswered: list[bool] = []

        def attempt() -> dict[str, Any]:
            return self._attempt(bound, params, spec.name, token)

        def note_retry(error: BaseException, attempt_number: int, wait: float) -> None:
            if isinstance(error, (TransportError, InternalServerError)):
                unanswered.append(True)
            if isinstance(error, ThrottlingError):
                pacer.on_throttle()
            # A retry's slot is taken after its back-off, so waiting holds no slot.
            pacer.acquire_after(wait)
            if on_retry is not None:
                on_retry(error, attempt_number, wait)

        pacer.acquire()
        try:
            data = self.retrier.run(attempt, operation=spec.name, on_retry=note_retry)
        except ServiceError as err:
            if isinstance(err, ThrottlingError):
                pacer.on_throttle()
            err.earlier_attempt_unanswered = bool(unanswered)
            if mutating and isinstance(err, (TransportError, InternalServerError)):
                err.outcome_unknown = True
            raise
        pacer.on_success()
        return data

    def pages(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        token_key: str = "nextToken",
    ) -> Iterator[dict[str, Any]]:
        """Yield every page of a list operation, each page retried on its own."""
        next_token: str | None = None
        while True:
            page_params = dict(params)
            if next_token:
                page_params[token_key] = next_token
            page = self.call(operation, page_params).data
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


def _read_spec(client: Any, operation: str) -> OperationSpec:
    model = client.meta.service_model.operation_model(operation)
    members = model.idempotent_members
    if not members:
        return OperationSpec(operation, xform_name(operation), None, None)
    shape = model.input_shape.members[members[0]]
    return OperationSpec(
        operation, xform_name(operation), members[0], TokenRule.from_shape(shape, name=operation)
    )
