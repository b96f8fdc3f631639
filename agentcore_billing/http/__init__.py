"""Pay HTTP 402s from ``httpx`` and ``requests`` (extras ``[httpx]`` and ``[requests]``).

On a 402 the auth pays (as ``PaymentsClient.pay_for``) and resends the request once
with the payment header; a second 402 is handed back untouched. Payment headers go
only to the origin that asked, only over https (plain http only to loopback hosts),
and never follow a redirect. Nothing is imported until a name is used.

Example:
    ::

        from agentcore_billing.http import HttpxPaymentAuth

        auth = HttpxPaymentAuth(payments, payment_session_id=session_id,
                                payment_instrument_id=instrument_id)
        response = httpx.get("https://api.example.com/paid", auth=auth)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._httpx import HttpxPaymentAuth
    from ._requests import RequestsPaymentAuth

_LAZY = {"HttpxPaymentAuth": "._httpx", "RequestsPaymentAuth": "._requests"}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["HttpxPaymentAuth", "RequestsPaymentAuth"]
