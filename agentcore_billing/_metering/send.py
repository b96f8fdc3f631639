"""Sending one packed BatchMeterUsage request and reading what became of each record.

One request (its attempts run by the engine's retry layer, paced, through the call's
:class:`~.gate.Gate`) ends in one :class:`Sent`:

* ``answered``: the service answered; each record it reports gets its status (Success,
  DuplicateRecord, CustomerNotSubscribed; an unknown status is UNPROCESSED with the
  status in the reason), and the records listed in ``UnprocessedRecords`` or missing
  from the answer go back to be sent again (an identical record is idempotent);
* ``record``: the whole request was refused for a record-level cause
  (TimestampOutOfBounds, invalid dimension, tag, allocations, customer or license): the
  caller bisects it until the bad records stand alone;
* ``group``: the product code was refused: its records are REJECTED;
* ``transient``: throttling, 5xx or transport errors outlasted the retry policy;
* ``abort``: a failure no record caused (credentials, access denied, a disabled API, an
  unmapped botocore error): the batch stops and raises ``MeteringAborted``;
* ``stopped``: the gate refused an attempt because the call is ending.

``unanswered`` says whether an attempt went without an answer (it may have been billed).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError

from agentcore_billing._core.engine import Invoker, Pacer
from agentcore_billing._core.errors import (
    ConfigurationError,
    InternalServerError,
    InvalidInputError,
    ServiceError,
    TransportError,
)

from .gate import Stopped
from .matching import Matcher
from .packing import GroupKey
from .plan import Entry, Settled, request_product_code, short_text
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

GROUP_FAULTS = frozenset({"InvalidProductCodeException"})
"""Refusals of the request's product: every record of that product is refused."""

_STATUS_REASONS = {
    MeteringOutcome.DUPLICATE_RECORD: (
        "DuplicateRecord: the same customer, dimension and time were metered earlier with "
        "another quantity; this quantity is not billed"
    ),
    MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED: (
        "CustomerNotSubscribed: the buyer has no active agreement for this product"
    ),
}

Kind = Literal["answered", "record", "group", "transient", "abort", "stopped", "crash"]


@dataclass
class Sent:
    """What became of one request (see the module docstring)."""

    kind: Kind
    finals: dict[int, Settled] = field(default_factory=dict)
    unprocessed: list[Entry] = field(default_factory=list)
    code: str = ""
    message: str = ""
    error: BaseException | None = None
    unanswered: bool = False

    @property
    def reason(self) -> str:
        """``code: message`` of a refusal."""
        return short_text(f"{self.code}: {self.message}" if self.message else self.code)


def send_request(invoker: Invoker, pacer: Pacer, group: GroupKey, batch: list[Entry]) -> Sent:
    """Send one request of ``batch`` and classify what came of it (never raises)."""
    params: dict[str, Any] = {"UsageRecords": [entry.wire for entry in batch]}
    product_code = request_product_code(group)
    if product_code is not None:
        params["ProductCode"] = product_code
    logger.debug("%s: sending %d records (%s group)", OPERATION, len(batch), group[0])
    unanswered: list[bool] = []

    def on_retry(error: BaseException, attempt: int, wait: float) -> None:
        if isinstance(error, (TransportError, InternalServerError)):
            unanswered.append(True)

    try:
        response = invoker.call(OPERATION, params, pacer=pacer, on_retry=on_retry).data
    except Stopped:
        return Sent("stopped", unanswered=bool(unanswered))
    except InvalidInputError as err:
        return Sent("record", code="ParamValidationError", message=str(err))
    except ServiceError as err:
        lost = bool(unanswered) or isinstance(err, (TransportError, InternalServerError))
        return Sent(_kind(err), code=err.code, message=err.message, error=err, unanswered=lost)
    except (ConfigurationError, BotoCoreError) as err:
        return Sent("abort", code=type(err).__name__, message=str(err), error=err)
    except Exception as err:  # handed to the calling thread, raised there
        return Sent("crash", code=type(err).__name__, error=err)
    return read_answer(batch, response)


def _kind(err: ServiceError) -> Kind:
    if err.code in RECORD_FAULTS:
        return "record"
    if err.retryable:
        return "transient"
    if err.code in GROUP_FAULTS:
        return "group"
    return "abort"


def read_answer(batch: list[Entry], response: Mapping[str, Any]) -> Sent:
    """Each record's outcome from a BatchMeterUsage answer; the rest go back unprocessed."""
    results = list(response.get("Results") or [])
    unprocessed_echoes = list(response.get("UnprocessedRecords") or [])
    if not unprocessed_echoes and _in_order(batch, results):
        answered = Sent(
            "answered",
            {entry.index: _settled(result) for result, entry in zip(results, batch, strict=True)},
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
        # botocore answers with dicts; anything else takes the matcher's path.
        echo = result.get("UsageRecord") if type(result) is dict else None
        if type(echo) is not dict:
            return False
        wire = entry.wire
        if tuple(map(echo.get, _ECHOED_FIELDS)) != tuple(map(wire.get, _ECHOED_FIELDS)):
            return False
        if not _same_second(echo.get("Timestamp"), entry.second):
            return False
    return True


def _same_second(echoed: object, second: int) -> bool:
    """Whether an echoed timestamp (epoch number or aware datetime) falls in ``second``
    (whole epoch seconds)."""
    if isinstance(echoed, datetime):
        if echoed.tzinfo is None:
            return False
        echoed = echoed.timestamp()
    if not isinstance(echoed, (int, float)) or isinstance(echoed, bool):
        return False
    return math.floor(echoed) == second


def _match_answer(batch: list[Entry], results: list[Any], unprocessed_echoes: list[Any]) -> Sent:
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
    return Sent("answered", finals, unprocessed)


_KNOWN_STATUSES: dict[str, tuple[MeteringOutcome, str | None]] = {
    status.value: (status, _STATUS_REASONS.get(status)) for status in SERVICE_STATUSES
}


def _settled(result: Mapping[str, Any]) -> Settled:
    status = result.get("Status")
    record_id = result.get("MeteringRecordId") or None
    known = _KNOWN_STATUSES.get(status) if isinstance(status, str) else None
    if known is not None:
        return Settled(known[0], record_id, known[1])
    return Settled(
        MeteringOutcome.UNPROCESSED,
        record_id,
        short_text(
            f"unknown status {status!r} from the service: the outcome is not known; "
            "resending the identical record is safe and settles it"
        ),
    )
