"""The two pydantic bases every model builds on, and small shared field types.

Input models forbid unknown fields (a typo is an error, not a silently ignored field);
response models ignore them (the service grows). Both are frozen, use snake_case
attributes and carry the wire name as
``Field(validation_alias="wireName", serialization_alias="wireName")``, so conversion to
and from the wire is ``model_dump(by_alias=True)`` / ``model_validate(...)`` and lives
with each model. Not ``alias=``: type checkers (pyright, mypy without the pydantic
plugin) read ``alias`` as the constructor's keyword, so users would have to write the
wire names; with validation and serialization aliases they see the snake_case names.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict


class InputModel(BaseModel):
    """Base for what callers hand in: frozen, strict about unknown fields."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        hide_input_in_errors=False,
    )


class ResponseModel(BaseModel):
    """Base for what the service sends back: frozen, tolerant of new fields."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware (naive datetimes are ambiguous)")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as err:
        raise ValueError("timestamp is out of range once converted to UTC") from err


def _parse_wire_time(value: Any) -> Any:
    # botocore hands us ISO strings or epoch numbers when we skip dateutil; pydantic
    # reads both, but epoch numbers must stay numbers (not strings) to be read as such.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A timezone-aware datetime, normalised to UTC; naive datetimes are refused."""

WireDatetime = Annotated[datetime, BeforeValidator(_parse_wire_time), AfterValidator(_as_utc)]
"""A datetime read from the wire (ISO 8601 string, epoch seconds or datetime), in UTC."""


def wire_datetime(value: Any) -> datetime:
    """Read one wire timestamp (ISO 8601 string, epoch seconds or datetime) as UTC.

    Example:
        >>> wire_datetime(0).isoformat()
        '1970-01-01T00:00:00+00:00'
        >>> wire_datetime("2026-11-23T10:00:00Z").hour
        10
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    text = str(value)
    try:
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def mask_secret(value: object) -> str:
    """A printable stand-in for a secret: its length only, never its content.

    Example:
        >>> mask_secret("reg-token-abc")
        "'***' (13 chars)"
    """
    if isinstance(value, str):
        return f"'***' ({len(value)} chars)"
    return f"<{type(value).__name__} hidden>"
