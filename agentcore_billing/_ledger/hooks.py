"""Named points in the ledger's write paths, for crash tests.

Each step of recording and flushing that matters for exactly-once calls
:func:`crash_point` with its name. Normally nothing happens. A crash test's child
process installs a hook (:func:`set_crash_hook`) that SIGKILLs the process at the step
it was told, so the test kills a real process at a real step and then proves that a
second run loses and double-bills nothing.

Points: ``record_many.before_commit``, ``record.before_commit``, ``seal.before_commit``,
``claim.before_commit``, ``claim.after_commit``, ``send.before`` (the request is about
to go out), ``settle.before_commit`` (the answer arrived, its outcome not yet stored),
``settle.after_commit``.
"""

from __future__ import annotations

from collections.abc import Callable

CrashHook = Callable[[str], None]

POINTS = (
    "record_many.before_commit",
    "record.before_commit",
    "seal.before_commit",
    "claim.before_commit",
    "claim.after_commit",
    "send.before",
    "settle.before_commit",
    "settle.after_commit",
)

_hook: CrashHook | None = None


def set_crash_hook(hook: CrashHook | None) -> None:
    """Install (or with None remove) the process-wide hook.

    Example:
        >>> seen = []
        >>> set_crash_hook(seen.append); crash_point("claim.after_commit"); set_crash_hook(None)
        >>> seen
        ['claim.after_commit']
    """
    global _hook  # noqa: PLW0603 - one process-wide test hook, off by default
    _hook = hook


def crash_point(name: str) -> None:
    """Call the installed hook with ``name`` (nothing when none is installed)."""
    hook = _hook
    if hook is not None:
        hook(name)
