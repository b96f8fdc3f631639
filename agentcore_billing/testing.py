"""Test helpers for code built on agentcore_billing (also a pytest plugin).

* :class:`CannedResponder` answers a real boto3 client's requests from a ``before-send``
  hook: serialization, signing and parsing stay real, nothing leaves the process.
* Fixtures ``billing_emulator``, ``billing_payments`` and ``billing_metering`` give each
  test a fresh local emulator and facades pointed at it (loaded automatically by pytest
  when this package is installed). ``billing_factory`` makes more of them, each with its
  own clock, faults and retry policy (see :class:`BillingFactory`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._core.clock import ManualClock

if TYPE_CHECKING:
    # Loaded as a pytest plugin in every run: botocore is imported only when used.
    import boto3
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

    from ._core.retry import RetryPolicy
    from ._metering.client import MeteringClient
    from ._payments.client import PaymentsClient
    from .emulator import Emulator, FaultConfig

__all__ = [
    "FAST_TEST_RETRY_DELAY",
    "BillingEnvironment",
    "BillingFactory",
    "CannedResponder",
    "ManualClock",
    "RecordedRequest",
    "emulator_session",
]

Answer = tuple[int, dict[str, Any]] | Exception
"""An HTTP status with a JSON body, or an exception to raise instead of answering."""


class _RawBody:
    """The part of a urllib3 response botocore reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


@dataclass(frozen=True)
class RecordedRequest:
    """One request a :class:`CannedResponder` saw."""

    operation: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class CannedResponder:
    """Answer a real boto3 client from memory, per operation, in order.

    ``answer(operation, request_body)`` may be given instead of queued answers; it
    returns ``(status, json_body)`` or an exception to raise.

    Example:
        >>> import boto3
        >>> client = boto3.client("meteringmarketplace", region_name="us-east-1",
        ...                       aws_access_key_id="x", aws_secret_access_key="x")
        >>> responder = CannedResponder().attach(client)
        >>> responder.queue("ResolveCustomer", 200, {"CustomerAWSAccountId": "123456789012"})
        >>> client.resolve_customer(RegistrationToken="t")["CustomerAWSAccountId"]
        '123456789012'
        >>> responder.requests[0].operation
        'ResolveCustomer'
    """

    answer: Callable[[str, dict[str, Any]], Answer] | None = field(default=None, repr=False)
    # Bodies may hold secrets and botocore logs its handlers' reprs at DEBUG.
    requests: list[RecordedRequest] = field(default_factory=list, repr=False)
    _queues: dict[str, list[Answer]] = field(default_factory=dict, repr=False)

    def attach(self, client: Any) -> CannedResponder:
        """Register on ``client``'s ``before-send`` event; returns self."""
        client.meta.events.register("before-send", self._on_send)
        return self

    def queue(self, operation: str, status: int, body: dict[str, Any]) -> None:
        """Queue one HTTP answer for ``operation`` (e.g. ``"CreatePaymentSession"``)."""
        self._queues.setdefault(operation, []).append((status, body))

    def queue_error(self, operation: str, error: Exception) -> None:
        """Queue an exception (e.g. a botocore ConnectionClosedError) for ``operation``."""
        self._queues.setdefault(operation, []).append(error)

    def _on_send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        operation = _operation_name(kwargs.get("event_name", ""))
        body = _json_body(request.body)
        self.requests.append(
            RecordedRequest(operation, request.url or "", dict(request.headers.items()), body)
        )
        answer = self._next_answer(operation, body)
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-RequestId"] = "canned-request"
        if status >= 400 and "__type" not in payload:
            headers["x-amzn-ErrorType"] = str(payload.get("code", "ServiceException"))
        raw = _RawBody(json.dumps(payload).encode())
        return AWSResponse(request.url, status, headers, raw)

    def _next_answer(self, operation: str, body: dict[str, Any]) -> Answer:
        queued = self._queues.get(operation)
        if queued:
            return queued.pop(0)
        if self.answer is not None:
            return self.answer(operation, body)
        raise AssertionError(f"CannedResponder: no answer queued for {operation}")


def _operation_name(event_name: str) -> str:
    return event_name.rsplit(".", 1)[-1]


def _json_body(body: Any) -> dict[str, Any]:
    if not body:
        return {}
    text = body.decode() if isinstance(body, bytes) else str(body)
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


# -- pytest plugin ---------------------------------------------------------------------
# Registered through the ``pytest11`` entry point; importing this module starts nothing.

try:
    import pytest as _pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixtures
    _pytest = None  # type: ignore[assignment]

FAST_TEST_RETRY_DELAY = 0.001
"""Back-off base the fixture facades use, so retries against the emulator are quick."""


def emulator_session(region_name: str = "us-east-1") -> boto3.Session:
    """A boto3 Session with dummy credentials, for clients pointed at the emulator.

    Example:
        >>> emulator_session().region_name
        'us-east-1'
    """
    import boto3

    return boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=region_name,
    )


def _test_retry() -> RetryPolicy:
    from ._core.retry import RetryPolicy

    return RetryPolicy(initial_delay=FAST_TEST_RETRY_DELAY, max_delay=0.05)


@dataclass(frozen=True)
class BillingEnvironment:
    """A running emulator and the two facades pointed at it (see :class:`BillingFactory`)."""

    emulator: Emulator
    """The emulator; ``emulator.demo`` holds the demo data when it was seeded."""
    payments: PaymentsClient
    """Bound to the demo payment manager and user when there is demo data."""
    metering: MeteringClient
    """On the emulator's endpoint, with the environment's retry policy and clock."""
    clock: ManualClock | None
    """The hand-driven clock the emulator and facades share, when one was given."""


class BillingFactory:
    """Makes emulators with facades, each with its own clock, faults and retry policy.

    The ``billing_factory`` fixture hands one to a test and stops everything it made
    when the test ends.

    Example:
        >>> from agentcore_billing.emulator import FaultConfig
        >>> factory = BillingFactory()
        >>> env = factory(faults={"ProcessPayment": FaultConfig(throttle_rate=0.5)},
        ...               clock=ManualClock())
        >>> env.emulator.demo is not None, env.clock is not None
        (True, True)
        >>> factory.close()
    """

    def __init__(self) -> None:
        self._started: list[Emulator] = []

    def __call__(
        self,
        *,
        clock: ManualClock | None = None,
        faults: Mapping[str, FaultConfig] | None = None,
        retry: RetryPolicy | None = None,
        demo_data: bool = True,
        seed: int | str | None = None,
    ) -> BillingEnvironment:
        """Start an emulator and build facades on it.

        Args:
            clock: drives the emulator's and the facades' time and sleeps (``None``:
                real time; retries then back off by milliseconds).
            faults: per-operation faults, e.g. ``{"ProcessPayment":
                FaultConfig(throttle_rate=0.3)}``.
            retry: the facades' policy (``None``: quick back-off for tests).
            demo_data: seed the demo data set.
            seed: the emulator's seed for faults (``None``: the emulator's default).
        """
        from .emulator import Emulator

        timing: dict[str, Any] = {}
        if clock is not None:
            timing = {"clock": clock.now, "monotonic": clock.monotonic, "sleep": clock.sleep}
        options: dict[str, Any] = {"faults": faults, "demo_data": demo_data, **timing}
        if seed is not None:
            options["seed"] = seed
        emulator = Emulator(**options).start()
        self._started.append(emulator)
        return BillingEnvironment(
            emulator=emulator,
            payments=_payments_on(emulator, retry or _test_retry(), timing),
            metering=_metering_on(emulator, retry or _test_retry(), timing),
            clock=clock,
        )

    def close(self) -> None:
        """Stop every emulator this factory started."""
        while self._started:
            self._started.pop().stop()


def _payments_on(emulator: Emulator, retry: RetryPolicy, timing: dict[str, Any]) -> PaymentsClient:
    from ._payments.client import PaymentsClient

    demo = emulator.demo
    return PaymentsClient(
        demo.payment_manager_arn if demo else _NO_MANAGER_ARN,
        session=emulator_session(),
        endpoint_url=emulator.endpoint_url,
        retry=retry,
        user_id=demo.user_id if demo else None,
        **timing,
    )


def _metering_on(emulator: Emulator, retry: RetryPolicy, timing: dict[str, Any]) -> MeteringClient:
    from ._metering.client import MeteringClient

    return MeteringClient(
        session=emulator_session(),
        endpoint_url=emulator.endpoint_url,
        retry=retry,
        **timing,
    )


_NO_MANAGER_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/none-0000000000"


if _pytest is not None:

    @_pytest.fixture
    def billing_emulator() -> Iterator[Emulator]:
        """A fresh emulator with the demo data set (``emu.demo``), stopped after the test."""
        from .emulator import Emulator

        with Emulator(demo_data=True) as emu:
            yield emu

    @_pytest.fixture
    def billing_payments(billing_emulator: Emulator) -> PaymentsClient:
        """A ``PaymentsClient`` on the emulator, bound to the demo payment manager."""
        return _payments_on(billing_emulator, _test_retry(), {})

    @_pytest.fixture
    def billing_metering(billing_emulator: Emulator) -> MeteringClient:
        """A ``MeteringClient`` on the emulator, defaulting to the demo legacy product."""
        from ._metering.client import MeteringClient

        demo = billing_emulator.demo
        return MeteringClient(
            session=emulator_session(),
            endpoint_url=billing_emulator.endpoint_url,
            retry=_test_retry(),
            product_code=demo.legacy_product_code if demo else None,
        )

    @_pytest.fixture
    def billing_factory() -> Iterator[BillingFactory]:
        """A :class:`BillingFactory`: ``billing_factory(clock=..., faults=..., retry=...)``."""
        factory = BillingFactory()
        try:
            yield factory
        finally:
            factory.close()
