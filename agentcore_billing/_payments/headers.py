"""Reading HTTP header containers of every kind as ``(name, value)`` pairs.

Accepted: a plain ``Mapping`` (values may be lists for repeated headers), ``httpx.Headers``
(``multi_items()`` keeps repeated fields apart), ``requests``' ``CaseInsensitiveDict``,
``http.client.HTTPMessage`` / ``email.message.Message`` (``items()`` repeats), and a list
of ``(name, value)`` pairs. ``requests`` and urllib3 join repeated fields with ``", "``,
which RFC 9110 allows for list-valued fields such as ``WWW-Authenticate``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from agentcore_billing._core.errors import InvalidChallengeError


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """``headers`` as a list of ``(name, value)`` pairs, repeated fields kept apart.

    Example:
        >>> header_pairs({"WWW-Authenticate": ["Payment a=b", "Payment c=d"]})
        [('WWW-Authenticate', 'Payment a=b'), ('WWW-Authenticate', 'Payment c=d')]
        >>> header_pairs([("X-A", "1")])
        [('X-A', '1')]
    """
    if headers is None:
        return []
    multi = getattr(headers, "multi_items", None)
    if callable(multi):
        return [(str(name), str(value)) for name, value in multi()]
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        return list(_flatten(headers.items()))
    if isinstance(headers, Iterable) and not isinstance(headers, (str, bytes)):
        return list(_flatten(headers))
    raise InvalidChallengeError(
        f"headers must be a mapping or (name, value) pairs, got {type(headers).__name__}"
    )


def _flatten(items: Iterable[Any]) -> Iterator[tuple[str, str]]:
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise InvalidChallengeError(
                f"a header must be a (name, value) pair, got {type(item).__name__}"
            ) from None
        values = value if isinstance(value, (list, tuple)) else (value,)
        for one in values:
            yield _text(name), _text(one)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def header_values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in order."""
    wanted = name.lower()
    return [value for key, value in pairs if key.lower() == wanted]


def decode_b64_json(text: str, *, what: str) -> Any:
    """Base64 (standard or URL-safe, padding optional) JSON.

    Raises:
        InvalidChallengeError: naming ``what`` when the text is not base64 JSON.

    Example:
        >>> decode_b64_json("eyJhIjoxfQ", what="x")
        {'a': 1}
    """
    cleaned = "".join(text.split())
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        if "-" in padded or "_" in padded:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
        return json.loads(raw)
    except (binascii.Error, ValueError) as err:
        raise InvalidChallengeError(f"{what} is not base64-encoded JSON ({err})") from err


def encode_b64_json(document: Any, *, urlsafe: bool = False) -> str:
    """Compact JSON in base64 (x402 headers) or unpadded base64url (the Payment scheme).

    Example:
        >>> encode_b64_json({"a": 1}), encode_b64_json({"a": 1}, urlsafe=True)
        ('eyJhIjoxfQ==', 'eyJhIjoxfQ')
    """
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    if urlsafe:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return base64.b64encode(raw).decode("ascii")
