"""The small SQL dialect the ledger needs: SQLite and PostgreSQL differ in a few words.

Statements are written once with ``?`` placeholders and ``{word}`` slots; each store
renders them for its database (cached). SQLAlchemy was weighed and left out: it costs
about a third of a second to import, and on SQLite it silently drops
``FOR UPDATE SKIP LOCKED`` - the one clause whose absence must not go unnoticed - where
this dialect says plainly that SQLite gets its exclusion from ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Dialect:
    """The words that differ between the two databases.

    Example:
        >>> POSTGRES.sql("SELECT {greatest}(a, ?) FROM t{skip_locked}")
        'SELECT GREATEST(a, %s) FROM t FOR UPDATE SKIP LOCKED'
        >>> SQLITE.sql("SELECT {greatest}(a, ?) FROM t{skip_locked}")
        'SELECT MAX(a, ?) FROM t'
    """

    name: str
    placeholder: str
    words: tuple[tuple[str, str], ...] = field(default=())

    def sql(self, template: str) -> str:
        """``template`` rendered for this database."""
        return _render(self, template)


@lru_cache(maxsize=256)
def _render(dialect: Dialect, template: str) -> str:
    text = template.format(**dict(dialect.words))
    return text.replace("?", dialect.placeholder) if dialect.placeholder != "?" else text


SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    words=(
        ("greatest", "MAX"),
        ("least", "MIN"),
        # SQLite has no row locks: every writing transaction starts with BEGIN
        # IMMEDIATE, which takes the database's one write lock up front.
        ("skip_locked", ""),
        ("for_update", ""),
        ("for_share", ""),
        ("serial_pk", "INTEGER PRIMARY KEY"),
        ("double", "REAL"),
        ("big_sum", "INTEGER"),
    ),
)

POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    words=(
        ("greatest", "GREATEST"),
        ("least", "LEAST"),
        ("skip_locked", " FOR UPDATE SKIP LOCKED"),
        ("for_update", " FOR UPDATE"),
        ("for_share", " FOR SHARE"),
        ("serial_pk", "BIGSERIAL PRIMARY KEY"),
        ("double", "DOUBLE PRECISION"),
        ("big_sum", "NUMERIC(38, 0)"),
    ),
)
