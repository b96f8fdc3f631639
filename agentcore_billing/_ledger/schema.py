"""The ledger's tables, and forward migrations run when a ledger is opened.

``ledger_schema`` holds the version. Opening a ledger applies every later migration in
one transaction (under a migration lock, so two processes opening a fresh database at
once do not race); a database newer than this library is refused rather than guessed at.

Tables (version 1):

* ``ledger_events``: append-only, one row per event, unique ``event_id`` (the dedup key,
  kept at least 35 days). ``hour`` is the billing hour the event counts in (its own, or
  the oldest open hour for a late event carried forward). Quantities are exact integers
  of millionths, summed only once, when the hour is sealed: keeping a running total per
  hour instead would halve ingest speed and make every insert fight over one hot row.
* ``ledger_hours``: the outbox, one row per (buyer, dimension, hour), unique by
  ``hour_key``. It holds the frozen wire record and its hash, the state, and the lease
  (owner, token, expiry, attempts) that a flush worker commits before it sends.
* ``ledger_meta``: one row; ``sealed_before`` is the watermark: every hour before it is
  sealed, the hour at it is the oldest open one.
* ``ledger_late``: late-event counts since the last flush (append-only, so recorders
  never contend on a counter row).
* ``ledger_pace``: one row per account and Region: the next free request slot shared by
  every worker on every host, so together they keep to the 10 requests/s quota.
"""

from __future__ import annotations

from agentcore_billing._core.errors import ConfigurationError

from .store import Store, Tx

_V1 = (
    """CREATE TABLE ledger_events (
        event_id TEXT PRIMARY KEY,
        account TEXT, license_arn TEXT, customer TEXT, product TEXT,
        dimension TEXT NOT NULL,
        at_us BIGINT NOT NULL,
        hour BIGINT NOT NULL,
        micros BIGINT NOT NULL,
        whole SMALLINT NOT NULL,
        late SMALLINT NOT NULL
    )""",
    "CREATE INDEX ledger_events_hour ON ledger_events (hour)",
    """CREATE TABLE ledger_hours (
        id {serial_pk},
        hour_key TEXT NOT NULL UNIQUE,
        grp TEXT NOT NULL,
        account TEXT, license_arn TEXT, customer TEXT, product TEXT,
        dimension TEXT NOT NULL,
        hour BIGINT NOT NULL,
        deadline BIGINT NOT NULL,
        micros {big_sum} NOT NULL,
        whole SMALLINT NOT NULL,
        events BIGINT NOT NULL,
        record TEXT NOT NULL,
        record_hash TEXT NOT NULL,
        state TEXT NOT NULL,
        sent SMALLINT NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_token TEXT,
        lease_expires {double},
        next_at {double} NOT NULL DEFAULT 0,
        metering_record_id TEXT,
        reason TEXT,
        sealed_at {double} NOT NULL,
        settled_at {double}
    )""",
    "CREATE INDEX ledger_hours_work ON ledger_hours (state, next_at)",
    "CREATE INDEX ledger_hours_hour ON ledger_hours (hour)",
    "CREATE TABLE ledger_meta (id INTEGER PRIMARY KEY, sealed_before BIGINT)",
    "INSERT INTO ledger_meta (id, sealed_before) VALUES (1, NULL)",
    "CREATE TABLE ledger_late (kind TEXT NOT NULL, n BIGINT NOT NULL)",
    "CREATE TABLE ledger_pace (name TEXT PRIMARY KEY, next_at {double} NOT NULL)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1,)
"""Migration N (1-based) brings the schema from version N-1 to N. Append only."""

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(store: Store) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version found before.

    Example:
        >>> from .store import open_store
        >>> store = open_store("sqlite:///:memory:")
        >>> migrate(store), migrate(store)
        (0, 1)
        >>> store.close()
    """
    with store.write() as tx:
        store.migration_lock(tx)
        tx.execute("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)")
        found = _version(tx)
        if found > SCHEMA_VERSION:
            raise ConfigurationError(
                f"the ledger database has schema version {found}, newer than this library "
                f"understands ({SCHEMA_VERSION}): upgrade agentcore-billing"
            )
        for statements in MIGRATIONS[found:]:
            for statement in statements:
                tx.execute(statement)
        if found < SCHEMA_VERSION:
            tx.execute("DELETE FROM ledger_schema")
            tx.execute("INSERT INTO ledger_schema (version) VALUES (?)", (SCHEMA_VERSION,))
    return found


def _version(tx: Tx) -> int:
    rows = tx.execute("SELECT MAX(version) FROM ledger_schema")
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0
