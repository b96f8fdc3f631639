"""``MeteringClient``: AWS Marketplace Metering (boto3 ``meteringmarketplace``) done safely.

One method per operation. Batch metering validates every record first, packs requests
within the service's limits, paces them under the request quota, resubmits unprocessed
records, isolates records the service refuses, and reports every input record exactly
once (see :mod:`.plan` and :mod:`.send` for the rules).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from agentcore_billing._core.clock import Clock, Monotonic, Sleep
from agentcore_billing._core.engine import Invoker, Reply
from agentcore_billing._core.errors import (
    ExpiredTokenError,
    InvalidInputError,
    MeteringAborted,
    ServiceError,
)
from agentcore_billing._core.facade import FacadeBase
from agentcore_billing._core.models import mask_secret
from agentcore_billing._core.retry import Retrier, RetryPolicy
from agentcore_billing._core.seam import LazyClient
from agentcore_billing._core.validation import checked

from .arguments import callable_or_none, key_version, optional_seconds, positive_int, positive_rate
from .batch import BatchRun, OnResult, Settings, hour_book
from .check import RecordCheck, check_records
from .dispatch import Job
from .gate import Gate, GatedPacer, gated_sleep
from .pacing import Pacer, shared_pacer
from .plan import Admitter
from .records import (
    MeterUsageInput,
    UsageAllocation,
    UsageRecord,
    check_product_code,
)
from .results import (
    BatchMeterReport,
    MeterUsageResult,
    RecordT_co,
    RegisterUsageResult,
    ResolvedCustomer,
    UsageRecordResult,
)
from .send import Sent, send_request
from .window import METER_USAGE_MAX_AGE, TimeWindow

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config
    from types_boto3_meteringmarketplace import MarketplaceMeteringClient

REGISTER_USAGE_RATE = 5.0
"""RegisterUsage's quota, in requests per second (the others allow 10)."""

DEFAULT_CHUNK_SIZE = 500

BREAKER_THRESHOLD = 3
"""Requests failing in a row (throttling, 5xx, transport) after which a batch stops sending."""


class MeteringClient(FacadeBase["MarketplaceMeteringClient"]):
    """AWS Marketplace Metering: batch metering, MeterUsage, ResolveCustomer, RegisterUsage.

    Args:
        client: an existing boto3 ``meteringmarketplace`` client (its own botocore
            retries then stack under ours, and a warning is logged; build it with
            ``total_max_attempts=1``).
        session: a boto3 session to build the client from.
        region_name: the Region, when building the client.
        endpoint_url: a custom endpoint (an emulator), when building the client.
        retry: the :class:`RetryPolicy` for every call and for resubmitting
            unprocessed records.
        product_code: the product this client meters: the default ProductCode of
            legacy records, MeterUsage and RegisterUsage, and, as on a call, the
            product of new-integration records, so records of many licenses share
            requests. Metering several products with one client: name each on the call.
        max_workers: BatchMeterUsage requests in flight at once (1 = sequential).
        max_requests_per_second: the pace for BatchMeterUsage, MeterUsage and
            ResolveCustomer (the service quota is 10; RegisterUsage is held at 5).
        window: the :class:`TimeWindow` records are checked against (MeterUsage uses
            the same window narrowed to six hours).
        config: a botocore ``Config`` merged into the one the library builds;
            ``retries`` allowing more than one attempt is refused. The client built
            here skips botocore's own parameter check (every record was checked by
            ``UsageRecord`` already); ``Config(parameter_validation=True)`` turns it
            back on, e.g. for calls of your own through :attr:`client`.
        sleep: how to wait (injected in tests).
        monotonic: elapsed-time source (injected in tests).
        clock: UTC wall clock for the time window (injected in tests).
        rng: random source for back-off jitter (injected in tests).
        chunk_size: the most records a streaming batch holds unanswered at once (its
            read-ahead; memory stays bounded by it).
        batch_deadline: seconds a batch call may spend sending; past it, every record
            not yet answered is reported UNPROCESSED at once (``None``: no limit).

    Example:
        >>> metering = MeteringClient(region_name="us-east-1", product_code="prod-abc123",
        ...                           max_workers=1)
        >>> metering.max_requests_per_second
        10.0
    """

    service_name = "meteringmarketplace"
    # Every parameter sent comes from a validated model checked against the service
    # model's rules (tests/core/test_service_rule_drift.py); botocore's second walk over
    # 25 records was 15 % of a batch call.
    botocore_validates = False

    def __init__(
        self,
        *,
        client: MarketplaceMeteringClient | None = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        retry: RetryPolicy | None = None,
        product_code: str | None = None,
        max_workers: int = 4,
        max_requests_per_second: float = 10.0,
        window: TimeWindow | None = None,
        config: Config | None = None,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        batch_deadline: float | None = None,
    ) -> None:
        super().__init__(
            client=client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            retry=retry,
            config=config,
            sleep=sleep,
            monotonic=monotonic,
            clock=clock,
            rng=rng,
        )
        self.product_code = None if product_code is None else check_product_code(product_code)
        self.max_workers = positive_int("max_workers", max_workers)
        self.chunk_size = positive_int("chunk_size", chunk_size)
        self.max_requests_per_second = positive_rate(max_requests_per_second)
        if window is not None and not isinstance(window, TimeWindow):
            raise InvalidInputError("window", "must be a TimeWindow or None", type(window).__name__)
        self.window = window or TimeWindow()
        self.batch_deadline = optional_seconds("batch_deadline", batch_deadline)
        self._rng = rng
        self._sleep = sleep
        self._own_time = sleep is not None or monotonic is not None
        self._rates = {
            "BatchMeterUsage": self.max_requests_per_second,
            "MeterUsage": self.max_requests_per_second,
            "ResolveCustomer": self.max_requests_per_second,
            "RegisterUsage": min(REGISTER_USAGE_RATE, self.max_requests_per_second),
        }
        self._pacers: dict[str, Pacer] = {}

    def _pacer(self, operation: str) -> Pacer:
        """The pacer of ``operation``: shared by every client of this account and Region
        in the process (private when time is injected, as in tests)."""
        pacer = self._pacers.get(operation)
        if pacer is None:
            rate = self._rates[operation]
            if self._own_time:
                pacer = Pacer(rate, monotonic=self._retrier.monotonic, sleep=self._retrier.sleep)
            else:
                pacer = shared_pacer((operation, *_account_of(self._lazy)), rate)
            self._pacers[operation] = pacer
        return pacer

    def batch_meter_usage(
        self,
        records: Iterable[RecordT_co],
        *,
        product_code: str | None = None,
        on_result: Callable[[UsageRecordResult[RecordT_co]], object] | None = None,
        record_name: Callable[[int], str] | None = None,
    ) -> BatchMeterReport[RecordT_co]:
        """Meter any number of usage records; every record gets exactly one result.

        Collects :meth:`iter_batch_meter_usage` into a report (results in input order).

        Raises:
            MeteringAborted: a failure no record caused; ``.report`` holds every record
                read, answered ones with their outcomes, the rest UNPROCESSED.

        Example:
            >>> report = metering.batch_meter_usage(records)  # doctest: +SKIP
            >>> report.counts, report.ok                       # doctest: +SKIP
        """
        collected: list[UsageRecordResult[RecordT_co]] = []
        try:
            for result in self.iter_batch_meter_usage(
                records, product_code=product_code, on_result=on_result, record_name=record_name
            ):
                collected.append(result)
        except MeteringAborted as err:
            rest = err.report.results if err.report is not None else []
            err.report = BatchMeterReport(results=collected + rest)
            raise
        return BatchMeterReport(results=collected)

    def iter_batch_meter_usage(
        self,
        records: Iterable[RecordT_co],
        *,
        product_code: str | None = None,
        on_result: Callable[[UsageRecordResult[RecordT_co]], object] | None = None,
        record_name: Callable[[int], str] | None = None,
    ) -> Generator[UsageRecordResult[RecordT_co], None, None]:
        """Stream results in input order while reading ``records`` lazily.

        ``records`` may be any iterable (a generator of millions works): at most
        ``chunk_size`` records are held unanswered at once, and results are yielded in
        input order as answers arrive. ``on_result(result)`` is called once per record
        the moment its outcome is final (from the calling thread, never two at once).
        Records may be :class:`UsageRecord` objects or dicts of its fields; one that
        fails validation is REJECTED with the reason, never raised or dropped. A true
        repeat (identical, timestamp included) is sent once and shares the first one's
        outcome; another record for the same customer, dimension and hour is REJECTED
        as a same-hour conflict before sending.

        ``product_code`` (else the client's) goes with legacy records. It also says
        the call's new-integration (LicenseArn) records are all of that product, so
        records of many licenses share requests (it is still not sent with them);
        with no product code on the call or the client, each license gets requests of
        its own.

        On an interruption (KeyboardInterrupt, an exception from the input, the consumer
        or ``on_result``, closing the iterator) sending stops at once; answers of
        requests already on the wire go to ``on_result``, and so does an UNPROCESSED
        result for every other record read (``maybe_billed`` when its request went
        unanswered), so each record read reaches ``on_result`` exactly once. Then the
        interruption propagates unchanged. No library thread sends afterwards.

        Reasons name other records as ``record #<index>``; ``record_name(index)`` names
        them your way instead (a command line reading a file says ``line 12``).
        :meth:`check_batch` applies the same checks without sending.

        Raises:
            InvalidInputError: ``records`` is not an iterable of records, or
                ``product_code`` is malformed (before anything is read or sent).
            MeteringAborted: a failure no record caused (credentials, access denied, an
                unmapped botocore error); ``.report`` holds the records not yet yielded.

        Example:
            >>> for result in metering.iter_batch_meter_usage(records):  # doctest: +SKIP
            ...     print(result.index, result.outcome, result.reason)
        """
        admitter = self._admitter(records, product_code)
        callable_or_none("on_result", on_result)
        callable_or_none("record_name", record_name)
        run = self._run_batch(records, admitter, cast("OnResult | None", on_result), record_name)
        results = run.results()  # each result holds its input: typed as the caller's records
        return cast("Generator[UsageRecordResult[RecordT_co], None, None]", results)

    def check_batch(
        self,
        records: Iterable[RecordT_co],
        *,
        product_code: str | None = None,
        record_name: Callable[[int], str] | None = None,
    ) -> Generator[RecordCheck[RecordT_co], None, None]:
        """Check records as :meth:`iter_batch_meter_usage` would, and send nothing.

        The batch path's own checks, in its order: the field rules, the time window
        (at this moment), a product code for legacy records, the request size, and the
        same-hour book (another record for a customer, dimension and hour already seen
        is a conflict; a true repeat would be sent once). Yields one
        :class:`RecordCheck` per record, in input order, reading ``records`` lazily.
        No request is made, so neither credentials nor a Region are needed. A record
        that passes can still be refused by the service (an unknown customer, a
        dimension the product lacks). ``product_code`` and ``record_name`` mean what
        they mean for :meth:`iter_batch_meter_usage`.

        Raises:
            InvalidInputError: as :meth:`iter_batch_meter_usage` (before anything is read).

        Example:
            >>> from datetime import timezone
            >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
            >>> checker = MeteringClient(product_code="prod-abc123", clock=lambda: now)
            >>> rows = [{"timestamp": now.replace(minute=m), "dimension": "tokens",
            ...          "quantity": q, "customer_identifier": "c-1"} for m, q in [(5, 2), (9, 3)]]
            >>> [(c.ok, c.conflicts_with) for c in checker.check_batch(rows)]
            [(True, None), (False, 0)]
        """
        admitter = self._admitter(records, product_code)
        callable_or_none("record_name", record_name)
        book = hour_book(self.chunk_size, record_name)
        checks = check_records(
            records, admitter=admitter, book=book, clock=self._clock, every=self.chunk_size
        )
        return cast("Generator[RecordCheck[RecordT_co], None, None]", checks)

    def _admitter(self, records: object, product_code: str | None) -> Admitter:
        """The batch path's admission for this call; refuses a non-iterable ``records``."""
        if isinstance(records, (str, bytes, Mapping, UsageRecord)) or not isinstance(
            records, Iterable
        ):
            raise InvalidInputError(
                "records", "must be an iterable of UsageRecord or dicts", type(records).__name__
            )
        code = self.product_code if product_code is None else check_product_code(product_code)
        return Admitter(window=self.window, product_code=code, licensed_product_code=code)

    def _run_batch(
        self,
        records: Iterable[object],
        admitter: Admitter,
        on_result: OnResult | None,
        record_name: Callable[[int], str] | None,
    ) -> BatchRun:
        gate = Gate()
        policy = self._retrier.policy
        retrier = Retrier(
            policy,
            sleep=gated_sleep(gate, self._sleep),
            monotonic=self._retrier.monotonic,
            rng=self._rng,
        )
        invoker = Invoker(self._lazy, retrier)
        pacer = GatedPacer(self._pacer("BatchMeterUsage"), gate, self._sleep)

        def send(job: Job) -> Sent:
            return send_request(invoker, pacer, job.group, job.batch)

        def backoff(rounds: int) -> float:
            draw = self._rng.random() if self._rng is not None else None
            return policy.backoff(rounds, jitter_draw=draw)

        settings = Settings(
            window=self.chunk_size,
            max_workers=self.max_workers,
            policy=policy,
            breaker=BREAKER_THRESHOLD,
            deadline=self.batch_deadline,
        )
        return BatchRun(
            records,
            admitter=admitter,
            send=send,
            gate=gate,
            settings=settings,
            clock=self._clock,
            monotonic=self._retrier.monotonic,
            sleep=self._retrier.sleep,
            backoff=backoff,
            on_result=on_result,
            record_name=record_name,
        )

    def meter_usage(
        self,
        *,
        product_code: str | None = None,
        timestamp: datetime,
        dimension: str,
        quantity: int | Decimal,
        allocations: list[UsageAllocation] | None = None,
        dry_run: bool = False,
        client_token: str | None = None,
    ) -> MeterUsageResult:
        """Meter one quantity (AMI, container and AgentCore Runtime products).

        One ClientToken is minted (or yours is checked) before the first attempt and
        sent on every retry. The timestamp must lie within the last six hours.

        Raises:
            InvalidInputError: a malformed argument (before any request), listing each
                field, rule and value.
            InvalidInputError: no product code, a bad client token, or a timestamp
                outside the window (before any request).
            ServiceError: a subclass per error code, carrying ``client_token``.

        Example:
            >>> metering.meter_usage(product_code="prod-abc123", timestamp=now,
            ...                      dimension="hours", quantity=1)  # doctest: +SKIP
            MeterUsageResult(metering_record_id='...', client_token='...', dry_run=False)
        """
        request = checked(
            lambda: MeterUsageInput(
                product_code=self._product_for(product_code),
                timestamp=timestamp,
                dimension=dimension,
                quantity=quantity,
                allocations=allocations,
                dry_run=dry_run,
            )
        )
        self.window.narrowed(METER_USAGE_MAX_AGE).check(request.timestamp, self._clock())
        try:
            reply = self._call("MeterUsage", request.to_wire(), client_token)
        except ServiceError as err:
            if dry_run and err.code == "DryRunOperation":
                return MeterUsageResult(client_token=err.client_token or "", dry_run=True)
            raise
        return MeterUsageResult(
            metering_record_id=reply.data.get("MeteringRecordId"),
            client_token=reply.client_token or "",
        )

    def resolve_customer(self, registration_token: str) -> ResolvedCustomer:
        """Exchange a buyer's registration token for who they are.

        The token is a secret: it is never logged, and errors never quote it.

        Raises:
            InvalidInputError: the token is empty or not a string.
            InvalidTokenError: the service does not recognise it.
            ExpiredTokenError: it expired or was already redeemed.

        Example:
            >>> customer = metering.resolve_customer(token)  # doctest: +SKIP
            >>> customer.customer_aws_account_id, customer.license_arn  # doctest: +SKIP
        """
        if not isinstance(registration_token, str) or not registration_token:
            raise InvalidInputError(
                "registration_token", "must be a non-empty string", mask_secret(registration_token)
            )
        # A token redeems once: "expired" after an unanswered attempt probably means
        # that attempt redeemed it, so the outcome is unknown.
        reply = self._call(
            "ResolveCustomer",
            {"RegistrationToken": registration_token},
            secrets=(registration_token,),
            already_done=(ExpiredTokenError,),
        )
        return ResolvedCustomer.from_wire(reply.data)

    def register_usage(
        self, *, product_code: str | None = None, public_key_version: int, nonce: str | None = None
    ) -> RegisterUsageResult:
        """Register a paid container task or pod (entitlement check and hourly metering).

        Raises:
            InvalidInputError: no product code, ``public_key_version`` < 1 or not an
                int, or a ``nonce`` over 255 characters (before any request).
            ServiceError: a subclass per error code (e.g. CustomerNotEntitledError).

        Example:
            >>> result = metering.register_usage(product_code="prod-abc123",
            ...                                  public_key_version=1)  # doctest: +SKIP
            >>> result.signature  # doctest: +SKIP
        """
        params: dict[str, Any] = {
            "ProductCode": self._product_for(product_code),
            "PublicKeyVersion": key_version(public_key_version),
        }
        if nonce is not None:
            if not isinstance(nonce, str) or len(nonce) > 255:
                shown = (
                    f"{len(nonce)} characters" if isinstance(nonce, str) else type(nonce).__name__
                )
                raise InvalidInputError("nonce", "a string of at most 255 characters", shown)
            params["Nonce"] = nonce
        return RegisterUsageResult.from_wire(self._call("RegisterUsage", params).data)

    def _call(
        self,
        operation: str,
        params: Mapping[str, Any],
        client_token: str | None = None,
        *,
        secrets: tuple[str, ...] = (),
        already_done: tuple[type[ServiceError], ...] = (),
    ) -> Reply:
        return self._invoker.call(
            operation,
            params,
            client_token=client_token,
            pacer=self._pacer(operation),
            secrets=secrets,
            already_done=already_done,
        )

    def _product_for(self, product_code: str | None) -> str:
        code = product_code if product_code is not None else self.product_code
        if code is None:
            raise InvalidInputError(
                "product_code", "required: pass product_code=... here or to MeteringClient"
            )
        return check_product_code(code)


def _account_of(lazy: LazyClient) -> tuple[object, ...]:
    """Region, endpoint and access key id: what one request quota is counted against."""
    meta = lazy.get().meta
    return (meta.region_name, meta.endpoint_url, lazy.access_key_id())
