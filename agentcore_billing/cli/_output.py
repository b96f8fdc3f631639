"""Console output for the CLI: rich consoles, JSON output, one-line errors, exit codes.

Every command writes its result to stdout (a rich table for people, JSON with
``--json``) and everything else -- progress bars, notes, errors -- to stderr, so
``agentcore-billing meter usage.csv --json | jq`` always sees clean JSON.

Errors are one line on stderr (``error: ...``), never a traceback unless ``--debug``.
Known secrets (registration tokens read by the CLI) are masked in that line even if a
service message repeated them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import click
from rich.console import Console
from rich.table import Table

EXIT_OK = 0
"""Everything the command was asked to do succeeded."""
EXIT_FAILED = 1
"""The command ran but the outcome was a failure (a service error, records not accepted)."""
EXIT_BAD_INPUT = 2
"""Bad input or usage: a malformed line, a bad option, missing configuration."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C."""

MASK = "***"


@dataclass
class Settings:
    """Options shared by every command, collected from the group and the command line.

    Attributes:
        endpoint_url: send requests here instead of the AWS endpoint (an emulator).
        region: the AWS Region.
        profile: the AWS shared-config profile.
        json: machine-readable output on stdout.
        debug: show tracebacks and the library's debug log.
        secrets: strings that must never appear in output (masked if they do).
    """

    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    json: bool = False
    debug: bool = False
    secrets: list[str] = field(default_factory=list)


class CommandError(Exception):
    """A failure the command has already described; printed as one line.

    Example:
        >>> CommandError("no such file", exit_code=EXIT_BAD_INPUT).exit_code
        2
    """

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        self.exit_code = exit_code
        super().__init__(message)


def stdout_console() -> Console:
    """A console on the current stdout (built per call so test runners can capture it).

    Markup is off: service messages and input values are printed literally (a
    ``[request abc]`` is text, not a style); colour comes from ``rich.text.Text`` styles.
    """
    return Console(file=sys.stdout, highlight=False, markup=False, soft_wrap=True)


def stderr_console() -> Console:
    """A console on the current stderr, for progress bars and notes (markup off too)."""
    return Console(file=sys.stderr, highlight=False, markup=False, soft_wrap=True)


def mask(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text`` by ``***``.

    Example:
        >>> mask("token abc123 was refused", ["abc123"])
        'token *** was refused'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def to_jsonable(value: Any) -> Any:
    """Turn models, money, decimals, enums and datetimes into plain JSON values.

    Example:
        >>> to_jsonable({"q": Decimal("1.50"), "when": datetime(2026, 1, 1)})
        {'q': '1.50', 'when': '2026-01-01T00:00:00'}
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def emit_json(value: Any) -> None:
    """Write ``value`` as indented JSON to stdout."""
    click.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=False))


def key_value_table(title: str, rows: Sequence[tuple[str, Any]]) -> Table:
    """A two-column table of labels and values (``None`` shows as a dash)."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for label, value in rows:
        table.add_row(label, "-" if value is None else str(to_jsonable(value)))
    return table


def render_error(exc: BaseException, settings: Settings) -> None:
    """Print ``exc`` as one line on stderr (a JSON object with ``--json``)."""
    message = mask(describe_error(exc), settings.secrets)
    if settings.json:
        payload: dict[str, Any] = {"type": type(exc).__name__, "message": message}
        for attr in ("operation", "code", "http_status", "request_id", "client_token"):
            if getattr(exc, attr, None) is not None:
                payload[attr] = getattr(exc, attr)
        click.echo(json.dumps({"error": payload}), err=True)
    else:
        click.echo(f"error: {message}", err=True)


def describe_error(exc: BaseException) -> str:
    """The one-line description of an error (no newlines, no input values).

    Example:
        >>> describe_error(CommandError("line 3: quantity: not a number"))
        'line 3: quantity: not a number'
    """
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        text = describe_validation_error(exc)
    elif isinstance(exc, CommandError):
        text = str(exc)
    else:
        text = str(exc) or type(exc).__name__
        if _is_configuration_error(exc):
            text += " (on the command line: --region, --profile)"
        elif not _is_library_error(exc):
            text = f"{type(exc).__name__}: {text}"
            if not _is_environment_error(exc):
                text += " (unexpected: --debug shows the traceback)"
    return " ".join(text.split())


def describe_validation_error(exc: Any) -> str:
    """Summarise a pydantic ``ValidationError`` by field and rule, without input values.

    The library's one description of a validation failure
    (``InvalidInputError.from_validation_error``), with values left out: a terminal may
    be shared or recorded.

    Example:
        >>> from pydantic import BaseModel, ValidationError
        >>> class M(BaseModel):
        ...     n: int
        >>> try:
        ...     M(n="x")
        ... except ValidationError as err:
        ...     describe_validation_error(err)
        'n: Input should be a valid integer, unable to parse string as an integer'
    """
    from agentcore_billing import InvalidInputError

    return str(InvalidInputError.from_validation_error(exc, values=False))


def _is_library_error(exc: BaseException) -> bool:
    from agentcore_billing import AgentCoreBillingError

    return isinstance(exc, AgentCoreBillingError)


def _is_environment_error(exc: BaseException) -> bool:
    """Errors of the surroundings (files, AWS config), not of this program."""
    from botocore.exceptions import BotoCoreError

    return isinstance(exc, (OSError, BotoCoreError))


def _is_configuration_error(exc: BaseException) -> bool:
    from agentcore_billing import ConfigurationError

    return isinstance(exc, ConfigurationError)


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an error: 2 for input and configuration mistakes, else 1.

    Example:
        >>> exit_code_for(CommandError("bad", exit_code=EXIT_BAD_INPUT))
        2
    """
    from botocore.exceptions import NoRegionError, ProfileNotFound
    from pydantic import ValidationError

    from agentcore_billing import ConfigurationError, InvalidInputError

    if isinstance(exc, CommandError):
        return exc.exit_code
    bad_input = (ValidationError, InvalidInputError, ConfigurationError)
    if isinstance(exc, (*bad_input, ProfileNotFound, NoRegionError)):
        return EXIT_BAD_INPUT
    return EXIT_FAILED
