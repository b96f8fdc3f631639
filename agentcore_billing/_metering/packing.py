"""Pure helpers for BatchMeterUsage: chunking, request sizing, packing and bisection.

Nothing here talks to AWS or reads the clock, so all of it is tested on plain data.

Sizes are those of the JSON body botocore sends: ``json.dumps`` with its default
separators, timestamps as epoch seconds (an int, or a float with microseconds).
"""

from __future__ import annotations

import calendar
import functools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")

MAX_RECORDS_PER_REQUEST = 25
"""BatchMeterUsage accepts at most 25 UsageRecords."""

MAX_REQUEST_BYTES = 1_000_000
"""A request body must stay below this many bytes. The service says "less than 1 MB";
counting a megabyte as 10**6 bytes leaves room for headers under 1 MiB."""

GroupKey = tuple[str, str]
"""``("product", code)`` for legacy records; for new ones ``("licensed-product", code)``
when the caller named the product, else ``("license", license_arn)``."""

_SEPARATOR = len(", ")

PLAIN_RECORD_MAX_BYTES = 8192
"""An upper bound on the JSON size of a record without allocations: its free text (a
dimension and a customer identifier of up to 255 characters, at most 12 bytes each once
escaped), an account id of up to 255 digits, a LicenseArn of about 1,300 ASCII characters,
a timestamp, a quantity and the keys come to well under 8 KiB. 25 such records cannot
reach the request limit, so their exact size is only computed when it could matter."""


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of up to ``size`` items, pulling from ``items`` only as needed.

    Example:
        >>> list(chunked(range(5), 2))
        [[0, 1], [2, 3], [4]]
    """
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def epoch_seconds(value: datetime) -> int | float:
    """A datetime as botocore's JSON serializer writes it (int unless microseconds).

    Example:
        >>> from datetime import timezone
        >>> epoch_seconds(datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc))
        1.5
    """
    seconds = calendar.timegm(value.utctimetuple())
    if value.microsecond:
        return (seconds * 10**6 + value.microsecond) / 10**6
    return seconds


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return epoch_seconds(value)
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def wire_json(wire: Mapping[str, Any]) -> str:
    """Canonical JSON of one wire record (keys sorted), as long as botocore's rendering.

    Two records with the same text are the same content; ``len()`` is its byte size.

    Example:
        >>> wire_json({"Dimension": "d", "Quantity": 1})
        '{"Dimension": "d", "Quantity": 1}'
    """
    return json.dumps(_jsonable(wire), sort_keys=True)


@functools.lru_cache(maxsize=64)
def request_overhead(product_code: str | None) -> int:
    """Bytes of the request body around the records (``{"UsageRecords": [...], ...}``).

    Example:
        >>> request_overhead(None)
        20
    """
    body: dict[str, Any] = {"UsageRecords": []}
    if product_code is not None:
        body["ProductCode"] = product_code
    return len(json.dumps(body))


def request_size(record_sizes: Iterable[int], product_code: str | None) -> int:
    """The body size of a request holding records of these sizes.

    Example:
        >>> request_size([33, 33], None)
        88
    """
    sizes = list(record_sizes)
    return request_overhead(product_code) + sum(sizes) + _SEPARATOR * max(0, len(sizes) - 1)


def pack(
    items: Iterable[T],
    size: Callable[[T], int],
    *,
    overhead: int,
    max_items: int = MAX_RECORDS_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[T]]:
    """Greedily pack items, in order, into requests of ``<= max_items`` and ``< max_bytes``.

    Raises ValueError for an item that cannot fit even alone (filter those first).

    Example:
        >>> list(pack([10, 10, 10, 10], lambda n: n, overhead=20, max_items=3, max_bytes=50))
        [[10, 10], [10, 10]]
    """
    batch: list[T] = []
    used = overhead
    for item in items:
        item_size = size(item)
        if overhead + item_size >= max_bytes:
            raise ValueError(f"an item of {item_size} bytes can never fit under {max_bytes}")
        extra = item_size + (_SEPARATOR if batch else 0)
        if batch and (len(batch) >= max_items or used + extra >= max_bytes):
            yield batch
            batch, used, extra = [], overhead, item_size
        batch.append(item)
        used += extra
    if batch:
        yield batch


def halves(items: list[T]) -> tuple[list[T], list[T]]:
    """Split a request in two for bisection; the left half gets the odd one.

    Example:
        >>> [len(half) for half in halves(list(range(25)))]
        [13, 12]
    """
    middle = (len(items) + 1) // 2
    return items[:middle], items[middle:]


def bisection_bound(records: int, bad: int) -> int:
    """Most calls bisection makes to isolate ``bad`` refused records among ``records``.

    Each bad record costs at most two calls per level of a tree of depth
    ``ceil(log2(records))``, plus the first call; never more than the whole tree
    (``2 * records - 1``). For 25 records: 11 calls for one bad record, 49 at most.

    Example:
        >>> bisection_bound(25, 1), bisection_bound(25, 3), bisection_bound(25, 25)
        (11, 31, 49)
    """
    if records <= 1:
        return 1
    depth = math.ceil(math.log2(records))
    return min(1 + 2 * bad * depth, 2 * records - 1)
