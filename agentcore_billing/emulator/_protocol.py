"""Wire formats: REST-JSON (AgentCore) and JSON 1.1 (Marketplace Metering).

Requests are decoded into botocore-style parameter dicts (timestamps become
timezone-aware datetimes, header members are read from their headers); outputs
are encoded by walking the output shape (timestamps as ISO 8601 where the model
says so, else epoch seconds). Errors use each protocol's own format:

* REST-JSON: status from the error shape's ``httpStatusCode``, header
  ``x-amzn-ErrorType: <Code>``, body ``{"message": ..., <extra members>}``.
* JSON 1.1: body ``{"__type": "<Code>", "message": ...}``, 400 for client errors,
  500 for server faults.

Every response carries an ``x-amzn-RequestId`` header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from botocore.model import ListShape, Shape, StructureShape

from ._errors import EmulatedError, error_body
from ._models import Protocol

_CONTENT_TYPES: dict[str, str] = {
    "rest-json": "application/json",
    "json": "application/x-amz-json-1.1",
}


class RequestParseError(ValueError):
    """The request body is not a JSON object."""


@dataclass(frozen=True)
class HttpResponse:
    """A complete HTTP response, ready to be written."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def parse_params(shape: Shape | None, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Decode a request into botocore-style parameters.

    Args:
        shape: The operation's input shape.
        headers: Request headers with lower-case names.
        body: The raw request body (empty means ``{}``).

    Raises:
        RequestParseError: The body is not a JSON object.
    """
    data = _load_object(body)
    params: dict[str, Any] = {}
    if not isinstance(shape, StructureShape):
        return params
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location == "header":
            raw = headers.get(str(member.serialization.get("name", name)).lower())
            if raw is not None:
                params[name] = raw
        elif location is None:
            key = member.serialization.get("name", name)
            if key in data:
                params[name] = _decode(member, data[key])
    return params


def _load_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RequestParseError(f"Could not parse request body: {err}") from err
    except RecursionError as err:  # JSON nested thousands deep: a 400, not a reset
        raise RequestParseError("Could not parse request body: nested too deeply") from err
    if not isinstance(data, dict):
        raise RequestParseError("Request body must be a JSON object")
    return data


def _decode(shape: Shape, value: Any) -> Any:
    if shape.type_name == "timestamp":
        return _decode_timestamp(value)
    if isinstance(shape, StructureShape) and not shape.metadata.get("document"):
        if not isinstance(value, dict):
            return value
        return {
            key: _decode(shape.members[key], item) if key in shape.members else item
            for key, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_decode(shape.member, item) for item in value]
    return value


def _decode_timestamp(value: Any) -> Any:
    """Epoch seconds (JSON 1.1) or ISO 8601 text; anything else is left for validation."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return value


def encode(shape: Shape | None, value: Any) -> Any:
    """Encode an output value for the wire following ``shape`` (JSON-ready result)."""
    if shape is None or value is None:
        return value
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        if shape.serialization.get("timestampFormat") == "iso8601":
            text = value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
            return text.replace("+00:00", "Z")
        return value.timestamp()
    if isinstance(shape, StructureShape) and not shape.metadata.get("document"):
        return {
            key: encode(shape.members[key], item)
            for key, item in value.items()
            if key in shape.members and item is not None
        }
    if isinstance(shape, ListShape):
        return [encode(shape.member, item) for item in value]
    return value


def success_response(
    protocol: Protocol, status: int, shape: Shape | None, output: Any, request_id: str
) -> HttpResponse:
    """A success response carrying ``output`` encoded per ``shape``."""
    body = json.dumps(encode(shape, output) or {}, separators=(",", ":")).encode()
    return HttpResponse(status, _headers(protocol, request_id), body)


def error_response(
    protocol: Protocol, status: int, error: EmulatedError, request_id: str
) -> HttpResponse:
    """An error response in ``protocol``'s format."""
    members = dict(error_body(error))
    headers = _headers(protocol, request_id)
    if protocol == "json":
        members = {"__type": error.code, **members}
    else:
        headers = (*headers, ("x-amzn-ErrorType", error.code))
    body = json.dumps(members, separators=(",", ":"), default=str).encode()
    return HttpResponse(status, headers, body)


def _headers(protocol: Protocol, request_id: str) -> tuple[tuple[str, str], ...]:
    return (("Content-Type", _CONTENT_TYPES[protocol]), ("x-amzn-RequestId", request_id))
