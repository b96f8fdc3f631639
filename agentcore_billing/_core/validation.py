"""One description of a validation failure, and the facades' one rule for bad input.

Facade methods build their input models through :func:`checked`, which turns
pydantic's ``ValidationError`` into one :class:`InvalidInputError` listing every
field, rule and value. Values are shown only where they cannot carry a secret: a
top-level scalar argument. Nested or container values are named by type, and the
rule types that guard secrets already mask the value inside their own message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError

from .errors import InvalidInputError

M = TypeVar("M")

Problem = tuple[str, str, "str | None"]
"""``(field, rule, shown value or None)``."""

_SCALARS = (str, int, float, Decimal, bool, datetime, date, timedelta, type(None))
_SHORT = 80
_INT_SHOWN_BITS = 256  # larger ints are described, not printed


def problems(err: ValidationError, *, values: bool = True, where: str = "") -> list[Problem]:
    """Each problem of ``err`` as ``(field, rule, value)``.

    Example:
        >>> from agentcore_billing import Money
        >>> try:
        ...     Money(amount="x", currency="usd")
        ... except ValidationError as err:
        ...     problems(err)[0][0]
        'amount'
    """
    found: list[Problem] = []
    for error in err.errors(include_url=False):
        loc = tuple(str(part) for part in error["loc"])
        field = ".".join(part for part in (where, *loc) if part) or err.title
        rule = str(error["msg"]).removeprefix("Value error, ")
        rule, shown = _split_value(rule)
        if shown is None and values and error["type"] != "missing":
            shown = _shown(error.get("input"), nested=len(loc) > 1)
        found.append((field, rule, shown if values else None))
    return found


def describe_validation_error(err: ValidationError, *, values: bool = True) -> str:
    """``field: rule (got value)`` for each problem, joined with ``; ``.

    Example:
        >>> from agentcore_billing import UsageRecord
        >>> try:
        ...     UsageRecord.model_validate({"dimension": "d"})
        ... except ValidationError as err:
        ...     print(describe_validation_error(err).split(";")[0])
        timestamp: Field required
    """
    return str(InvalidInputError.from_validation_error(err, values=values))


def input_error(err: ValidationError, *, where: str = "") -> InvalidInputError:
    """The :class:`InvalidInputError` a facade raises for ``err``.

    Example:
        >>> from agentcore_billing import Money
        >>> try:
        ...     Money(amount="1", currency="USD", extra=1)
        ... except ValidationError as err:
        ...     input_error(err).field
        'extra'
    """
    return (
        InvalidInputError.of(problems(err, where=where))
        if where
        else (InvalidInputError.from_validation_error(err))
    )


def checked(build: Callable[[], M]) -> M:
    """Run ``build`` (an input model's constructor); a ValidationError becomes ours.

    Raised outside the handler, so pydantic's error (which quotes every input) does
    not travel along as ``__context__``.

    Example:
        >>> from agentcore_billing import Money
        >>> checked(lambda: Money.usd("1.50")).to_wire()["value"]
        '1.50'
        >>> checked(lambda: Money.usd("1.5x"))
        Traceback (most recent call last):
        ...
        agentcore_billing._core.errors.InvalidInputError: amount: ...
    """
    try:
        return build()
    except ValidationError as err:
        failure = input_error(err)
    raise failure


def _split_value(rule: str) -> tuple[str, str | None]:
    # The library's own rule types end their message with "(got <masked value>)".
    head, sep, tail = rule.rpartition(" (got ")
    if sep and tail.endswith(")"):
        return head, tail[:-1]
    head, sep, tail = rule.rpartition(", got ")
    if sep and " " not in tail:
        return head, tail
    return rule, None


def _shown(value: Any, *, nested: bool) -> str:
    if nested or not isinstance(value, _SCALARS):
        return f"<{type(value).__name__}>"
    if isinstance(value, int) and value.bit_length() > _INT_SHOWN_BITS:
        # repr() of an int over 4300 digits raises ValueError, and a long one is noise.
        return f"<an int of {value.bit_length()} bits>"
    text = repr(value)
    return text if len(text) <= _SHORT else f"{text[: _SHORT - 3]}... ({len(text)} chars)"
