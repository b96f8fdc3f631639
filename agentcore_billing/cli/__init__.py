"""The ``agentcore-billing`` command line (needs the ``cli`` extra: click and rich).

Commands: ``demo``, ``emulator``, ``meter``, ``resolve-customer`` and ``sessions``; see
``agentcore-billing --help``. Everything here goes through the public API of
:mod:`agentcore_billing` and :mod:`agentcore_billing.emulator`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._app import cli

__all__ = ["cli", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``agentcore-billing`` console script).

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        agentcore-billing, version 0.1.0
    """
    cli.main(args=list(argv) if argv is not None else None, prog_name="agentcore-billing")
