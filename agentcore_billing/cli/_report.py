"""The ``meter --report`` file: written row by row as results arrive, finished at the end.

While records are being metered the file holds the rows answered so far, one JSON
object per line after a first line ``{"dry_run": false, "in_progress": true,
"results": [`` (a run killed outright leaves them readable line by line). When the run
ends, normally or interrupted, the finished report replaces it in one step: a JSON
document with ``dry_run``, ``counts`` and ``results`` (one row per input line, by line).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

_HEADER = '{"dry_run": false, "in_progress": true, "results": [\n'


class ReportFile:
    """The report of one metering run, opened before anything is sent.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "out.json"
        >>> report = ReportFile(path)
        >>> report.add({"line": 2, "outcome": "SUCCESS"})
        >>> path.read_text().splitlines()[1]
        '{"line": 2, "outcome": "SUCCESS"}'
        >>> report.finish({"dry_run": False, "results": []})
        >>> json.loads(path.read_text())["results"]
        []
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._rows = 0
        self._journal: IO[str] | None = self.path.open("w", encoding="utf-8")
        self._journal.write(_HEADER)
        self._journal.flush()

    def add(self, row: dict[str, Any]) -> None:
        """Append one row (flushed at once: a killed run keeps it)."""
        if self._journal is None:
            return
        self._journal.write(("," if self._rows else "") + json.dumps(row) + "\n")
        self._journal.flush()
        self._rows += 1

    def finish(self, document: dict[str, Any]) -> None:
        """Replace the rows written so far with the finished ``document``."""
        self.close()
        write_json(self.path, document)

    def close(self) -> None:
        """Stop appending (the rows written so far stay)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def write_json(path: str | Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` in one step (a partial file never replaces it)."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target)
