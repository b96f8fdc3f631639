"""Request validation driven by the botocore service models.

Checks what the services check and botocore does not: required members, types,
lengths, value ranges, patterns, enums, list sizes and unions (exactly one member
set). Unknown members are ignored, as Smithy servers do.

Patterns: the models mix anchored (``^...$``) and unanchored patterns. The
services match unanchored patterns against the whole value, so those use
``re.fullmatch``; anchored ones are searched (``re.search``) as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape

PathElement = str | int

_REDACTED = "*** Sensitive Data Redacted ***"
_MAX_SHOWN = 100


@dataclass(frozen=True)
class Violation:
    """One failed constraint, located by its path from the request root."""

    path: tuple[PathElement, ...]
    constraint: str
    shown_value: str

    @property
    def field(self) -> str:
        """The dotted path of the failing member, e.g. ``limits.maxSpendAmount.value``."""
        text = ""
        for element in self.path:
            text += f"[{element}]" if isinstance(element, int) else f".{element}"
        return text.lstrip(".") or "request"

    @property
    def members(self) -> tuple[str, ...]:
        """The member names along the path (list indexes left out)."""
        return tuple(element for element in self.path if isinstance(element, str))

    @property
    def message(self) -> str:
        """The AWS-style sentence for this violation."""
        return (
            f"Value {self.shown_value} at '{self.field}' failed to satisfy constraint: "
            f"{self.constraint}"
        )


def summarize(violations: list[Violation]) -> str:
    """One message for all ``violations``, as AWS services phrase it."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(violation.message for violation in violations)
    return f"{count} validation {noun} detected: {details}"


def validate(shape: Shape | None, value: Any) -> list[Violation]:
    """Return every constraint of ``shape`` that ``value`` violates (empty when valid).

    Example:
        >>> from agentcore_billing.emulator._models import catalog
        >>> spec = catalog().by_name["CreatePaymentSession"]
        >>> [v.field for v in validate(spec.model.input_shape, {"expiryTimeInMinutes": 5})]
        ['paymentManagerArn', 'expiryTimeInMinutes']
    """
    found: list[Violation] = []
    if shape is not None:
        _check(shape, value, (), found)
    return found


def pattern_matches(pattern: str, value: str) -> bool:
    """Match ``value`` against a model pattern with the services' anchoring rules."""
    compiled, anchored = _compile(pattern)
    if anchored:
        return compiled.search(value) is not None
    return compiled.fullmatch(value) is not None


@functools.cache
def _compile(pattern: str) -> tuple[re.Pattern[str], bool]:
    # Python's re has no Unicode property classes; \p{C} (the control plane's
    # descriptions) is spelled as the control ranges it stands for here.
    translated = pattern.replace(r"\p{C}", r"\x00-\x1f\x7f-\x9f")
    return re.compile(translated), pattern.startswith("^") or pattern.endswith("$")


def _show(shape: Shape, value: Any) -> str:
    if shape.metadata.get("sensitive"):
        return f"'{_REDACTED}'"
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN] + "..."
    return f"'{text}'"


def _add(
    found: list[Violation], shape: Shape, value: Any, path: tuple[PathElement, ...], rule: str
) -> None:
    found.append(Violation(path, rule, _show(shape, value)))


def _check(shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]) -> None:
    checker = _CHECKERS.get(shape.type_name)
    if checker is not None:
        checker(shape, value, path, found)


def _check_structure(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    if shape.metadata.get("document"):
        return
    assert isinstance(shape, StructureShape)
    if not isinstance(value, dict):
        _add(found, shape, value, path, "Member must be a structure")
        return
    present = {k: v for k, v in value.items() if v is not None and k in shape.members}
    for name in shape.required_members:
        if name not in present:
            found.append(Violation((*path, name), "Member must not be null", "null"))
    if shape.metadata.get("union") and len(present) != 1:
        rule = f"Member must have exactly one of {sorted(shape.members)} set"
        _add(found, shape, sorted(present), path, rule)
    for name, member_value in present.items():
        _check(shape.members[name], member_value, (*path, name), found)


def _check_list(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    assert isinstance(shape, ListShape)
    if not isinstance(value, list):
        _add(found, shape, value, path, "Member must be a list")
        return
    _check_size(shape, value, path, found, "length")
    for index, item in enumerate(value):
        if item is None:
            found.append(Violation((*path, index), "Member must not be null", "null"))
        else:
            _check(shape.member, item, (*path, index), found)


def _check_map(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    assert isinstance(shape, MapShape)
    if not isinstance(value, dict):
        _add(found, shape, value, path, "Member must be a map")
        return
    _check_size(shape, value, path, found, "length")
    for key, item in value.items():
        _check(shape.key, key, (*path, str(key)), found)
        _check(shape.value, item, (*path, str(key)), found)


def _check_string(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    if not isinstance(value, str):
        _add(found, shape, value, path, "Member must be a string")
        return
    before = len(found)
    _check_size(shape, value, path, found, "length")
    enum = shape.enum if isinstance(shape, StringShape) else []
    if enum and value not in enum:
        _add(found, shape, value, path, f"Member must satisfy enum value set: {enum}")
    pattern = shape.metadata.get("pattern")
    # Lengths first: a value of absurd length is not worth a regex run.
    if pattern and len(found) == before and not pattern_matches(pattern, value):
        rule = f"Member must satisfy regular expression pattern: {pattern}"
        _add(found, shape, value, path, rule)


def _check_integer(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _add(found, shape, value, path, "Member must be an integer")
        return
    _check_size(shape, value, path, found, "value")


def _check_boolean(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    if not isinstance(value, bool):
        _add(found, shape, value, path, "Member must be a boolean")


def _check_timestamp(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation]
) -> None:
    if not isinstance(value, datetime):
        _add(found, shape, value, path, "Member must be a timestamp")


def _check_size(
    shape: Shape, value: Any, path: tuple[PathElement, ...], found: list[Violation], kind: str
) -> None:
    size = value if kind == "value" else len(value)
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        _add(found, shape, value, path, f"Member must have {kind} greater than or equal to {low}")
    if high is not None and size > high:
        _add(found, shape, value, path, f"Member must have {kind} less than or equal to {high}")


_Checker = Callable[[Shape, Any, tuple[PathElement, ...], list[Violation]], None]
_CHECKERS: dict[str, _Checker] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
}
