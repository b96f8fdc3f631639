"""Routing of the control plane's REST requests, and ``Emulator.control_plane``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ._control import ControlPlane


def route_pattern(request_uri: str) -> re.Pattern[str]:
    """``/payments/managers/{paymentManagerId}`` as a regex with one group per member.

    Example:
        >>> route_pattern("/payments/managers/{paymentManagerId}").fullmatch(
        ...     "/payments/managers/shop-abcdef1234")["paymentManagerId"]
        'shop-abcdef1234'
    """
    path = request_uri.split("?", 1)[0]
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)))


def path_params(pattern: re.Pattern[str], path: str, shape: Any) -> dict[str, Any]:
    """The uri and querystring members of a REST request, typed per ``shape``."""
    split = urlsplit(path)
    found = pattern.fullmatch(split.path)
    groups = found.groupdict() if found else {}
    params: dict[str, Any] = {k: unquote(v) for k, v in groups.items()}
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    for name, member in getattr(shape, "members", {}).items():
        if member.serialization.get("location") != "querystring":
            continue
        raw = query.get(member.serialization.get("name", name))
        if raw is None:
            continue
        params[name] = _as_int(raw) if member.type_name == "integer" else raw
    return params


def _as_int(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        return raw


class ControlPlaneView:
    """``Emulator.control_plane``: fault injection, consent and inspection, thread-safe.

    Example:
        >>> from agentcore_billing.emulator import Emulator
        >>> emu = Emulator()
        >>> emu.control_plane.fail_next("CreatePaymentManager", status="CREATE_FAILED")
        >>> emu.control_plane.managers()
        ()
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    @property
    def _plane(self) -> ControlPlane:
        plane: ControlPlane = self._engine.control
        return plane

    @property
    def settle_seconds(self) -> float:
        """Seconds a resource stays in a passing status (0: until the next read)."""
        return self._plane.settle_seconds

    @settle_seconds.setter
    def settle_seconds(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError(f"settle_seconds must be >= 0, got {seconds!r}")
        with self._engine.lock:
            self._plane.settle_seconds = float(seconds)

    def fail_next(
        self, operation: str, *, status: str | None = None, error: str | None = None
    ) -> None:
        """The next ``operation`` settles into ``status``, or answers ``error`` (a code)."""
        with self._engine.lock:
            self._plane.fail_next(operation, status=status, error=error)

    def authorize(self, payment_connector_id: str) -> None:
        """Give a QUICK_CREATE connector's consent: PROVISIONING, then READY."""
        with self._engine.lock:
            self._plane.authorize(payment_connector_id, self._engine.now())

    def set_connector_status(self, payment_connector_id: str, status: str) -> None:
        """Put a connector into ``status`` now (e.g. AUTHENTICATION_EXPIRED)."""
        with self._engine.lock:
            self._plane.set_connector_status(payment_connector_id, status, self._engine.now())

    def managers(self) -> tuple[dict[str, Any], ...]:
        """Every payment manager that exists (wire views, deleting ones included)."""
        with self._engine.lock:
            self._plane._settle(self._engine.now())
            return tuple(dict(r.view) for r in self._plane.managers.values())

    def connectors(self) -> tuple[dict[str, Any], ...]:
        """Every payment connector that exists (wire views)."""
        with self._engine.lock:
            self._plane._settle(self._engine.now())
            return tuple(dict(r.view) for r in self._plane.connectors.values())

    def credential_providers(self) -> tuple[dict[str, Any], ...]:
        """Every credential provider (wire views; secrets are never stored)."""
        with self._engine.lock:
            return tuple(dict(p) for p in self._plane.providers.items.values())
