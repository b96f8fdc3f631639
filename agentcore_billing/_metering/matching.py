"""Pairing the service's echoed records with the records that were sent.

BatchMeterUsage answers with copies of the records it processed, possibly normalised
(timestamps as epoch numbers, quantities as decimals). Nothing here talks to AWS.
"""

from __future__ import annotations

import calendar
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from agentcore_billing._core.models import wire_datetime

T = TypeVar("T")


def quantity_value(wire: Mapping[str, Any]) -> Decimal:
    """A wire record's quantity by value (the service's own comparison: 17 == 17.00).

    Example:
        >>> quantity_value({"QuantityAsDecimal": "17.00"}) == quantity_value({"Quantity": 17})
        True
    """
    if wire.get("QuantityAsDecimal") is not None:
        return Decimal(str(wire["QuantityAsDecimal"]))
    if wire.get("Quantity") is not None:
        return Decimal(int(wire["Quantity"]))
    return Decimal(0)


def buyer_of(wire: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(CustomerIdentifier, CustomerAWSAccountId, LicenseArn)``, blanks for absent ones."""
    return (
        str(wire.get("CustomerIdentifier") or ""),
        str(wire.get("CustomerAWSAccountId") or ""),
        str(wire.get("LicenseArn") or ""),
    )


def match_keys(wire: Mapping[str, Any]) -> tuple[Hashable, Hashable] | None:
    """Keys to recognise the service's echo of a record: exact and coarse.

    Exact: buyer, dimension, timestamp (whole seconds, as echoes may drop sub-second
    digits or come back as epoch numbers or datetimes) and quantity by value. Coarse:
    the same without the timestamp, for echoes whose time is normalised differently.
    ``None`` when the echo is unreadable.

    Example:
        >>> from datetime import datetime, timezone
        >>> sent = {"Timestamp": datetime(2026, 1, 1, tzinfo=timezone.utc), "Dimension": "d",
        ...         "Quantity": 5, "CustomerIdentifier": "c"}
        >>> echo = {"Timestamp": 1767225600.0, "Dimension": "d", "QuantityAsDecimal": "5.0",
        ...         "CustomerIdentifier": "c"}
        >>> match_keys(sent) == match_keys(echo)
        True
    """
    try:
        coarse = (*buyer_of(wire), str(wire["Dimension"]), quantity_value(wire))
        second = calendar.timegm(wire_datetime(wire["Timestamp"]).utctimetuple())
    except (KeyError, TypeError, ValueError, InvalidOperation, OverflowError):
        return None
    return (*coarse, second), coarse


class Matcher(Generic[T]):
    """Pairs the service's echoed records with what was sent.

    All echoes are matched on the exact key first, then the leftovers on the coarse
    key, each key first come first served, so an echo with an odd timestamp cannot
    take the place of one that matches exactly.

    Example:
        >>> from datetime import datetime, timezone
        >>> sent = {"Timestamp": datetime(2026, 1, 1, tzinfo=timezone.utc), "Dimension": "d",
        ...         "Quantity": 5, "CustomerIdentifier": "c"}
        >>> matcher = Matcher([(sent, "first"), (sent, "second")])
        >>> matcher.match([sent, {"bad": 1}, sent, sent]), matcher.remaining()
        (['first', None, 'second', None], [])
    """

    def __init__(self, sent: Iterable[tuple[Mapping[str, Any], T]]) -> None:
        self._items: list[T] = []
        self._taken: list[bool] = []
        self._exact: dict[Hashable, deque[int]] = {}
        self._coarse: dict[Hashable, deque[int]] = {}
        for wire, item in sent:
            position = len(self._items)
            self._items.append(item)
            self._taken.append(False)
            keys = match_keys(wire)
            if keys is not None:
                self._exact.setdefault(keys[0], deque()).append(position)
                self._coarse.setdefault(keys[1], deque()).append(position)

    def match(self, echoes: Iterable[object]) -> list[T | None]:
        """The sent item each echo stands for, ``None`` where none is left to claim."""
        keys = [match_keys(echo) if isinstance(echo, Mapping) else None for echo in echoes]
        found: list[T | None] = [None] * len(keys)
        for level, index in enumerate((self._exact, self._coarse)):
            for slot, key in enumerate(keys):
                if key is not None and found[slot] is None:
                    found[slot] = self._claim(index.get(key[level]))
        return found

    def _claim(self, queue: deque[int] | None) -> T | None:
        while queue:
            position = queue.popleft()
            if not self._taken[position]:
                self._taken[position] = True
                return self._items[position]
        return None

    def remaining(self) -> list[T]:
        """Sent items no echo has claimed, in the order they were sent."""
        return [item for item, taken in zip(self._items, self._taken, strict=True) if not taken]
