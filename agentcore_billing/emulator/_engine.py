"""Request dispatch, fault injection and state of the emulator (no sockets here)."""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from agentcore_billing._core.clock import Clock, Monotonic, Sleep

from ._context import CallContext, IdSource
from ._control import ControlPlane
from ._control_routes import path_params
from ._customers import Directory
from ._errors import EmulatedError, validation_error
from ._faults import FaultConfig, FaultInjector, FaultKind
from ._metering import MeteringBackend
from ._metering_rules import violation_error
from ._models import CONTROL, METERING, PAYMENTS, OperationSpec, catalog
from ._payments import PaymentsBackend
from ._protocol import (
    HttpResponse,
    RequestParseError,
    error_response,
    parse_params,
    success_response,
)
from ._records import RequestRecord
from ._validation import summarize, validate

logger = logging.getLogger(__name__)

MAX_METERING_BODY = 1_000_000
"""Metering requests must be under 1 MB."""

REQUEST_LOG_LIMIT = 20_000
"""The request log keeps the latest this many requests (a long-running emulator's
memory stays bounded); ``counts`` keeps counting all of them."""

_INTERNAL_ERROR = {
    PAYMENTS: "InternalServerException",
    METERING: "InternalServiceErrorException",
    CONTROL: "InternalServerException",
}
_UNKNOWN = "UnknownOperation"


@dataclass(frozen=True)
class RawRequest:
    """An HTTP request as read from the socket (header names lower-cased)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class _Result:
    response: HttpResponse
    error_code: str | None
    fault: FaultKind | None = None
    unprocessed: int = 0


def _parse(spec: OperationSpec, raw: RawRequest) -> tuple[dict[str, Any], RequestParseError | None]:
    try:
        params = parse_params(spec.model.input_shape, raw.headers, raw.body)
    except RequestParseError as err:
        return {}, err
    if spec.route is not None:
        params.update(path_params(spec.route, raw.path, spec.model.input_shape))
    return params, None


class Engine:
    """Routes requests to the payments and metering backends under one lock.

    ``dispatch`` returns the response to write, or None to close the connection
    without answering (a reset, or a drop after commit).
    """

    def __init__(
        self,
        *,
        seed: int | str | None,
        faults: Mapping[str, FaultConfig],
        quotas: Mapping[str, float | None],
        clock: Clock,
        monotonic: Monotonic,
        sleep: Sleep,
    ) -> None:
        self.lock = threading.RLock()
        self.catalog = catalog()
        # Unseeded emulators keep seed 0's fault streams; only their ids are fresh.
        fault_seed = 0 if seed is None else seed
        self.faults = FaultInjector(
            seed=fault_seed, faults=faults, quotas=quotas, monotonic=monotonic
        )
        self.ids = IdSource(seed)
        self.directory = Directory()
        self.payments = PaymentsBackend()
        self.metering = MeteringBackend(self.directory)
        self.control = ControlPlane()
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._sequence = 0
        self.counts: Counter[tuple[str, str]] = Counter()
        self._clock = clock
        self._sleep = sleep

    def now(self) -> datetime:
        """The emulator's wall-clock time (UTC)."""
        return self._clock().astimezone(timezone.utc)

    def context(self, spec: OperationSpec | None, headers: Mapping[str, str]) -> CallContext:
        """The handler context for one call (``spec`` None: seeding from Python)."""
        name = spec.name if spec is not None else ""
        return CallContext(
            now=self.now(),
            headers=headers,
            ids=self.ids,
            unprocessed=lambda count: self.faults.unprocessed_mask(name, count),
        )

    def dispatch(self, raw: RawRequest) -> HttpResponse | None:
        """Handle one request end to end (see the class docstring)."""
        request_id = str(uuid.uuid4())
        received = self.now()
        spec = self.catalog.resolve(raw.method, raw.path, raw.headers)
        if spec is None:
            return self._unknown(raw, request_id, received)
        params, parse_error = _parse(spec, raw)
        decision = self.faults.decide(spec.name)
        if decision.latency > 0:
            self._sleep(decision.latency)
        fault = decision.before_commit
        if fault is FaultKind.RESET:
            self._record(
                spec.name, params, received=received, status=None, error_code=None, fault=fault,
                headers=raw.headers,
            )  # fmt: skip
            return None
        if fault is not None:
            result = self._injected(spec, fault, request_id)
        else:
            result = self._execute(spec, params, parse_error, raw, request_id)
        if decision.drop_after_commit and fault is None:
            self._record(
                spec.name,
                params,
                received=received,
                status=None,
                error_code=result.error_code,
                fault=FaultKind.DROP_AFTER_COMMIT,
                headers=raw.headers,
            )
            return None
        self._record(
            spec.name,
            params,
            received=received,
            status=result.response.status,
            error_code=result.error_code,
            fault=fault or result.fault,
            headers=raw.headers,
            unprocessed=result.unprocessed,
        )
        return result.response

    def _execute(
        self,
        spec: OperationSpec,
        params: dict[str, Any],
        parse_error: RequestParseError | None,
        raw: RawRequest,
        request_id: str,
    ) -> _Result:
        try:
            self._check_request(spec, params, parse_error, raw)
            with self.lock:
                backend: PaymentsBackend | MeteringBackend | ControlPlane = self.control
                if spec.service == PAYMENTS:
                    backend = self.payments
                elif spec.service == METERING:
                    backend = self.metering
                output = backend.handle(spec.name, params, self.context(spec, raw.headers))
        except EmulatedError as err:
            return self._error(spec, err, request_id)
        except Exception:  # a bug must answer a 5xx, not hang the client
            logger.exception("emulator failed on %s", spec.name)
            error = EmulatedError(_INTERNAL_ERROR[spec.service], "Internal emulator error")
            return self._error(spec, error, request_id)
        response = success_response(
            spec.protocol, spec.success_status, spec.model.output_shape, output, request_id
        )
        unprocessed = (
            len(output.get("UnprocessedRecords") or ()) if spec.name == "BatchMeterUsage" else 0
        )
        return _Result(response, None, FaultKind.UNPROCESSED if unprocessed else None, unprocessed)

    def _check_request(
        self,
        spec: OperationSpec,
        params: dict[str, Any],
        parse_error: RequestParseError | None,
        raw: RawRequest,
    ) -> None:
        if parse_error is not None:
            if spec.service != METERING:
                raise validation_error(str(parse_error), reason="CannotParse")
            raise EmulatedError("SerializationException", str(parse_error))
        if spec.service == METERING and len(raw.body) >= MAX_METERING_BODY:
            raise EmulatedError("ValidationException", "Each request must be less than 1 MB")
        violations = validate(spec.model.input_shape, params)
        if not violations:
            return
        if spec.service == METERING:
            raise violation_error(violations)
        fields = [(violation.field, violation.message) for violation in violations]
        raise validation_error(summarize(violations), fields=fields)

    def _injected(self, spec: OperationSpec, fault: FaultKind, request_id: str) -> _Result:
        if fault is FaultKind.ERROR:
            error = EmulatedError(_INTERNAL_ERROR[spec.service], "Internal error (injected)")
        elif fault is FaultKind.QUOTA:
            error = EmulatedError("ThrottlingException", f"Rate exceeded for {spec.name}")
        else:
            error = EmulatedError("ThrottlingException", "Rate exceeded (injected)")
        return _Result(self._error(spec, error, request_id).response, error.code, fault)

    def _error(self, spec: OperationSpec, error: EmulatedError, request_id: str) -> _Result:
        status = self.catalog.error_status(spec.service, error.code)
        return _Result(error_response(spec.protocol, status, error, request_id), error.code)

    def _unknown(self, raw: RawRequest, request_id: str, received: datetime) -> HttpResponse:
        target = raw.headers.get("x-amz-target")
        error = EmulatedError(
            "UnknownOperationException",
            f"No operation for {raw.method} {raw.path} (target {target!r})",
        )
        if target is not None:
            response = error_response("json", 400, error, request_id)
        else:
            response = error_response("rest-json", 404, error, request_id)
        self._record(
            _UNKNOWN,
            {},
            received=received,
            status=response.status,
            error_code=error.code,
            fault=None,
            headers=raw.headers,
        )
        return response

    def _record(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        received: datetime,
        status: int | None,
        error_code: str | None,
        fault: FaultKind | None,
        headers: Mapping[str, str] | None = None,
        unprocessed: int = 0,
    ) -> None:
        token = params.get("clientToken", params.get("ClientToken"))
        committed = error_code is None and fault not in (FaultKind.RESET, FaultKind.QUOTA)
        if fault is FaultKind.RESET:
            outcome = "reset"
        elif fault is FaultKind.DROP_AFTER_COMMIT:
            outcome = "dropped"
        else:
            outcome = error_code or "ok"
        with self.lock:
            self._sequence += 1
            self.requests.append(
                RequestRecord(
                    sequence=self._sequence,
                    operation=operation,
                    client_token=token if isinstance(token, str) else None,
                    status=status,
                    error_code=error_code,
                    fault=fault,
                    committed=committed,
                    received_at=received,
                    params=MappingProxyType(copy.deepcopy(dict(params))),
                    headers=MappingProxyType(dict(headers or {})),
                    unprocessed_records=unprocessed,
                )
            )
            self.counts[(operation, outcome)] += 1

    def clear(self, *, clear_seed: bool) -> None:
        """Forget runtime state; keep (or with ``clear_seed`` drop) seeded customers and tokens."""
        with self.lock:
            if clear_seed:
                self.directory = Directory()
            else:
                self.directory.unredeem_tokens()
            self.payments = PaymentsBackend()
            self.metering = MeteringBackend(self.directory)
            self.control = ControlPlane(settle_seconds=self.control.settle_seconds)
            self.requests.clear()
            self._sequence = 0
            self.counts.clear()
            self.ids.reset()
            self.faults.reset()
