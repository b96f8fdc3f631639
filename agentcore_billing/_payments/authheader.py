"""RFC 9110 section 11 ``WWW-Authenticate`` parsing: many challenges per field value.

Grammar (RFC 9110, 11.3 and 11.6.1)::

    WWW-Authenticate = #challenge
    challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    auth-param = token BWS "=" BWS ( token / quoted-string )
    token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="

A comma separates both the parameters of one challenge and the challenges of a
field, so a new challenge is recognised by a token that is *not* followed by ``=``.
Each challenge keeps its ``raw`` text exactly as the server sent it (what an MPP
``ProcessPayment`` needs, verbatim). Parameter names are case-insensitive (lower-cased
here), values of quoted strings are unescaped; a repeated name is an error
(RFC 9110: "each parameter name MUST only occur once per challenge").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_OWS = " \t"


@dataclass(frozen=True)
class AuthChallenge:
    """One challenge of a ``WWW-Authenticate`` field."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None
    raw: str = ""


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _param_starts(text: str, pos: int) -> bool:
    name = _TOKEN.match(text, pos)
    if name is None:
        return False
    after = _skip(text, name.end(), _OWS)
    if after >= len(text) or text[after] != "=":
        return False
    value = _skip(text, after + 1, _OWS)
    return value < len(text) and (text[value] == '"' or _TOKEN.match(text, value) is not None)


def _read_param(text: str, pos: int) -> tuple[str, str, int]:
    name = _TOKEN.match(text, pos)
    assert name is not None  # checked by _param_starts
    pos = _skip(text, _skip(text, name.end(), _OWS) + 1, _OWS)
    quoted = _QUOTED.match(text, pos)
    if quoted is not None:
        return name.group().lower(), _ESCAPE.sub(r"\1", quoted.group(1)), quoted.end()
    if pos < len(text) and text[pos] == '"':
        raise ValueError(f"unterminated quoted-string at offset {pos}")
    token = _TOKEN.match(text, pos)
    assert token is not None  # checked by _param_starts
    return name.group().lower(), token.group(), token.end()


def _read_params(text: str, pos: int) -> tuple[dict[str, str], int]:
    params: dict[str, str] = {}
    while True:
        name, value, end = _read_param(text, pos)
        if name in params:
            raise ValueError(f"auth-param {name!r} occurs twice in one challenge")
        params[name] = value
        nxt = _skip(text, end, _OWS)
        if nxt >= len(text) or text[nxt] != ",":
            return params, end
        candidate = _skip(text, nxt, _OWS + ",")
        if not _param_starts(text, candidate):
            return params, end  # the comma starts the next challenge
        pos = candidate


def _read_challenge(text: str, start: int) -> tuple[AuthChallenge, int]:
    scheme = _TOKEN.match(text, start)
    if scheme is None:
        raise ValueError(f"expected an auth-scheme at offset {start}")
    pos = scheme.end()
    after = _skip(text, pos, " ")
    params: dict[str, str] = {}
    token68 = None
    if after > pos and after < len(text) and text[after] != ",":
        if _param_starts(text, after):
            params, pos = _read_params(text, after)
        else:
            match = _TOKEN68.match(text, after)
            if match is None:
                raise ValueError(f"expected auth-params or a token68 at offset {after}")
            token68, pos = match.group(), match.end()
    challenge = AuthChallenge(scheme.group(), params, token68, text[start:pos])
    return challenge, pos


def parse_www_authenticate(value: str) -> list[AuthChallenge]:
    """Every challenge in one ``WWW-Authenticate`` field value, in order.

    Raises:
        ValueError: the value does not follow the RFC 9110 grammar.

    Example:
        >>> [c.scheme for c in parse_www_authenticate('Basic realm="x", Payment id="a", '
        ...                                            'method=evm, request="e30"')]
        ['Basic', 'Payment']
        >>> parse_www_authenticate('Payment id="a\\\\"b", intent=charge')[0].params["id"]
        'a"b'
    """
    challenges: list[AuthChallenge] = []
    pos = 0
    while True:
        pos = _skip(value, pos, _OWS + ",")
        if pos >= len(value):
            return challenges
        challenge, pos = _read_challenge(value, pos)
        challenges.append(challenge)
        pos = _skip(value, pos, _OWS)
        if pos < len(value) and value[pos] != ",":
            raise ValueError(f"unexpected {value[pos]!r} at offset {pos}")
