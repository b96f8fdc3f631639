"""Keep secrets out of logs and errors: botocore's DEBUG bodies, quoted secrets, causes.

botocore logs every request's parameters (``botocore.endpoint``) and every response
body (``botocore.parsers``) at DEBUG. For these services those carry registration
tokens, payment payloads, MPP credentials, emails and bearer tokens. While one of this
library's calls runs (a context variable marks it, so other code in the process keeps
botocore's usual logs), those two messages are rewritten to say the body was withheld.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .models import mask_secret

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


_SHORT_SECRET = 8
"""Below this length an embedded match is likely a coincidence (``a`` inside ``an``)."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every quoted secret replaced by its masked stand-in.

    A secret is replaced where it stands alone (between characters that cannot be
    part of a token); a long one also where it is embedded. A short secret is never
    replaced inside words, so a message stays readable whatever the secret is.

    Example:
        >>> scrub("token reg-123 is invalid", ["reg-123"])
        "token '***' (7 chars) is invalid"
        >>> scrub("a token named a", ["a"])
        "'***' (1 chars) token named '***' (1 chars)"
    """
    for secret in secrets:
        if not secret or secret not in text:
            continue
        masked = mask_secret(secret)
        pattern = rf"(?<![\w\-+/]){re.escape(secret)}(?![\w\-+/])"
        text = re.sub(pattern, masked.replace("\\", r"\\"), text)
        if len(secret) >= _SHORT_SECRET:
            text = text.replace(secret, masked)
    return text


_VALUE_IN_MESSAGE = re.compile(r", value: .*?(?=, valid|, type|$)", re.MULTILINE)


def without_values(text: str) -> str:
    """A botocore parameter-validation message without the values it quotes.

    Example:
        >>> without_values("Invalid type for parameter payload, value: b'secret', type: <bytes>")
        'Invalid type for parameter payload, type: <bytes>'
    """
    return _VALUE_IN_MESSAGE.sub("", text).strip()


class ScrubbedCause(Exception):  # noqa: N818 - it describes, it is never raised alone
    """What botocore raised, told without request values: the ``__cause__`` we chain.

    botocore's own exceptions quote parameters (a payment payload, an echoed token),
    so the library never chains them; this stand-in keeps their class name and a
    scrubbed, bounded text.

    Example:
        >>> from botocore.exceptions import ParamValidationError
        >>> raw = ParamValidationError(report="Invalid type for parameter p, value: 's3cr3t'")
        >>> "s3cr3t" in str(ScrubbedCause.of(raw))
        False
    """

    @classmethod
    def of(cls, err: BaseException, secrets: Iterable[str] = ()) -> ScrubbedCause:
        """The stand-in for ``err``."""
        from botocore.exceptions import ClientError, ParamValidationError

        name = f"{type(err).__module__}.{type(err).__name__}"
        if isinstance(err, ClientError):
            # The service message is on our error already (scrubbed); never twice.
            detail = f"{err.response.get('Error', {}).get('Code')} from {err.operation_name}"
        elif isinstance(err, ParamValidationError):
            detail = without_values(str(err))
        else:
            detail = str(err).splitlines()[0] if str(err) else ""
        return cls(f"{name}: {_bounded(scrub(detail, secrets))}")


def _bounded(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more)"
