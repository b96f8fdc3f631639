"""What a backend handler receives besides its parameters: time, ids, headers."""

from __future__ import annotations

import base64
import json
import random
import secrets
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_ALNUM = string.digits + string.ascii_letters


class IdSource:
    """Identifiers: reproducible for a seed, never repeated otherwise.

    With a seed, a run mints the same ids as every other run with that seed. Without
    one (``None``), each source draws a fresh salt, so no two emulators mint the same
    ids (a seller's replay protection never sees an old nonce again). Either way
    :meth:`reset` moves on to a new stream instead of replaying the old one, so an id
    kept from before a reset never names something created after it.

    Example:
        >>> IdSource(1).alnum(5) == IdSource(1).alnum(5)
        True
        >>> IdSource(None).alnum(15) == IdSource(None).alnum(15)
        False
        >>> ids = IdSource(1)
        >>> first = ids.alnum(15)
        >>> ids.reset()
        >>> ids.alnum(15) == first
        False
    """

    def __init__(self, seed: int | str | None) -> None:
        self._seed = seed
        self._salt = "" if seed is not None else secrets.token_hex(16)
        self._generation = 0
        self._rng = self._stream()

    def _stream(self) -> random.Random:
        generation = f":{self._generation}" if self._generation else ""
        return random.Random(f"{self._seed}{self._salt}:ids{generation}")

    def reset(self) -> None:
        """Continue with a new stream (the next one of the seed's sequence)."""
        self._generation += 1
        self._rng = self._stream()

    def fixed(self, label: str) -> IdSource:
        """A separate source that mints the same ids every time (for fixed data sets).

        Example:
            >>> IdSource(None).fixed("demo").alnum(8) == IdSource(None).fixed("demo").alnum(8)
            True
        """
        return IdSource(f"{self._seed}:{label}")

    def uuid4(self) -> str:
        """A random (version 4) UUID string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def alnum(self, length: int) -> str:
        """``length`` characters from ``[0-9a-zA-Z]``."""
        return "".join(self._rng.choice(_ALNUM) for _ in range(length))

    def hex(self, length: int) -> str:
        """``length`` lower-case hex digits."""
        return f"{self._rng.getrandbits(4 * length):0{length}x}"

    def token(self, size: int = 32) -> str:
        """An opaque url-safe token of ``size`` random bytes."""
        return b64url(self._rng.randbytes(size))


@dataclass(frozen=True)
class CallContext:
    """Per-request context handed to a backend (always called under the state lock)."""

    now: datetime
    headers: Mapping[str, str]
    ids: IdSource
    unprocessed: Callable[[int], list[bool]]


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE and the Payment auth scheme use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (raises ValueError when malformed)."""
    cleaned = text.strip()
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as err:
        raise ValueError(f"not base64url: {err}") from err


def fake_jwt(claims: Mapping[str, Any], ids: IdSource, alg: str = "ES256") -> str:
    """An unsigned-looking but well-formed JWT (header.claims.signature)."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(dict(claims), separators=(",", ":"), default=str).encode())
    return f"{header}.{body}.{ids.token(64)}"


def jwt_subject(authorization: str | None) -> str | None:
    """The ``sub`` claim of a ``Bearer`` JWT (not verified: the emulator trusts callers)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    parts = authorization[7:].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None
