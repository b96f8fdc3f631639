"""Every exception the library raises, and the one function that maps botocore's.

The tree::

    AgentCoreBillingError
    ├── InvalidInputError (also ValueError)     bad input caught before any request
    ├── ConfigurationError                      no region, no credentials, bad setup
    ├── CurrencyMismatchError (also TypeError)  arithmetic across currencies
    ├── MeteringFailuresError                   BatchMeterReport.raise_for_failures()
    ├── MeteringAborted                         a batch stopped by a failure no record caused
    ├── PolicyViolationError                    the offer to pay breaks the spend policy
    ├── NoAcceptableOfferError                  no offer of a 402 fits instrument and policy
    ├── InvalidChallengeError (also ValueError) a 402 answer that cannot be read
    ├── ResourceNotReadyError                   a control-plane resource did not become READY
    ├── LateEventError (also ValueError)        a usage event for an hour already sealed
    └── ServiceError                            the service (or the way to it) failed
        ├── TransportError                      connection reset, timeout: no answer
        │   └── DeadlineExceededError           the call's deadline cut its last attempt
        ├── ThrottlingError                     retried
        ├── InternalServerError                 retried (HTTP 5xx)
        │   └── InternalServiceErrorError       metering's InternalServiceErrorException
        ├── ServiceValidationError              ValidationException
        ├── AccessDeniedError, UnauthorizedError, SubscriptionRequiredError
        ├── ConflictError, ResourceNotFoundError, ServiceQuotaExceededError
        ├── IdempotencyError                    a client token reused with other parameters
        │   └── ClientTokenConflictError        Payments' ConflictException (also ConflictError)
        ├── control plane: ResourceLimitExceededError, DecryptionFailureError,
        │   EncryptionFailureError
        └── metering: TimestampOutOfBoundsError, InvalidProductCodeError,
            InvalidUsageDimensionError, InvalidTagError, InvalidUsageAllocationsError,
            InvalidCustomerIdentifierError, InvalidLicenseError, DisabledApiError,
            InvalidEndpointRegionError, DuplicateRequestError,
            IdempotencyConflictError (also IdempotencyError),
            CustomerNotEntitledError, InvalidRegionError, InvalidPublicKeyVersionError,
            PlatformNotSupportedError, InvalidTokenError, ExpiredTokenError

One rule for bad input: a facade method (``PaymentsClient.create_payment_session``,
``MeteringClient.meter_usage``, the constructors, ...) given a bad argument raises
``InvalidInputError`` (an ``AgentCoreBillingError`` and a ``ValueError``) listing each
field, rule and value (secrets masked), before any request, so ``except
AgentCoreBillingError`` catches everything a call raises. A model you construct
yourself (``Money``, ``UsageRecord``, ``X402Payment``, ...) raises pydantic's
``ValidationError``, as pydantic models do. One function describes a validation
failure for both (``agentcore_billing._core.validation``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import Self

if TYPE_CHECKING:
    from botocore.exceptions import ClientError


class AgentCoreBillingError(Exception):
    """Root of every exception this library raises.

    Example:
        >>> issubclass(ThrottlingError, AgentCoreBillingError)
        True
    """


class InvalidInputError(AgentCoreBillingError, ValueError):
    """Input refused before any request was made.

    Attributes:
        field: the (first) argument or field at fault.
        rule: the rule it broke.
        value: a printable (masked when secret) form of the value.
        problems: every ``(field, rule, value)`` found, the first one included.

    Example:
        >>> str(InvalidInputError("client_token", "33..256 characters", "'abc'"))
        "client_token: 33..256 characters (got 'abc')"
        >>> str(InvalidInputError.of([("a", "required", None), ("b", "an int", "'x'")]))
        "a: required; b: an int (got 'x')"
    """

    def __init__(
        self,
        field: str,
        rule: str,
        value: str | None = None,
        *,
        more: Sequence[tuple[str, str, str | None]] = (),
    ) -> None:
        found = [(field, rule, value), *more][:MAX_PROBLEMS]
        self.problems = [
            (
                bounded(name, MAX_VALUE),
                bounded(text),
                None if shown is None else bounded(shown, MAX_VALUE),
            )
            for name, text, shown in found
        ]
        self.field, self.rule, self.value = self.problems[0]
        text = "; ".join(_problem_text(*problem) for problem in self.problems)
        super().__init__(bounded(text))

    @classmethod
    def of(cls, problems: Sequence[tuple[str, str, str | None]]) -> InvalidInputError:
        """One error listing every ``(field, rule, value)`` problem (at least one)."""
        first, *more = problems
        return cls(*first, more=more)

    @classmethod
    def from_validation_error(cls, err: Any, *, values: bool = True) -> InvalidInputError:
        """The error listing each problem of a pydantic ``ValidationError``.

        The library's one description of a validation failure (facades raise it, the
        command line prints it with ``values=False``). Values are shown only where
        they cannot carry a secret.

        Example:
            >>> from agentcore_billing import Money
            >>> from pydantic import ValidationError
            >>> try:
            ...     Money(amount="1", currency="EUR")
            ... except ValidationError as err:
            ...     print(InvalidInputError.from_validation_error(err))
            currency: Input should be 'USD' (got 'EUR')
        """
        from .validation import problems

        return cls.of(problems(err, values=values))


def _problem_text(field: str, rule: str, value: str | None) -> str:
    return f"{field}: {rule}" if value is None else f"{field}: {rule} (got {value})"


MAX_VALUE = 200
"""The most characters of a refused value an :class:`InvalidInputError` repeats."""
MAX_PROBLEMS = 10
"""The most problems one :class:`InvalidInputError` lists."""


class ConfigurationError(AgentCoreBillingError):
    """The library cannot build what it needs (for example, no AWS region is set)."""


class CurrencyMismatchError(AgentCoreBillingError, TypeError):
    """Arithmetic or comparison between amounts of different currencies.

    Example:
        >>> str(CurrencyMismatchError("USD", "EUR", "add"))
        'cannot add USD and EUR amounts'
    """

    def __init__(self, left: str, right: str, op: str = "combine") -> None:
        self.left = left
        self.right = right
        super().__init__(f"cannot {op} {left} and {right} amounts")


class MeteringFailuresError(AgentCoreBillingError):
    """Raised by ``BatchMeterReport.raise_for_failures()`` when any record did not succeed.

    Attributes:
        report: the full report (``BatchMeterReport``).
    """

    def __init__(self, message: str, report: Any) -> None:
        self.report = report
        super().__init__(message)


class MeteringAborted(AgentCoreBillingError):  # noqa: N818 - the contract's name
    """A batch stopped because of a failure no record caused (credentials, access, ...).

    Attributes:
        report: a ``BatchMeterReport`` of every record read so far: answered ones with
            their outcomes, the rest UNPROCESSED.

    Example:
        >>> str(MeteringAborted("BatchMeterUsage: access denied", report=None))
        'BatchMeterUsage: access denied'
    """

    def __init__(self, message: str, report: Any) -> None:
        self.report = report
        super().__init__(message)


class PolicyViolationError(AgentCoreBillingError):
    """The offer that would be paid breaks a rule of the spend policy; nothing was paid.

    Attributes:
        rule: the policy rule, e.g. ``max_per_payment``.

    Example:
        >>> str(PolicyViolationError("max_per_payment", "5.00 USD is over 1.00 USD"))
        'max_per_payment: 5.00 USD is over 1.00 USD'
    """

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"{rule}: {detail}")


class NoAcceptableOfferError(AgentCoreBillingError):
    """No offer of a payment challenge fits the instrument and the policy; nothing was paid.

    Attributes:
        reasons: one line per offer, saying why it was dropped.

    Example:
        >>> str(NoAcceptableOfferError(["x402 eip155:1: network not allowed"]))
        'no acceptable offer: x402 eip155:1: network not allowed'
    """

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("no acceptable offer: " + "; ".join(reasons))


class InvalidChallengeError(AgentCoreBillingError, ValueError):
    """An HTTP answer is not a payment challenge this library can read.

    Example:
        >>> isinstance(InvalidChallengeError("not a 402"), ValueError)
        True
    """


class ResourceNotReadyError(AgentCoreBillingError):
    """A control-plane resource ended in a state that is not READY, or did not get there.

    Attributes:
        status: the last status seen.
        resource: the last model read (a manager, connector or credential provider).

    Example:
        >>> str(ResourceNotReadyError("CREATE_FAILED", None, "role not assumable"))
        'resource is CREATE_FAILED, not READY: role not assumable'
    """

    def __init__(self, status: str, resource: Any, reason: str = "") -> None:
        self.status = status
        self.resource = resource
        self.reason = reason
        text = f"resource is {status}, not READY"
        super().__init__(f"{text}: {reason}" if reason else text)

    @property
    def authorization_url(self) -> str | None:
        """A QUICK_CREATE connector's consent URL (PENDING_AUTHENTICATION), else ``None``."""
        url = getattr(self.resource, "authorization_url", None)
        return url if isinstance(url, str) else None


class LateEventError(AgentCoreBillingError, ValueError):
    """A usage event arrived for an hour the ledger has already sealed (``late_events="reject"``).

    Example:
        >>> isinstance(LateEventError("hour 10:00 is sealed"), ValueError)
        True
    """


class ServiceError(AgentCoreBillingError):
    """A call to AWS failed.

    Attributes:
        operation: the AWS operation name, e.g. ``CreatePaymentSession``.
        code: the service's error code, e.g. ``ThrottlingException``.
        message: the service's message.
        http_status: the HTTP status, or ``None`` when no response arrived.
        request_id: the AWS request id, when one came back.
        retryable: whether the library treats this failure as transient.
        client_token: the idempotency token the request carried, if any; replay
            the call with it to learn the outcome safely.
        outcome_unknown: True when the request may have taken effect (no answer,
            or a 5xx) so the caller must replay with ``client_token`` to find out.
        earlier_attempt_unanswered: True when an earlier attempt of the same call got
            no answer or a 5xx, so this error may describe the effect of that attempt
            (a "not found" after a delete, an "expired" after a redemption).

    Example:
        >>> err = ThrottlingError(operation="GetPaymentSession", code="ThrottlingException",
        ...                       message="slow down", http_status=429, request_id="req-1")
        >>> str(err)
        'GetPaymentSession [request req-1]: ThrottlingException (HTTP 429): slow down'
    """

    retryable_by_default: ClassVar[bool] = False
    FIELDS: ClassVar[tuple[str, ...]]
    """The constructor's keywords, read from its signature: the one list of fields."""

    def __init__(
        self,
        *,
        operation: str,
        code: str,
        message: str = "",
        http_status: int | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        client_token: str | None = None,
        outcome_unknown: bool = False,
        earlier_attempt_unanswered: bool = False,
    ) -> None:
        # Code, message and request id come from the wire: none may grow a message.
        self.operation = bounded(operation, MAX_VALUE)
        self.code = bounded(code, MAX_VALUE)
        self.message = bounded(message)
        self.http_status = http_status
        self.request_id = None if request_id is None else bounded(request_id, MAX_VALUE)
        self.retryable = self.retryable_by_default if retryable is None else retryable
        self.client_token = client_token
        self.outcome_unknown = outcome_unknown
        self.earlier_attempt_unanswered = earlier_attempt_unanswered
        # Built once, with the final flags: str(err) is err.args[0].
        super().__init__(self._render())

    def fields(self) -> dict[str, Any]:
        """The constructor keywords that rebuild this error.

        Example:
            >>> err = ThrottlingError(operation="MeterUsage", code="ThrottlingException")
            >>> err.fields()["retryable"]
            True
        """
        return {name: getattr(self, name) for name in self.FIELDS}

    def replace(self, **changes: Any) -> Self:
        """A new error of the same class with ``changes`` applied (errors are not mutated).

        Example:
            >>> err = TransportError(operation="DeletePaymentSession", code="ReadTimeoutError")
            >>> err.replace(outcome_unknown=True).outcome_unknown, err.outcome_unknown
            (True, False)
        """
        return type(self)(**{**self.fields(), **changes})

    def _render(self) -> str:
        where = self.operation + (f" [request {self.request_id}]" if self.request_id else "")
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        text = f"{where}: {self.code}{status}"
        if self.message:
            text += f": {self.message}"
        if self.outcome_unknown and self.client_token is not None:
            text += (
                "; the outcome is unknown: replay the call with client_token="
                f"{self.client_token!r} to complete it exactly once"
            )
        elif self.outcome_unknown:
            text += "; the outcome is unknown: the request may have taken effect unanswered"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.fields()))


ServiceError.FIELDS = tuple(inspect.signature(ServiceError.__init__).parameters)[1:]


def _rebuild(cls: type[ServiceError], fields: dict[str, Any]) -> ServiceError:
    return cls(**fields)


MAX_MESSAGE = 2000
"""The most characters of a service message or input value an error repeats."""


def bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut.

    Example:
        >>> bounded("x" * 30, limit=10)
        'xxxxxxxxxx... (20 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


class TransportError(ServiceError):
    """No usable HTTP answer: connection refused or reset, timeout, broken response."""

    retryable_by_default = True


class DeadlineExceededError(TransportError):
    """The call's ``RetryPolicy.deadline`` passed while its last attempt awaited an answer.

    That attempt's read timeout was cut to the time left, so the call ends on time; the
    request was sent and may have been processed. For a call with a client token,
    ``outcome_unknown`` is set: replay it with ``client_token`` to settle it.

    Example:
        >>> err = DeadlineExceededError(operation="MeterUsage", code="DeadlineExceeded")
        >>> isinstance(err, TransportError), err.retryable
        (True, True)
    """


class ThrottlingError(ServiceError):
    """ThrottlingException: the request rate is over the quota. Retried."""

    retryable_by_default = True


class InternalServerError(ServiceError):
    """InternalServerException or another 5xx: a transient service fault. Retried."""

    retryable_by_default = True


class InternalServiceErrorError(InternalServerError):
    """Metering's InternalServiceErrorException. Retried."""


class ServiceValidationError(ServiceError):
    """ValidationException: the service refused the input."""


class AccessDeniedError(ServiceError):
    """AccessDeniedException: the caller lacks permission."""


class UnauthorizedError(ServiceError):
    """UnauthorizedException: the bearer or workload token is invalid."""


class SubscriptionRequiredError(ServiceError):
    """SubscriptionRequiredException: the account needs a subscription for this feature."""


class ConflictError(ServiceError):
    """ConflictException: the request conflicts with the resource's state or a token reuse."""


class ResourceNotFoundError(ServiceError):
    """ResourceNotFoundException: no such session, instrument or manager."""


class ServiceQuotaExceededError(ServiceError):
    """ServiceQuotaExceededException (HTTP 402): a quota or spend limit would be exceeded."""


class ResourceLimitExceededError(ServiceError):
    """ResourceLimitExceededException: a control-plane resource limit is reached."""


class DecryptionFailureError(ServiceError):
    """DecryptionFailure: the service could not decrypt a credential provider's secret."""


class EncryptionFailureError(ServiceError):
    """EncryptionFailure: the service could not encrypt a credential provider's secret."""


class TimestampOutOfBoundsError(ServiceError):
    """TimestampOutOfBoundsException: a record's time is outside the accepted window."""


class InvalidProductCodeError(ServiceError):
    """InvalidProductCodeException: the product code is not the seller's."""


class InvalidUsageDimensionError(ServiceError):
    """InvalidUsageDimensionException: the dimension is not one of the product's."""


class InvalidTagError(ServiceError):
    """InvalidTagException: a tag is malformed or there are more than five."""


class InvalidUsageAllocationsError(ServiceError):
    """InvalidUsageAllocationsException: allocations do not add up or mix quantity types."""


class InvalidCustomerIdentifierError(ServiceError):
    """InvalidCustomerIdentifierException: unknown CustomerIdentifier."""


class InvalidLicenseError(ServiceError):
    """InvalidLicenseException: the LicenseArn is invalid or does not match the customer."""


class DisabledApiError(ServiceError):
    """DisabledApiException: the API is disabled in this Region."""


class InvalidEndpointRegionError(ServiceError):
    """InvalidEndpointRegionException: the endpoint's Region differs from the resource's."""


class DuplicateRequestError(ServiceError):
    """DuplicateRequestException: this hour and dimension were already metered differently."""


class IdempotencyError(ServiceError):
    """A client token was reused with other parameters: catch this for every service.

    ``meter_usage`` raises :class:`IdempotencyConflictError` (Metering's
    IdempotencyConflictException); ``create_payment_session``,
    ``create_payment_instrument`` and ``process_payment`` raise
    :class:`ClientTokenConflictError` (Payments' ConflictException, also a
    :class:`ConflictError`). Use a new token for the new parameters, or the old
    parameters to replay.

    Example:
        >>> issubclass(IdempotencyConflictError, IdempotencyError)
        True
        >>> issubclass(ClientTokenConflictError, ConflictError)
        True
    """


class IdempotencyConflictError(IdempotencyError):
    """IdempotencyConflictException: a ClientToken was reused with other parameters."""


class ClientTokenConflictError(ConflictError, IdempotencyError):
    """ConflictException answering a Payments create or payment that sent a client token.

    The service's answer to a token reused with other parameters.
    """


# Payments operations whose ConflictException means a client token reuse (the only
# conflict they document; the control plane's creates also conflict on names).
_TOKEN_CONFLICT_OPERATIONS = frozenset(
    {"CreatePaymentSession", "CreatePaymentInstrument", "ProcessPayment"}
)


class CustomerNotEntitledError(ServiceError):
    """CustomerNotEntitledException: the customer has no valid subscription."""


class InvalidRegionError(ServiceError):
    """InvalidRegionException: RegisterUsage called outside the task's Region."""


class InvalidPublicKeyVersionError(ServiceError):
    """InvalidPublicKeyVersionException: the public key version is not valid."""


class PlatformNotSupportedError(ServiceError):
    """PlatformNotSupportedException: metering is not supported on this platform."""


class InvalidTokenError(ServiceError):
    """InvalidTokenException: the registration token is invalid."""


class ExpiredTokenError(ServiceError):
    """ExpiredTokenException: the registration token has expired or was already used."""


ERROR_CLASSES: dict[str, type[ServiceError]] = {
    "ThrottlingException": ThrottlingError,
    "InternalServerException": InternalServerError,
    "InternalServiceErrorException": InternalServiceErrorError,
    "ValidationException": ServiceValidationError,
    "AccessDeniedException": AccessDeniedError,
    "UnauthorizedException": UnauthorizedError,
    "SubscriptionRequiredException": SubscriptionRequiredError,
    "ConflictException": ConflictError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ServiceQuotaExceededException": ServiceQuotaExceededError,
    "ResourceLimitExceededException": ResourceLimitExceededError,
    "DecryptionFailure": DecryptionFailureError,
    "EncryptionFailure": EncryptionFailureError,
    "TimestampOutOfBoundsException": TimestampOutOfBoundsError,
    "InvalidProductCodeException": InvalidProductCodeError,
    "InvalidUsageDimensionException": InvalidUsageDimensionError,
    "InvalidTagException": InvalidTagError,
    "InvalidUsageAllocationsException": InvalidUsageAllocationsError,
    "InvalidCustomerIdentifierException": InvalidCustomerIdentifierError,
    "InvalidLicenseException": InvalidLicenseError,
    "DisabledApiException": DisabledApiError,
    "InvalidEndpointRegionException": InvalidEndpointRegionError,
    "DuplicateRequestException": DuplicateRequestError,
    "IdempotencyConflictException": IdempotencyConflictError,
    "CustomerNotEntitledException": CustomerNotEntitledError,
    "InvalidRegionException": InvalidRegionError,
    "InvalidPublicKeyVersionException": InvalidPublicKeyVersionError,
    "PlatformNotSupportedException": PlatformNotSupportedError,
    "InvalidTokenException": InvalidTokenError,
    "ExpiredTokenException": ExpiredTokenError,
}
"""Service error code -> exception class, for every wrapped service."""

# Codes botocore's own standard retry mode treats as throttling or transient.
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "ServiceUnavailable"})


def error_class_for(code: str, http_status: int | None) -> type[ServiceError]:
    """Choose the exception class for a service error code (never by message text).

    Example:
        >>> error_class_for("ValidationException", 400).__name__
        'ServiceValidationError'
        >>> error_class_for("SomethingNew", 503).__name__
        'InternalServerError'
    """
    known = ERROR_CLASSES.get(code)
    if known is not None:
        return known
    if code in _THROTTLING_CODES or http_status == 429:
        return ThrottlingError
    if code in _TRANSIENT_CODES or (http_status is not None and http_status >= 500):
        return InternalServerError
    return ServiceError


def from_client_error(
    err: ClientError, *, operation: str | None = None, client_token: str | None = None
) -> ServiceError:
    """Map a botocore ``ClientError`` to this library's exception (not raised).

    Example:
        >>> from botocore.exceptions import ClientError
        >>> boto_err = ClientError(
        ...     {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
        ...      "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": "r-1"}},
        ...     "CreatePaymentSession")
        >>> err = from_client_error(boto_err)
        >>> type(err).__name__, err.request_id, err.retryable
        ('ThrottlingError', 'r-1', True)
    """
    response: dict[str, Any] = dict(err.response or {})
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "Unknown")
    status = meta.get("HTTPStatusCode")
    http_status = int(status) if status is not None else None
    cls = error_class_for(code, http_status)
    if cls is ConflictError and client_token and operation in _TOKEN_CONFLICT_OPERATIONS:
        cls = ClientTokenConflictError
    return cls(
        operation=operation or getattr(err, "operation_name", None) or "Unknown",
        code=code,
        message=str(error.get("Message") or ""),
        http_status=http_status,
        request_id=meta.get("RequestId") or None,
        client_token=client_token,
    )
