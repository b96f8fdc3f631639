"""The ``agentcore-billing`` command line (needs the ``cli`` extra: click and rich).

Commands: ``demo``, ``emulator``, ``meter``, ``resolve-customer`` and ``sessions``; see
``agentcore-billing --help``. Everything here goes through the public API of
:mod:`agentcore_billing` and :mod:`agentcore_billing.emulator`.

Installed without the extra, the command says in one line what to install instead of
failing with a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import cli

__all__ = ["cli", "main"]

MISSING_EXTRA = (
    "agentcore-billing: the command line needs the 'cli' extra "
    "(missing {module}): pip install 'agentcore-billing[cli]'"
)
_EXTRA_MODULES = ("click", "rich")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``agentcore-billing`` console script).

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        agentcore-billing, version 0.1.0
    """
    try:
        from ._app import cli
    except ModuleNotFoundError as err:
        missing = (err.name or "").split(".")[0]
        if missing not in _EXTRA_MODULES:
            raise
        sys.exit(MISSING_EXTRA.format(module=missing))
    cli.main(args=list(argv) if argv is not None else None, prog_name="agentcore-billing")


def __getattr__(name: str) -> Any:
    # ``cli`` (the click group) loads on first use, so ``main`` can explain a missing
    # extra instead of failing at import.
    if name == "cli":
        from ._app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
