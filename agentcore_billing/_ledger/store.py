"""The storage seam: a database is a source of short transactions, nothing more.

Both stores hand out a :class:`Tx` inside ``write()`` (one writing transaction, committed
when the block ends, rolled back when it raises) or ``read()``. Statements are dialect
templates (see :mod:`.dialect`). No transaction is ever held across a network call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import unquote, urlsplit

from agentcore_billing._core.errors import InvalidInputError

from .dialect import Dialect

Row = tuple[Any, ...]


class Tx(ABC):
    """One open transaction."""

    dialect: Dialect

    @abstractmethod
    def execute(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; return its rows (empty when it returns none)."""

    @abstractmethod
    def count(self, template: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""

    @abstractmethod
    def executemany(self, template: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement per parameter row; return how many rows they changed."""


class Store(ABC):
    """A database the ledger lives in."""

    dialect: Dialect

    @abstractmethod
    def write(self) -> AbstractContextManager[Tx]:
        """A writing transaction (SQLite: BEGIN IMMEDIATE)."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction with one consistent view."""

    @abstractmethod
    def migration_lock(self, tx: Tx) -> None:
        """Keep two processes from migrating the same schema at once (inside ``tx``)."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection."""


def open_store(url: str, *, busy_timeout: float = 30.0, max_connections: int = 4) -> Store:
    """Open the store a URL names: ``sqlite:///relative.db``, ``sqlite:////abs.db``,
    ``sqlite:///:memory:`` or ``postgresql://user@host:5432/db`` (psycopg is imported
    only here, only for PostgreSQL).

    Example:
        >>> store = open_store("sqlite:///:memory:")
        >>> store.dialect.name
        'sqlite'
        >>> store.close()
    """
    if not isinstance(url, str):
        raise InvalidInputError("url", "a database URL string", type(url).__name__)
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(sqlite_path(url), busy_timeout=busy_timeout)
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return PostgresStore(url, max_connections=max_connections)
    raise InvalidInputError(
        "url", "sqlite:///path.db or postgresql://user@host:port/db", _masked_url(url)
    )


def sqlite_path(url: str) -> str:
    """The file path of a ``sqlite:///`` URL (three slashes: relative; four: absolute).

    Example:
        >>> sqlite_path("sqlite:///usage.db"), sqlite_path("sqlite:////var/lib/usage.db")
        ('usage.db', '/var/lib/usage.db')
    """
    prefix = "sqlite:///"
    if not url.lower().startswith(prefix) or len(url) == len(prefix):
        raise InvalidInputError("url", "sqlite:///relative.db or sqlite:////absolute.db", url)
    return unquote(url[len(prefix) :].split("?", 1)[0])


def _masked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return repr(url.replace(parts.password, "***"))
    return repr(url)
