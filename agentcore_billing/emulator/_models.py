"""The two botocore service models the emulator serves, and their routing tables.

Everything protocol-specific (request URIs, targets, success codes, error status
codes) is read from the installed botocore models, so the emulator follows the
service definitions the clients themselves use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import botocore.session
from botocore.model import OperationModel, ServiceModel

PAYMENTS = "bedrock-agentcore"
"""botocore name of the AgentCore data plane (REST-JSON)."""

METERING = "meteringmarketplace"
"""botocore name of AWS Marketplace Metering (JSON 1.1)."""

CONTROL = "bedrock-agentcore-control"
"""botocore name of the AgentCore control plane (REST-JSON, path parameters)."""

PAYMENT_OPERATIONS: tuple[str, ...] = (
    "CreatePaymentInstrument",
    "CreatePaymentSession",
    "DeletePaymentInstrument",
    "DeletePaymentSession",
    "GetPaymentInstrument",
    "GetPaymentInstrumentBalance",
    "GetPaymentSession",
    "GetResourcePaymentToken",
    "ListPaymentInstruments",
    "ListPaymentSessions",
    "ProcessPayment",
)
METERING_OPERATIONS: tuple[str, ...] = (
    "BatchMeterUsage",
    "MeterUsage",
    "RegisterUsage",
    "ResolveCustomer",
)
CONTROL_OPERATIONS: tuple[str, ...] = (
    "CreatePaymentConnector",
    "CreatePaymentCredentialProvider",
    "CreatePaymentManager",
    "DeletePaymentConnector",
    "DeletePaymentCredentialProvider",
    "DeletePaymentManager",
    "GetPaymentConnector",
    "GetPaymentCredentialProvider",
    "GetPaymentManager",
    "ListPaymentConnectors",
    "ListPaymentCredentialProviders",
    "ListPaymentManagers",
    "RotatePaymentConnectorCredentials",
    "UpdatePaymentConnector",
    "UpdatePaymentCredentialProvider",
    "UpdatePaymentManager",
)
ALL_OPERATIONS: tuple[str, ...] = PAYMENT_OPERATIONS + METERING_OPERATIONS + CONTROL_OPERATIONS

Protocol = Literal["rest-json", "json"]

# JSON 1.1 carries no status in the error shapes: client faults are 400, server faults 500.
_METERING_SERVER_FAULTS = frozenset({"InternalServiceErrorException"})
# Unmodelled codes the emulator can answer with, and the status AWS uses for them.
_EXTRA_STATUS = {"DryRunOperation": 412}


@dataclass(frozen=True)
class OperationSpec:
    """One emulated operation: its service, wire protocol and botocore model."""

    name: str
    service: str
    protocol: Protocol
    model: OperationModel
    success_status: int
    route: re.Pattern[str] | None = None


@functools.cache
def load_service_model(service: str) -> ServiceModel:
    """Load (once) the installed botocore model of ``service``."""
    return botocore.session.get_session().get_service_model(service)


class Catalog:
    """Routing tables for both services, built from the service models."""

    def __init__(self) -> None:
        payments = load_service_model(PAYMENTS)
        metering = load_service_model(METERING)
        self.by_path: dict[str, OperationSpec] = {}
        self.by_target: dict[str, OperationSpec] = {}
        self.by_name: dict[str, OperationSpec] = {}
        self.routes: list[tuple[str, OperationSpec]] = []
        for name in PAYMENT_OPERATIONS:
            model = payments.operation_model(name)
            spec = OperationSpec(
                name, PAYMENTS, "rest-json", model, int(model.http.get("responseCode", 200))
            )
            self.by_path[model.http["requestUri"]] = spec
            self.by_name[name] = spec
        prefix = metering.metadata["targetPrefix"]
        for name in METERING_OPERATIONS:
            spec = OperationSpec(name, METERING, "json", metering.operation_model(name), 200)
            self.by_target[f"{prefix}.{name}"] = spec
            self.by_name[name] = spec
        self._add_control_routes()

    def _add_control_routes(self) -> None:
        from ._control_routes import route_pattern

        control = load_service_model(CONTROL)
        for name in CONTROL_OPERATIONS:
            model = control.operation_model(name)
            status = int(model.http.get("responseCode", 200))
            route = route_pattern(model.http["requestUri"])
            spec = OperationSpec(name, CONTROL, "rest-json", model, status, route)
            self.routes.append((model.http["method"], spec))
            self.by_name[name] = spec

    def resolve(self, method: str, path: str, headers: Mapping[str, str]) -> OperationSpec | None:
        """Return the operation a raw HTTP request addresses, if any."""
        bare = path.split("?", 1)[0]
        target = headers.get("x-amz-target")
        if method == "POST" and target is not None:
            return self.by_target.get(target) if path in ("/", "") else None
        found = self.by_path.get(bare) if method == "POST" else None
        if found is not None:
            return found
        for verb, spec in self.routes:
            if verb == method and spec.route is not None and spec.route.fullmatch(bare):
                return spec
        return None

    def error_status(self, service: str, code: str) -> int:
        """HTTP status the real service uses for the error ``code``."""
        if code in _EXTRA_STATUS:
            return _EXTRA_STATUS[code]
        if service == METERING:
            return 500 if code in _METERING_SERVER_FAULTS else 400
        model = load_service_model(service)
        if code in model.shape_names:
            error = model.shape_for(code).metadata.get("error", {})
            return int(error.get("httpStatusCode", 400))
        return 400


@functools.cache
def catalog() -> Catalog:
    """The process-wide routing catalog (models are immutable, so one is enough)."""
    return Catalog()
