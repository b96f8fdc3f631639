"""The payments control plane: managers, connectors, credential providers.

Decisions where the service documentation leaves room:

* Status changes follow the emulator's clock: a create answers CREATING and the
  resource settles ``settle_seconds`` later (0 by default: at the next read) into
  READY, or into the status a fault queued with :meth:`ControlPlane.fail_next`.
  Updates go UPDATING -> READY, deletes DELETING -> gone (or DELETE_FAILED).
* A QUICK_CREATE connector settles into PENDING_AUTHENTICATION with an
  ``authorizationUrl``; :meth:`ControlPlane.authorize` plays the person giving
  consent (PROVISIONING, then READY with ``credentialsUpdatedAt``).
* A create replayed with its client token answers the resource as it is now; the
  token of a resource deleted since, or reused with other parameters, is a
  ConflictException.
* A credential provider's name is its key (a second create is a ConflictException);
  its secrets are never stored, only Secrets Manager-style ARNs are answered.
* A connector needs a READY manager (else ConflictException) and, when MANUAL with a
  vendor, an existing provider of that vendor (else ValidationException); a manager
  with connectors cannot be deleted (ConflictException).
* The data plane accepts any well-formed manager ARN, these included.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ._context import CallContext
from ._control_providers import ACCOUNT, ProviderStore, conflict, region_of
from ._errors import EmulatedError, not_found, validation_error
from ._idempotency import fingerprint
from ._payment_common import paginate

_GONE = "__gone__"
_VENDOR_KEYS = {"CoinbaseCDP": "coinbaseCDP", "StripePrivy": "stripePrivy"}

FAILURE_STATUSES: dict[str, frozenset[str]] = {
    "CreatePaymentManager": frozenset({"CREATE_FAILED"}),
    "UpdatePaymentManager": frozenset({"UPDATE_FAILED"}),
    "DeletePaymentManager": frozenset({"DELETE_FAILED"}),
    "CreatePaymentConnector": frozenset(
        {
            "CREATE_FAILED",
            "AUTHENTICATION_FAILED",
            "AUTHENTICATION_EXPIRED",
            "AWS_MARKETPLACE_SUBSCRIPTION_REQUIRED",
        }
    ),
    "UpdatePaymentConnector": frozenset({"UPDATE_FAILED", "AUTHENTICATION_FAILED"}),
    "DeletePaymentConnector": frozenset({"DELETE_FAILED"}),
}
"""Statuses :meth:`ControlPlane.fail_next` can make a resource settle into, per operation."""


@dataclass
class _Resource:
    view: dict[str, Any]
    pending: tuple[datetime, str] | None = None
    seq: int = 0

    @property
    def status(self) -> str:
        return str(self.view["status"])

    def move(self, now: datetime, status: str, then: str, delay: float) -> None:
        self.view["status"] = status
        self.view["lastUpdatedAt"] = now
        self.pending = (now + timedelta(seconds=delay), then)


@dataclass(frozen=True)
class _Fault:
    status: str | None = None
    error: str | None = None


@dataclass
class ControlPlane:
    """State and handlers of the control-plane operations (see the module docstring).

    Example:
        >>> plane = ControlPlane()
        >>> plane.fail_next("CreatePaymentConnector", status="AUTHENTICATION_FAILED")
        >>> len(plane.faults["CreatePaymentConnector"])
        1
    """

    settle_seconds: float = 0.0
    managers: dict[str, _Resource] = field(default_factory=dict)
    connectors: dict[str, _Resource] = field(default_factory=dict)
    faults: defaultdict[str, deque[_Fault]] = field(default_factory=lambda: defaultdict(deque))
    _tokens: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    providers: ProviderStore = field(init=False)
    _created: int = 0

    def __post_init__(self) -> None:
        self.providers = ProviderStore(self._provider_in_use)

    def _provider_in_use(self, arn: str) -> bool:
        for connector in self.connectors.values():
            for config in connector.view.get("credentialProviderConfigurations") or []:
                for member in _VENDOR_KEYS.values():
                    if (config.get(member) or {}).get("credentialProviderArn") == arn:
                        return True
        return False

    # -- fault injection and consent (called from Python, under the engine lock) ------

    def fail_next(
        self, operation: str, *, status: str | None = None, error: str | None = None
    ) -> None:
        """Make the next ``operation`` settle into ``status``, or answer ``error`` (a code)."""
        if (status is None) == (error is None):
            raise ValueError("give exactly one of status= or error=")
        if status is not None and status not in FAILURE_STATUSES.get(operation, ()):
            allowed = sorted(FAILURE_STATUSES.get(operation, ()))
            raise ValueError(
                f"{operation} cannot settle into {status!r}; expected one of {allowed}"
            )
        self.faults[operation].append(_Fault(status, error))

    def authorize(self, payment_connector_id: str, now: datetime) -> None:
        """Give a QUICK_CREATE connector's OAuth consent: PROVISIONING, then READY."""
        connector = self.connectors.get(payment_connector_id)
        if connector is None or connector.status != "PENDING_AUTHENTICATION":
            raise ValueError(f"connector {payment_connector_id!r} is not waiting for consent")
        connector.view.pop("authorizationUrl", None)
        connector.view["credentialsUpdatedAt"] = now
        connector.move(now, "PROVISIONING", "READY", self.settle_seconds)

    def set_connector_status(self, payment_connector_id: str, status: str, now: datetime) -> None:
        """Put a connector into ``status`` at once (e.g. AUTHENTICATION_EXPIRED)."""
        connector = self.connectors[payment_connector_id]
        connector.view["status"] = status
        connector.view["lastUpdatedAt"] = now
        connector.pending = None

    # -- dispatch ----------------------------------------------------------------------

    def handle(self, operation: str, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """Run ``operation`` (parameters already validated against the model)."""
        self._settle(ctx.now)
        fault = self._fault(operation)
        if fault is not None and fault.error is not None:
            raise EmulatedError(fault.error, f"{operation} failed (injected {fault.error})")
        if "CredentialProvider" in operation:
            return self.providers.handle(operation, params, ctx)
        handler: Callable[..., dict[str, Any]] = getattr(self, "_" + _snake(operation))
        return handler(params, ctx, fault.status if fault else None)

    def _next(self) -> int:
        self._created += 1
        return self._created

    def _fault(self, operation: str) -> _Fault | None:
        queue = self.faults.get(operation)
        return queue.popleft() if queue else None

    def _settle(self, now: datetime) -> None:
        for table in (self.connectors, self.managers):
            for key, resource in list(table.items()):
                if resource.pending is None or now < resource.pending[0]:
                    continue
                status = resource.pending[1]
                resource.pending = None
                if status == _GONE:
                    del table[key]
                    continue
                resource.view["status"] = status
                resource.view["lastUpdatedAt"] = resource.view.get("lastUpdatedAt") or now
                if status == "PENDING_AUTHENTICATION":
                    resource.view["authorizationUrl"] = (
                        f"https://consent.payments.example.com/authorize?connector={key}"
                    )

    def _replay(
        self, operation: str, params: Mapping[str, Any], table: dict[str, _Resource]
    ) -> tuple[str | None, dict[str, Any] | None]:
        token = params.get("clientToken")
        if token is None:
            return None, None
        key = fingerprint(params, exclude=("clientToken",))
        seen = self._tokens.get((operation, token))
        if seen is None:
            return key, None
        stored_key, resource_id = seen
        if stored_key != key or resource_id not in table:
            raise EmulatedError(
                "ConflictException",
                f"The clientToken was already used for another {operation} request",
            )
        return key, dict(table[resource_id].view)

    def _remember(
        self, operation: str, params: Mapping[str, Any], key: str | None, rid: str
    ) -> None:
        token = params.get("clientToken")
        if token is not None and key is not None:
            self._tokens[(operation, token)] = (key, rid)

    # -- payment managers --------------------------------------------------------------

    def _create_payment_manager(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        key, replayed = self._replay("CreatePaymentManager", params, self.managers)
        if replayed is not None:
            return replayed
        _check_authorizer(params)
        manager_id = f"{_slug(params['name'])}-{ctx.ids.hex(10)}"
        region = region_of(ctx)
        view = {
            "paymentManagerArn": f"arn:aws:bedrock-agentcore:{region}:{ACCOUNT}:payment-manager/"
            + manager_id,
            "paymentManagerId": manager_id,
            **{k: params[k] for k in _MANAGER_INPUTS if k in params},
            "workloadIdentityDetails": {
                "workloadIdentityArn": f"arn:aws:bedrock-agentcore:{region}:{ACCOUNT}:"
                f"workload-identity-directory/default/workload-identity/{manager_id}"
            },
            "createdAt": ctx.now,
        }
        resource = _Resource(view, seq=self._next())
        resource.move(ctx.now, "CREATING", fail or "READY", self.settle_seconds)
        self.managers[manager_id] = resource
        self._remember("CreatePaymentManager", params, key, manager_id)
        return dict(view)

    def _manager(self, params: Mapping[str, Any]) -> _Resource:
        manager = self.managers.get(str(params["paymentManagerId"]))
        if manager is None:
            raise not_found("Payment manager", str(params["paymentManagerId"]))
        return manager

    def _get_payment_manager(
        self, params: Mapping[str, Any], ctx: CallContext, _: Any
    ) -> dict[str, Any]:
        return dict(self._manager(params).view)

    def _list_payment_managers(
        self, params: Mapping[str, Any], ctx: CallContext, _: Any
    ) -> dict[str, Any]:
        page, token = paginate(list(self.managers.values()), _in_order, params)
        answer: dict[str, Any] = {"paymentManagers": [_summary(r.view) for r in page]}
        if token:
            answer["nextToken"] = token
        return answer

    def _update_payment_manager(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        manager = self._manager(params)
        if manager.status not in ("READY", "UPDATE_FAILED"):
            raise conflict(f"Payment manager is {manager.status}")
        _check_authorizer({**manager.view, **params})
        for name in _MANAGER_INPUTS:
            if name in params:
                manager.view[name] = params[name]
        manager.move(ctx.now, "UPDATING", fail or "READY", self.settle_seconds)
        return dict(manager.view)

    def _delete_payment_manager(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        manager = self._manager(params)
        manager_id = str(params["paymentManagerId"])
        if any(c.view["paymentManagerId"] == manager_id for c in self.connectors.values()):
            raise conflict("All payment connectors must be deleted before the payment manager")
        manager.move(ctx.now, "DELETING", fail or _GONE, self.settle_seconds)
        return {"status": "DELETING", "paymentManagerId": manager_id}

    # -- payment connectors ------------------------------------------------------------

    def _create_payment_connector(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        key, replayed = self._replay("CreatePaymentConnector", params, self.connectors)
        if replayed is not None:
            return replayed
        manager = self._manager(params)
        if manager.status != "READY":
            raise conflict(f"Payment manager is {manager.status}, not READY")
        mode = str(params.get("provisionMode", "MANUAL"))
        configs = self._connector_configs(params, mode)
        connector_id = f"{_slug(params['name'])}-{ctx.ids.hex(10)}"
        view: dict[str, Any] = {
            "paymentConnectorId": connector_id,
            "paymentManagerId": params["paymentManagerId"],
            "name": params["name"],
            "type": params["type"],
            "provisionMode": mode,
            "credentialProviderConfigurations": configs,
            "createdAt": ctx.now,
        }
        if "description" in params:
            view["description"] = params["description"]
        settles = fail or ("PENDING_AUTHENTICATION" if mode == "QUICK_CREATE" else "READY")
        resource = _Resource(view, seq=self._next())
        resource.move(ctx.now, "CREATING", settles, self.settle_seconds)
        self.connectors[connector_id] = resource
        self._remember("CreatePaymentConnector", params, key, connector_id)
        return dict(view)

    def _connector_configs(self, params: Mapping[str, Any], mode: str) -> list[dict[str, Any]]:
        kind = str(params["type"])
        configs = list(params.get("credentialProviderConfigurations") or [])
        if kind == "AwsBilling":
            if configs or mode == "QUICK_CREATE":
                raise validation_error("An AwsBilling connector takes no credential providers")
            role = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/agentcore-payments/AWSMarketplace"
            return [{"awsBilling": {"iamRoleArn": role}}]
        if mode == "QUICK_CREATE":
            if configs:
                raise validation_error("A QUICK_CREATE connector takes no credential providers")
            return []
        member = _VENDOR_KEYS[kind]
        arns = [c.get(member, {}).get("credentialProviderArn") for c in configs]
        if len(arns) != 1 or arns[0] is None:
            raise validation_error(
                f"A MANUAL {kind} connector needs credentialProviderConfigurations.{member}"
            )
        provider = self.providers.by_arn(str(arns[0]))
        if provider is None or provider["credentialProviderVendor"] != kind:
            raise validation_error(f"No {kind} credential provider {arns[0]}")
        return configs

    def _connector(self, params: Mapping[str, Any]) -> _Resource:
        connector = self.connectors.get(str(params["paymentConnectorId"]))
        if connector is None or connector.view["paymentManagerId"] != params["paymentManagerId"]:
            raise not_found("Payment connector", str(params["paymentConnectorId"]))
        return connector

    def _get_payment_connector(
        self, params: Mapping[str, Any], ctx: CallContext, _: Any
    ) -> dict[str, Any]:
        return dict(self._connector(params).view)

    def _list_payment_connectors(
        self, params: Mapping[str, Any], ctx: CallContext, _: Any
    ) -> dict[str, Any]:
        self._manager(params)
        mine = [
            c
            for c in self.connectors.values()
            if c.view["paymentManagerId"] == params["paymentManagerId"]
        ]
        page, token = paginate(mine, _in_order, params)
        answer: dict[str, Any] = {"paymentConnectors": [dict(r.view) for r in page]}
        if token:
            answer["nextToken"] = token
        return answer

    def _update_payment_connector(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        connector = self._connector(params)
        if connector.status in ("CREATING", "UPDATING", "DELETING", "PROVISIONING"):
            raise conflict(f"Payment connector is {connector.status}")
        if "type" in params and params["type"] != connector.view["type"]:
            raise validation_error("A connector's type cannot change")
        if "credentialProviderConfigurations" in params:
            merged = {**params, "type": connector.view["type"]}
            connector.view["credentialProviderConfigurations"] = self._connector_configs(
                merged, str(connector.view["provisionMode"])
            )
        if "description" in params:
            connector.view["description"] = params["description"]
        connector.move(ctx.now, "UPDATING", fail or "READY", self.settle_seconds)
        return dict(connector.view)

    def _delete_payment_connector(
        self, params: Mapping[str, Any], ctx: CallContext, fail: str | None
    ) -> dict[str, Any]:
        connector = self._connector(params)
        connector.move(ctx.now, "DELETING", fail or _GONE, self.settle_seconds)
        return {"status": "DELETING", "paymentConnectorId": params["paymentConnectorId"]}

    def _rotate_payment_connector_credentials(
        self, params: Mapping[str, Any], ctx: CallContext, _: Any
    ) -> dict[str, Any]:
        connector = self._connector(params)
        if (
            connector.view["provisionMode"] != "QUICK_CREATE"
            or connector.view["type"] != "CoinbaseCDP"
        ):
            raise validation_error("Only QUICK_CREATE CoinbaseCDP connectors rotate credentials")
        if connector.status != "READY":
            raise conflict(f"Payment connector is {connector.status}, not READY")
        connector.view["credentialsUpdatedAt"] = ctx.now
        connector.view["lastUpdatedAt"] = ctx.now
        return {
            k: connector.view[k]
            for k in ("paymentConnectorId", "paymentManagerId", "lastUpdatedAt", "status")
        }


_MANAGER_INPUTS = (
    "name",
    "description",
    "authorizerType",
    "authorizerConfiguration",
    "roleArn",
    "tags",
    "kmsKeyArn",
)
_SUMMARY = (
    "paymentManagerArn",
    "paymentManagerId",
    "name",
    "description",
    "authorizerType",
    "roleArn",
    "status",
    "createdAt",
    "lastUpdatedAt",
    "kmsKeyArn",
)


def _summary(view: Mapping[str, Any]) -> dict[str, Any]:
    return {k: view[k] for k in _SUMMARY if k in view}


def _in_order(resource: _Resource) -> str:
    return f"{resource.seq:012d}"


def _check_authorizer(params: Mapping[str, Any]) -> None:
    jwt = (params.get("authorizerConfiguration") or {}).get("customJWTAuthorizer")
    if params.get("authorizerType") == "CUSTOM_JWT" and not jwt:
        raise validation_error("CUSTOM_JWT requires authorizerConfiguration.customJWTAuthorizer")


def _slug(name: Any) -> str:
    # Ids take lower-case letters and digits; the data plane refuses underscores.
    return re.sub(r"[^0-9a-z]", "", str(name).lower())[:100] or "resource"


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
