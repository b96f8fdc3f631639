"""``MeteringClient``: AWS Marketplace Metering (boto3 ``meteringmarketplace``) done safely.

One method per operation. Batch metering validates every record first, packs requests
within the service's limits, paces them under the request quota, resubmits unprocessed
records, isolates records the service refuses, and reports every input record exactly
once (see :mod:`.plan` and :mod:`.send` for the rules).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from agentcore_billing._core.clock import Clock, Monotonic, Sleep
from agentcore_billing._core.engine import Reply
from agentcore_billing._core.errors import ExpiredTokenError, InvalidInputError, ServiceError
from agentcore_billing._core.facade import FacadeBase
from agentcore_billing._core.models import mask_secret
from agentcore_billing._core.retry import RetryPolicy
from agentcore_billing._core.validation import checked

from .batch import stream_results
from .pacing import Pacer
from .plan import ChunkPlanner
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
from .send import RequestRunner
from .window import METER_USAGE_MAX_AGE, TimeWindow

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config
    from types_boto3_meteringmarketplace import MarketplaceMeteringClient

REGISTER_USAGE_RATE = 5.0
"""RegisterUsage's quota, in requests per second (the others allow 10)."""

DEFAULT_CHUNK_SIZE = 500


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
            ``retries`` allowing more than one attempt is refused.
        sleep: how to wait (injected in tests).
        monotonic: elapsed-time source (injected in tests).
        clock: UTC wall clock for the time window (injected in tests).
        rng: random source for back-off jitter (injected in tests).
        chunk_size: records read and settled per pass of the streaming batch.

    Example:
        >>> metering = MeteringClient(region_name="us-east-1", product_code="prod-abc123",
        ...                           max_workers=1)
        >>> metering.max_requests_per_second
        10.0
    """

    service_name = "meteringmarketplace"

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
        self.max_workers = _positive_int("max_workers", max_workers)
        self.chunk_size = _positive_int("chunk_size", chunk_size)
        self.max_requests_per_second = _positive_rate(max_requests_per_second)
        if window is not None and not isinstance(window, TimeWindow):
            raise InvalidInputError("window", "must be a TimeWindow or None", type(window).__name__)
        self.window = window or TimeWindow()
        self._rng = rng
        self._pacers = {
            operation: Pacer(rate, monotonic=self._retrier.monotonic, sleep=self._retrier.sleep)
            for operation, rate in (
                ("BatchMeterUsage", self.max_requests_per_second),
                ("MeterUsage", self.max_requests_per_second),
                ("ResolveCustomer", self.max_requests_per_second),
                ("RegisterUsage", min(REGISTER_USAGE_RATE, self.max_requests_per_second)),
            )
        }

    def batch_meter_usage(
        self, records: Iterable[RecordT_co], *, product_code: str | None = None
    ) -> BatchMeterReport[RecordT_co]:
        """Meter any number of usage records; every record gets exactly one result.

        Collects :meth:`iter_batch_meter_usage` into a report (results in input order).

        Example:
            >>> report = metering.batch_meter_usage(records)  # doctest: +SKIP
            >>> report.counts, report.ok                       # doctest: +SKIP
        """
        return BatchMeterReport(
            results=list(self.iter_batch_meter_usage(records, product_code=product_code))
        )

    def iter_batch_meter_usage(
        self, records: Iterable[RecordT_co], *, product_code: str | None = None
    ) -> Iterator[UsageRecordResult[RecordT_co]]:
        """Stream results in input order while reading ``records`` lazily.

        ``records`` may be any iterable (a generator of millions works): it is read
        ``chunk_size`` at a time, and each chunk's results are yielded before the next
        is read (with ``max_workers`` above 1, once a chunk has needed several
        requests, one chunk is read and sent ahead so the workers stay busy).
        Records may be :class:`UsageRecord` objects or dicts of its fields; one that
        fails validation is REJECTED with the reason, never raised or dropped.
        Exact duplicates in a chunk are sent once and share one outcome.

        ``product_code`` (else the client's) goes with legacy records. It also says
        the call's new-integration (LicenseArn) records are all of that product, so
        records of many licenses share requests (it is still not sent with them);
        with no product code on the call or the client, each license gets requests of
        its own.

        Raises:
            InvalidInputError: ``records`` is not an iterable of records, or
                ``product_code`` is malformed (before anything is read or sent).

        Example:
            >>> for result in metering.iter_batch_meter_usage(records):  # doctest: +SKIP
            ...     print(result.index, result.outcome, result.reason)
        """
        if isinstance(records, (str, bytes, Mapping, UsageRecord)) or not isinstance(
            records, Iterable
        ):
            raise InvalidInputError(
                "records", "must be an iterable of UsageRecord or dicts", type(records).__name__
            )
        code = self.product_code if product_code is None else check_product_code(product_code)
        runner = RequestRunner(self._invoker, self._pacers["BatchMeterUsage"], rng=self._rng)
        results = stream_results(
            records,
            planner=ChunkPlanner(window=self.window, product_code=code, licensed_product_code=code),
            runner=runner,
            clock=self._clock,
            max_workers=self.max_workers,
            chunk_size=self.chunk_size,
        )
        return cast("Iterator[UsageRecordResult[RecordT_co]]", results)  # each holds its input

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
            "PublicKeyVersion": _public_key_version(public_key_version),
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
            pacer=self._pacers[operation],
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


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(name, "an int >= 1", repr(value))
    return value


MIN_REQUESTS_PER_SECOND = 0.001
"""The slowest pace accepted (one request per 1000 s): slower ones overflow the pacer's
arithmetic (a rate of 5e-324 divided by zero)."""


def _positive_rate(value: object) -> float:
    rule = f"a number from {MIN_REQUESTS_PER_SECOND} up"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError("max_requests_per_second", rule, repr(value))
    rate = float(value)
    if not MIN_REQUESTS_PER_SECOND <= rate < float("inf"):
        raise InvalidInputError("max_requests_per_second", rule, repr(value))
    return rate


def _public_key_version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("public_key_version", "an int >= 1", repr(value))
    return value
