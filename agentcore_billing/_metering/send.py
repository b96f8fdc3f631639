"""Sending one packed BatchMeterUsage request until every record in it is settled.

A request's records end in exactly one of these ways:

* the service answers with a status for them (Success, DuplicateRecord,
  CustomerNotSubscribed);
* the service lists them as ``UnprocessedRecords`` (HTTP 200, which botocore never
  retries): the same wire records are sent again after the retry policy's back-off,
  until they are answered or the policy's attempts or deadline run out (UNPROCESSED);
* the whole request is refused for a record-level cause (TimestampOutOfBounds, invalid
  dimension, tag, allocations, customer or license): it is split in halves and the halves
  sent again until the bad records stand alone (REJECTED with the service's code) and the
  good ones are metered. Isolating ``k`` bad records among ``n`` takes at most
  ``1 + 2*k*ceil(log2 n)`` calls (11 for one among 25) and never more than the whole
  tree, ``2n - 1`` (49); a hard cap of :data:`MAX_SPLIT_CALLS` extra calls per request
  also covers records refused again after a resubmission;
* the whole request is refused for a product- or account-level cause (invalid product
  code, disabled API, access denied, ...): its records and the rest of the product's
  records in this call are REJECTED with that code;
* throttling, 5xx or transport errors outlast the retry policy of :class:`Invoker`:
  the records are UNPROCESSED (never raised mid-stream, never dropped).

Records the answer does not mention are treated as unprocessed and sent again (an
identical record is idempotent), so a surprising answer cannot lose one.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agentcore_billing._core.engine import Invoker
from agentcore_billing._core.errors import InvalidInputError, ServiceError

from .matching import Matcher
from .pacing import Pacer
from .packing import MAX_RECORDS_PER_REQUEST, GroupKey, halves
from .plan import Entry, Settled, request_product_code
from .results import SERVICE_STATUSES, MeteringOutcome

logger = logging.getLogger(__name__)

OPERATION = "BatchMeterUsage"

RECORD_FAULTS = frozenset(
    {
        "TimestampOutOfBoundsException",
        "InvalidUsageDimensionException",
        "InvalidTagException",
        "InvalidUsageAllocationsException",
        "InvalidCustomerIdentifierException",
        "InvalidLicenseException",
        "ParamValidationError",
    }
)
"""Whole-request refusals caused by some record in it: isolate it by bisection."""

MAX_SPLIT_CALLS = 2 * MAX_RECORDS_PER_REQUEST - 2
"""Extra calls bisection may spend on one packed request (a full tree over 25 records)."""

_STATUS_REASONS = {
    MeteringOutcome.DUPLICATE_RECORD: (
        "DuplicateRecord: the same customer, dimension and time were metered earlier with "
        "another quantity; this quantity is not billed"
    ),
    MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED: (
        "CustomerNotSubscribed: the buyer has no active agreement for this product"
    ),
}


class RefusedGroups:
    """Groups the service refused as a whole during one call (thread-safe).

    Example:
        >>> refused = RefusedGroups()
        >>> refused.add(("product", "p"), "InvalidProductCodeException")
        >>> refused.get(("product", "p"))
        'InvalidProductCodeException'
    """

    def __init__(self) -> None:
        self._codes: dict[GroupKey, str] = {}
        self._lock = threading.Lock()

    def add(self, group: GroupKey, code: str) -> None:
        """Remember that ``group`` was refused with ``code``."""
        with self._lock:
            self._codes.setdefault(group, code)

    def get(self, group: GroupKey) -> str | None:
        """The code ``group`` was refused with, or ``None``."""
        with self._lock:
            return self._codes.get(group)


@dataclass(frozen=True)
class _Answered:
    finals: dict[int, Settled]
    unprocessed: list[Entry]


@dataclass(frozen=True)
class _Refused:
    kind: Literal["record", "group", "transient"]
    code: str
    message: str


@dataclass
class _Job:
    group: GroupKey
    started: float
    todo: deque[tuple[list[Entry], int]] = field(default_factory=deque)
    finals: dict[int, Settled] = field(default_factory=dict)
    split_calls: int = 0

    def settle(self, batch: list[Entry], outcome: MeteringOutcome, reason: str) -> None:
        for entry in batch:
            self.finals[entry.index] = Settled(outcome, reason=reason)


class RequestRunner:
    """Drives packed requests of one call to a final outcome per record.

    Thread-safe: one instance serves all workers of a call; each :meth:`run` keeps its
    own state.
    """

    def __init__(
        self,
        invoker: Invoker,
        pacer: Pacer,
        *,
        rng: random.Random | None = None,
        refused: RefusedGroups | None = None,
    ) -> None:
        self._invoker = invoker
        self._retrier = invoker.retrier
        self._pacer = pacer
        self._rng = rng
        self.refused = refused or RefusedGroups()

    def run(self, group: GroupKey, entries: list[Entry]) -> dict[int, Settled]:
        """Send ``entries`` (one packed request) and return each record's final outcome."""
        job = _Job(group=group, started=self._retrier.monotonic())
        job.todo.append((entries, 0))
        while job.todo:
            batch, round_number = job.todo.popleft()
            self._step(job, batch, round_number)
        return job.finals

    def _step(self, job: _Job, batch: list[Entry], round_number: int) -> None:
        code = self.refused.get(job.group)
        if code is not None:
            job.settle(batch, MeteringOutcome.REJECTED, f"{code}: refused for this product")
            return
        if round_number and not self._pause(job, round_number):
            job.settle(
                batch,
                MeteringOutcome.UNPROCESSED,
                f"UnprocessedRecords: still unprocessed after {round_number} submissions "
                "(retry budget exhausted); resending it is safe",
            )
            return
        reply = self._send(job.group, batch)
        if isinstance(reply, _Answered):
            job.finals.update(reply.finals)
            if reply.unprocessed:
                job.todo.append((reply.unprocessed, round_number + 1))
        else:
            self._refused(job, batch, round_number, reply)

    def _pause(self, job: _Job, round_number: int) -> bool:
        """Wait before resubmission ``round_number``; False when the budget is spent."""
        policy = self._retrier.policy
        if round_number >= policy.max_attempts:
            return False
        draw = self._rng.random() if self._rng is not None else None
        wait = policy.backoff(round_number, jitter_draw=draw)
        elapsed = self._retrier.monotonic() - job.started
        if policy.deadline is not None and elapsed + wait > policy.deadline:
            return False
        logger.debug("%s: resubmission %d, waiting %.3fs", OPERATION, round_number, wait)
        self._retrier.sleep(wait)
        return True

    def _send(self, group: GroupKey, batch: list[Entry]) -> _Answered | _Refused:
        params: dict[str, Any] = {"UsageRecords": [entry.wire for entry in batch]}
        product_code = request_product_code(group)
        if product_code is not None:
            params["ProductCode"] = product_code
        logger.debug("%s: sending %d records (%s group)", OPERATION, len(batch), group[0])
        try:
            response = self._invoker.call(OPERATION, params, pacer=self._pacer).data
        except InvalidInputError as err:
            return _Refused("record", "ParamValidationError", str(err))
        except ServiceError as err:
            return _refusal(err)
        return _read_answer(batch, response)

    def _refused(self, job: _Job, batch: list[Entry], round_number: int, reply: _Refused) -> None:
        reason = f"{reply.code}: {reply.message}" if reply.message else reply.code
        if reply.kind == "transient":
            job.settle(batch, MeteringOutcome.UNPROCESSED, f"{reason} (retry budget exhausted)")
        elif reply.kind == "group":
            self.refused.add(job.group, reply.code)
            job.settle(batch, MeteringOutcome.REJECTED, reason)
        elif len(batch) == 1:
            job.settle(batch, MeteringOutcome.REJECTED, reason)
        elif job.split_calls + 2 > MAX_SPLIT_CALLS:
            job.settle(
                batch,
                MeteringOutcome.UNPROCESSED,
                f"{reply.code}: the refused record was not isolated within "
                f"{MAX_SPLIT_CALLS} extra calls",
            )
        else:
            left, right = halves(batch)
            logger.debug(
                "%s: %s for %d records, splitting %d + %d",
                OPERATION,
                reply.code,
                len(batch),
                len(left),
                len(right),
            )
            job.split_calls += 2
            job.todo.appendleft((right, round_number))
            job.todo.appendleft((left, round_number))


def _refusal(err: ServiceError) -> _Refused:
    if err.code in RECORD_FAULTS:
        return _Refused("record", err.code, err.message)
    if err.retryable:
        return _Refused("transient", err.code, err.message)
    return _Refused("group", err.code, err.message)


def _read_answer(batch: list[Entry], response: Mapping[str, Any]) -> _Answered:
    results = list(response.get("Results") or [])
    unprocessed_echoes = list(response.get("UnprocessedRecords") or [])
    if not unprocessed_echoes and _in_order(batch, results):
        answered = _Answered(
            {entry.index: _settled(result) for result, entry in zip(results, batch, strict=True)},
            [],
        )
    else:
        answered = _match_answer(batch, results, unprocessed_echoes)
    logger.debug(
        "%s: %d answered, %d unprocessed (request %s)",
        OPERATION,
        len(answered.finals),
        len(answered.unprocessed),
        (response.get("ResponseMetadata") or {}).get("RequestId") or "-",
    )
    return answered


_ECHOED_FIELDS = (
    "Dimension",
    "CustomerIdentifier",
    "CustomerAWSAccountId",
    "LicenseArn",
    "Quantity",
    "QuantityAsDecimal",
)


def _in_order(batch: list[Entry], results: list[Any]) -> bool:
    """Whether result ``i`` plainly echoes sent record ``i`` for every ``i``.

    The usual answer; it spares the :class:`Matcher`'s normalised keys. Any doubt (a
    field written differently, a timestamp in another form) returns False and the
    answer is matched by content instead.
    """
    if len(results) != len(batch):
        return False
    for result, entry in zip(results, batch, strict=True):
        echo = result.get("UsageRecord") if isinstance(result, Mapping) else None
        if not isinstance(echo, Mapping):
            return False
        wire = entry.wire
        if any(echo.get(name) != wire.get(name) for name in _ECHOED_FIELDS):
            return False
        if not _same_second(echo.get("Timestamp"), wire["Timestamp"]):
            return False
    return True


def _same_second(echoed: object, sent: datetime) -> bool:
    """Whether an echoed timestamp (epoch number or aware datetime) is ``sent``'s second."""
    if isinstance(echoed, datetime):
        if echoed.tzinfo is None:
            return False
        echoed = echoed.timestamp()
    if not isinstance(echoed, (int, float)) or isinstance(echoed, bool):
        return False
    return math.floor(echoed) == math.floor(sent.timestamp())


def _match_answer(
    batch: list[Entry], results: list[Any], unprocessed_echoes: list[Any]
) -> _Answered:
    matcher = Matcher((entry.wire, entry) for entry in batch)
    echoes = [result.get("UsageRecord") for result in results] + unprocessed_echoes
    matched = matcher.match(echoes)
    finals: dict[int, Settled] = {}
    for result, entry in zip(results, matched[: len(results)], strict=True):
        if entry is not None:
            finals[entry.index] = _settled(result)
    unprocessed = [entry for entry in matched[len(results) :] if entry is not None]
    missing = matcher.remaining()
    unmatched = matched.count(None)
    if missing or unmatched:
        logger.debug(
            "%s: %d records missing from the answer, %d echoes unrecognised; resending",
            OPERATION,
            len(missing),
            unmatched,
        )
    unprocessed.extend(missing)
    unprocessed.sort(key=lambda entry: entry.index)
    return _Answered(finals, unprocessed)


def _settled(result: Mapping[str, Any]) -> Settled:
    status = result.get("Status")
    record_id = result.get("MeteringRecordId") or None
    if status not in SERVICE_STATUSES:
        return Settled(MeteringOutcome.REJECTED, record_id, f"unexpected status {status!r}")
    outcome = MeteringOutcome(status)
    return Settled(outcome, record_id, _STATUS_REASONS.get(outcome))
