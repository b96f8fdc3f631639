"""Keep request and response bodies out of botocore's DEBUG logs during our calls.

botocore logs every request's parameters (``botocore.endpoint``) and every response
body (``botocore.parsers``) at DEBUG. For these services those carry registration
tokens, payment payloads, MPP credentials, emails and bearer tokens. While one of this
library's calls runs (a context variable marks it, so other code in the process keeps
botocore's usual logs), those two messages are rewritten to say the body was withheld.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

WITHHELD = "<withheld by agentcore_billing>"

_in_call: ContextVar[bool] = ContextVar("agentcore_billing_in_call", default=False)
_installed = False
_install_lock = threading.Lock()


class _BodyRedactor(logging.Filter):
    """Rewrites botocore's body-carrying DEBUG records made inside our calls."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _in_call.get():
            return True
        message = str(record.msg)
        if message.startswith("Making request for") and isinstance(record.args, tuple):
            record.args = (record.args[0], WITHHELD)
        elif message.startswith(("Response body", "Sending http request")):
            # The request line carries the headers: a bearer token among them.
            record.args = (WITHHELD,)
        elif record.exc_info and message.startswith("Exception caught when parsing"):
            record.exc_info = None
        return True


def install() -> None:
    """Attach the redactor to botocore's loggers once per process (idempotent)."""
    global _installed  # noqa: PLW0603 - one process-wide installation
    with _install_lock:
        if _installed:
            return
        redactor = _BodyRedactor()
        for name in ("botocore.endpoint", "botocore.parsers"):
            logging.getLogger(name).addFilter(redactor)
        _installed = True


@contextmanager
def redacting() -> Iterator[None]:
    """Mark the current call as ours so botocore's body logs are withheld.

    Example:
        >>> install()
        >>> with redacting():
        ...     pass
    """
    token = _in_call.set(True)
    try:
        yield
    finally:
        _in_call.reset(token)
