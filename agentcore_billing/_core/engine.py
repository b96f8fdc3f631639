"""The engine: the one call path of every facade, from operation name to mapped reply.

A facade hands over the AWS operation name and its finished parameters (and the
caller's client token, and a pacer where one applies). The engine derives the boto3
method and the idempotency member from botocore's service model, resolves and checks
the token once and sends it on every attempt, retries, paces, maps botocore failures
to :mod:`agentcore_billing._core.errors` classes, and builds each error once with its
final flags (``outcome_unknown``, ``earlier_attempt_unanswered``). botocore's own
exceptions quote request values, so only a :class:`~._core.redaction.ScrubbedCause`
is chained to the errors it raises. The call's deadline is hard (:mod:`.deadline`): no
wait or retry runs past it, and the last attempt's read timeout is cut to the time left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from botocore import xform_name
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from .deadline import MIN_ATTEMPT, Budget, attempt_within
from .errors import (
    AgentCoreBillingError,
    ConfigurationError,
    DeadlineExceededError,
    InternalServerError,
    InvalidInputError,
    ServiceError,
    ThrottlingError,
    TransportError,
    from_client_error,
)
from .idempotency import TokenRule, resolve_client_token
from .redaction import ScrubbedCause, redacting, scrub, without_values
from .redaction import install as install_redaction
from .retry import Retrier
from .seam import LazyClient

T = TypeVar("T")

_TRANSPORT_ERRORS = (BotoConnectionError, HTTPClientError, ResponseParserError)
_CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError)


class Pacer(Protocol):
    """What the engine needs of a request pacer (see ``_metering.pacing.Pacer``).

    ``acquire_after(delay, limit)`` returns ``None``, waiting for nothing, when the
    first slot after ``delay`` lies more than ``limit`` seconds away.
    """

    def acquire(self) -> float: ...
    def acquire_after(self, delay: float, limit: float | None = None) -> float | None: ...
    def on_throttle(self) -> None: ...
    def on_success(self) -> None: ...


class _Unpaced:
    """The pacer of calls that are not paced: every method is a no-op."""

    def acquire(self) -> float:
        return 0.0

    def acquire_after(self, delay: float, limit: float | None = None) -> float | None:
        return None if limit is not None and delay > limit else 0.0

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
        """Whether a lost answer leaves the outcome unknown.

        Operations with an idempotency token change state, and so do deletes (which
        take none): a delete whose answer was lost may have deleted.
        """
        return self.token_member is not None or self.name.startswith("Delete")


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
        secrets: Sequence[str] = (),
        already_done: tuple[type[ServiceError], ...] = (),
    ) -> Reply:
        """Call ``operation`` with ``params`` under retry; return the reply.

        When the operation has an idempotency member, ``client_token`` (or one minted
        now) is checked against the service's rule and sent on every attempt.

        Args:
            operation: the AWS operation name, e.g. ``CreatePaymentSession``.
            params: the request parameters, without the client token.
            client_token: the caller's token; ``None`` mints one when the operation
                takes one.
            mutating: overrides what the service model says (a token member, or a
                ``Delete`` operation, means the call changes state).
            pacer: paces attempts (a retry's slot is taken after its back-off).
            on_retry: told ``(error, attempt, wait)`` before each back-off.
            secrets: argument values no message, log or cause may quote.
            already_done: error classes that, after an earlier attempt went
                unanswered, mean that attempt took effect (a token already redeemed):
                the error is then flagged ``outcome_unknown``.

        Raises:
            ServiceError: a subclass per error code, built with its final flags:
                ``client_token``; ``outcome_unknown`` for a mutating call whose last
                failure was a transport error or a 5xx (or an ``already_done`` error
                after an unanswered attempt); ``earlier_attempt_unanswered``.
            ConfigurationError: missing credentials.
            InvalidInputError: a bad client token, or botocore refused the parameters.
        """
        spec = self.spec(operation)
        token = self._token(spec, client_token)
        if token is not None and spec.token_member is not None:
            params = {**params, spec.token_member: token}
        call = _Call(
            spec=spec,
            params=params,
            token=token,
            mutating=spec.mutating if mutating is None else mutating,
            secrets=tuple(secrets),
            already_done=already_done,
        )
        return Reply(self._run(call, pacer or UNPACED, on_retry), token)

    @staticmethod
    def _token(spec: OperationSpec, given: str | None) -> str | None:
        if spec.token_rule is None:
            if given is not None:
                raise InvalidInputError("client_token", f"{spec.name} takes no client token")
            return None
        return resolve_client_token(given, spec.token_rule)

    def _run(
        self,
        call: _Call,
        pacer: Pacer,
        on_retry: Callable[[BaseException, int, float], None] | None,
    ) -> dict[str, Any]:
        bound = getattr(self.client, call.spec.method)
        unanswered: list[bool] = []
        pacer.acquire()
        # The deadline counts from the first slot: every later wait and attempt is in it.
        started = self.retrier.monotonic()
        budget = self.retrier.budget(started)

        def attempt() -> dict[str, Any]:
            return _attempt(bound, call, budget)

        def note_retry(error: BaseException, attempt_number: int, wait: float) -> None:
            if isinstance(error, ThrottlingError):
                pacer.on_throttle()
            # A retry's slot is taken after its back-off, so waiting holds no slot. A slot
            # leaving the attempt too little time ends the call with this failure.
            limit = None if budget.ends is None else budget.left() - MIN_ATTEMPT
            if pacer.acquire_after(wait, limit) is None:
                raise error
            if isinstance(error, (TransportError, InternalServerError)):
                unanswered.append(True)
            if on_retry is not None:
                on_retry(error, attempt_number, wait)

        failure: ServiceError | None = None
        try:
            data = self.retrier.run(
                attempt, operation=call.spec.name, on_retry=note_retry, started=started
            )
        except ServiceError as err:
            failure = err
        if failure is None:
            pacer.on_success()
            return data
        if isinstance(failure, ThrottlingError):
            pacer.on_throttle()
        # Raised outside the handler, from the scrubbed cause only: botocore's own
        # exception quotes request values and must not ride along as __context__.
        raise call.final(failure, unanswered=bool(unanswered)) from failure.__cause__

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

    def items(
        self,
        operation: str,
        params: Mapping[str, Any],
        key: str,
        read: Callable[[Mapping[str, Any]], T],
    ) -> Iterator[T]:
        """Every item under ``key`` of every page of a list operation, read by ``read``."""
        for page in self.pages(operation, params):
            for item in page.get(key) or ():
                yield read(item)


@dataclass(frozen=True)
class _Call:
    """One logical call: what every attempt sends and how its failure is judged."""

    spec: OperationSpec
    params: Mapping[str, Any]
    token: str | None
    mutating: bool
    secrets: tuple[str, ...]
    already_done: tuple[type[ServiceError], ...]

    def final(self, err: ServiceError, *, unanswered: bool) -> ServiceError:
        """The error the caller sees: ``err`` with the call's final flags."""
        lost = self.mutating and isinstance(err, (TransportError, InternalServerError))
        redeemed = unanswered and isinstance(err, self.already_done)
        return err.replace(
            earlier_attempt_unanswered=unanswered,
            outcome_unknown=err.outcome_unknown or lost or redeemed,
        )


def _attempt(bound: Callable[..., dict[str, Any]], call: _Call, budget: Budget) -> dict[str, Any]:
    try:
        with redacting(), attempt_within(budget):
            return bound(**call.params)
    except (ClientError, *_TRANSPORT_ERRORS, *_CREDENTIAL_ERRORS, ParamValidationError) as err:
        failure = _mapped(err, call, budget)
        cause = ScrubbedCause.of(err, call.secrets)
    # Outside the handler, so the raw botocore exception is not kept as __context__.
    raise failure from cause


def _mapped(err: Exception, call: _Call, budget: Budget) -> AgentCoreBillingError:
    operation = call.spec.name
    if isinstance(err, ClientError):
        mapped = from_client_error(err, operation=operation, client_token=call.token)
        return mapped.replace(message=scrub(mapped.message, call.secrets))
    if isinstance(err, ReadTimeoutError) and budget.cut_to is not None:
        return DeadlineExceededError(
            operation=operation,
            code="DeadlineExceeded",
            message=(
                f"RetryPolicy.deadline of {budget.deadline:g}s reached: no answer in the "
                f"{budget.cut_to:.2f}s left to this attempt (its read timeout was cut to "
                "that); the request may have been processed"
            ),
            client_token=call.token,
        )
    if isinstance(err, _TRANSPORT_ERRORS):
        return TransportError(
            operation=operation,
            code=type(err).__name__,
            message="no usable response from the service",
            client_token=call.token,
        )
    if isinstance(err, _CREDENTIAL_ERRORS):
        return ConfigurationError(f"{operation}: no usable AWS credentials ({type(err).__name__})")
    detail = scrub(without_values(str(err)), call.secrets)
    return InvalidInputError("request", f"botocore refused it: {detail}")


def _read_spec(client: Any, operation: str) -> OperationSpec:
    model = client.meta.service_model.operation_model(operation)
    members = model.idempotent_members
    if not members:
        return OperationSpec(operation, xform_name(operation), None, None)
    shape = model.input_shape.members[members[0]]
    return OperationSpec(
        operation, xform_name(operation), members[0], TokenRule.from_shape(shape, name=operation)
    )
