"""The SQLite store (stdlib ``sqlite3``): embedded, one file, several processes.

Settings, and why: WAL lets readers run beside the one writer; every writing
transaction starts with ``BEGIN IMMEDIATE`` so it takes the write lock before it reads
(no lock upgrade, no deadlock between two writers); a busy timeout makes a second
process wait for that lock instead of failing; ``synchronous=FULL`` makes each commit
durable through a power cut. Measured here, with batched commits FULL is as fast as
NORMAL (about 145k rows/s at 1,000 rows per commit), while a commit per row manages 2-3k
rows/s: hence record_many's one transaction per call and record()'s group commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .dialect import SQLITE
from .store import Row, Store, Tx


class SqliteTx(Tx):
    """A transaction on one sqlite3 connection."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; return its rows."""
        return self._conn.execute(SQLITE.sql(template), tuple(params)).fetchall()

    def count(self, template: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the rows it changed."""
        return self._conn.execute(SQLITE.sql(template), tuple(params)).rowcount

    def executemany(self, template: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement per row; return the rows changed."""
        return self._conn.executemany(SQLITE.sql(template), rows).rowcount


class SqliteStore(Store):
    """One connection per ledger object, shared by its threads under a lock.

    Example:
        >>> store = SqliteStore(":memory:")
        >>> with store.write() as tx:
        ...     _ = tx.execute("CREATE TABLE t (x INTEGER)")
        ...     tx.count("INSERT INTO t VALUES (?)", (1,))
        1
        >>> store.close()
    """

    dialect = SQLITE

    def __init__(self, path: str, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK when the block raises)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A deferred transaction: one snapshot for every statement in the block."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield SqliteTx(self._conn)
            finally:
                self._conn.execute("COMMIT")

    def migration_lock(self, tx: Tx) -> None:
        """Nothing to do: BEGIN IMMEDIATE already excludes other writers."""

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
