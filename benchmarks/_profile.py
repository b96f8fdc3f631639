"""cProfile one side of a comparison and keep the entries that are the library's."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

OURS = ("agentcore_billing", "tenacity", "pydantic")
"""Packages whose time counts as the typed layer's: our code and what only we call."""

_BOTOCORE_CALL = ("botocore/client.py", "_make_api_call")


def _label(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    for marker in ("agentcore_billing", "tenacity", "pydantic", "botocore", "dateutil", "boto3"):
        index = filename.rfind(marker)
        if index >= 0:
            return f"{filename[index:]}:{line}({func})"
    if filename == "~":
        return func
    return f"{filename.rsplit('/', 1)[-1]}:{line}({func})"


def profile_calls(fn: Callable[[], None], calls: int, *, top: int = 12) -> dict[str, Any]:
    """Profile ``calls`` calls of ``fn``; per-call microseconds (profiler-inflated).

    Returns the total, the part inside botocore's ``_make_api_call``, botocore's
    timestamp parsing, and the top entries from :data:`OURS` by cumulative and by own time.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]

    def per_call_us(seconds: float) -> float:
        return round(seconds / calls * 1e6, 1)

    botocore_time = sum(
        ct
        for (filename, _, func), (_, _, _, ct, _) in raw.items()
        if filename.endswith(_BOTOCORE_CALL[0]) and func == _BOTOCORE_CALL[1]
    )
    timestamp_time = sum(
        ct
        for (filename, _, func), (_, _, _, ct, _) in raw.items()
        if filename.endswith("botocore/parsers.py") and func == "_handle_timestamp"
    )
    ours = [
        (key, value)
        for key, value in raw.items()
        if any(f"/{pkg}/" in key[0] or f"{pkg}_core" in key[0] for pkg in OURS)
    ]

    def entries(index: int) -> list[dict[str, Any]]:
        ranked = sorted(ours, key=lambda kv: kv[1][index], reverse=True)[:top]
        return [
            {
                "function": _label(key),
                "calls_per_call": round(nc / calls, 2),
                "own_us": per_call_us(tt),
                "cumulative_us": per_call_us(ct),
            }
            for key, (_, nc, tt, ct, _) in ranked
        ]

    total = stats.total_tt  # type: ignore[attr-defined]
    return {
        "calls": calls,
        "total_us": per_call_us(total),
        "botocore_make_api_call_us": per_call_us(botocore_time),
        "outside_botocore_us": per_call_us(total - botocore_time),
        "botocore_timestamp_parsing_us": per_call_us(timestamp_time),
        "top_cumulative": entries(3),
        "top_own": entries(2),
    }
