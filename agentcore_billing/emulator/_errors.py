"""The error an emulated operation answers with, before it is put on the wire."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class EmulatedError(Exception):
    """A service error: its code, message and any extra modelled members.

    The HTTP status is derived from the service model when the error is serialized
    (see ``Catalog.error_status``); ``fields`` become extra members of the JSON body.
    """

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields: dict[str, Any] = fields


def validation_error(
    message: str,
    *,
    reason: str = "FieldValidationFailed",
    fields: Iterable[tuple[str, str]] = (),
) -> EmulatedError:
    """An AgentCore ``ValidationException`` with ``reason`` and ``fieldList``."""
    field_list = [{"name": name, "message": text} for name, text in fields]
    extra: dict[str, Any] = {"reason": reason}
    if field_list:
        extra["fieldList"] = field_list
    return EmulatedError("ValidationException", message, **extra)


def not_found(kind: str, identifier: str) -> EmulatedError:
    """An AgentCore ``ResourceNotFoundException`` for ``kind`` ``identifier``."""
    return EmulatedError("ResourceNotFoundException", f"{kind} {identifier} was not found")


def error_body(error: EmulatedError) -> Mapping[str, Any]:
    """The JSON members of ``error`` other than the code."""
    return {"message": error.message, **error.fields}
