"""The PostgreSQL store (psycopg 3 and psycopg-pool, the ``[postgres]`` extra).

Imported only when a ``postgresql://`` URL is opened, so ``import agentcore_billing``
and SQLite ledgers never load psycopg. Every transaction is short and takes a pooled
connection; nothing is held across a network call. Mutual exclusion between workers
comes from row locks (``FOR UPDATE SKIP LOCKED`` claims, leases in the rows), never
session advisory locks, which break behind a transaction-pooling PgBouncer. A schema
can be chosen with the URL (``?options=-csearch_path%3Dbilling``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from agentcore_billing._core.errors import ConfigurationError

from .dialect import POSTGRES
from .store import Row, Store, Tx

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as err:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "a postgresql:// ledger needs psycopg 3: pip install 'agentcore-billing[postgres]'"
    ) from err


class PostgresTx(Tx):
    """A transaction on one pooled connection."""

    dialect = POSTGRES

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cur = cursor

    def execute(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; return its rows."""
        self._cur.execute(POSTGRES.sql(template), tuple(params))
        return list(self._cur.fetchall()) if self._cur.description is not None else []

    def count(self, template: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the rows it changed."""
        self._cur.execute(POSTGRES.sql(template), tuple(params))
        return int(self._cur.rowcount)

    def executemany(self, template: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement per row (pipelined by psycopg); return the rows changed."""
        self._cur.executemany(POSTGRES.sql(template), rows)
        return int(self._cur.rowcount)


class PostgresStore(Store):
    """A pool of connections to one PostgreSQL database (and schema)."""

    dialect = POSTGRES

    def __init__(
        self, url: str, *, max_connections: int = 4, connect_timeout: float = 10.0
    ) -> None:
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, max_connections),
            kwargs={"autocommit": True},
            open=True,
            name="agentcore-billing-ledger",
        )
        try:
            self._pool.wait(timeout=connect_timeout)
        except PoolTimeout as err:
            self._pool.close()
            raise ConfigurationError(
                f"the ledger cannot reach PostgreSQL at {_where(url)} within {connect_timeout:g} s"
            ) from err

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """BEGIN ... COMMIT on a pooled connection (ROLLBACK when the block raises)."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield PostgresTx(cur)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A REPEATABLE READ, READ ONLY transaction: one snapshot for the block."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield PostgresTx(cur)

    def migration_lock(self, tx: Tx) -> None:
        """A transaction-scoped advisory lock per schema (released at commit; safe
        behind PgBouncer), so two processes opening a fresh schema do not race."""
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('agentcore_billing:' || current_schema()))"
        )

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()


def _where(url: str) -> str:
    """host:port/db of a URL, without user or password.

    Example:
        >>> _where("postgresql://bill:secret@db.internal:5433/usage?sslmode=require")
        'db.internal:5433/usage'
    """
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}".rstrip("/")
