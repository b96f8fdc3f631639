"""Checks of MeteringClient's own arguments (settings and call options), before any request."""

from __future__ import annotations

from agentcore_billing._core.errors import InvalidInputError


def callable_or_none(name: str, value: object) -> None:
    if value is not None and not callable(value):
        raise InvalidInputError(name, "must be callable or None", type(value).__name__)


def positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(name, "an int >= 1", repr(value))
    return value


MIN_REQUESTS_PER_SECOND = 0.001
"""The slowest pace accepted (one request per 1000 s): slower ones overflow the pacer's
arithmetic (a rate of 5e-324 divided by zero)."""


def positive_rate(value: object) -> float:
    rule = f"a number from {MIN_REQUESTS_PER_SECOND} up"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError("max_requests_per_second", rule, repr(value))
    rate = float(value)
    if not MIN_REQUESTS_PER_SECOND <= rate < float("inf"):
        raise InvalidInputError("max_requests_per_second", rule, repr(value))
    return rate


def optional_seconds(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(name, "a positive number of seconds or None", repr(value))
    if not 0 < float(value) < float("inf"):
        raise InvalidInputError(name, "a positive number of seconds or None", repr(value))
    return float(value)


def key_version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("public_key_version", "an int >= 1", repr(value))
    return value
