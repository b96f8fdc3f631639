"""Reading the ledger: hours per state, the oldest unsent hour, hours near the deadline."""

from __future__ import annotations

from .models import HourResult, HourState, LedgerStatus, from_micros
from .rows import HOUR_COLUMNS, at_epoch, deadline_of, hour_result
from .store import Row, Tx

NEAR_DEADLINE_S = 3600
_OPEN_GROUPS = """
SELECT account, license_arn, customer, MAX(product), dimension, hour,
       SUM(micros), MIN(whole), COUNT(*)
FROM ledger_events WHERE hour >= ?
GROUP BY account, license_arn, customer,
         CASE WHEN customer IS NULL THEN NULL ELSE product END, dimension, hour
"""


def _mark(tx: Tx) -> int:
    rows = tx.execute("SELECT sealed_before FROM ledger_meta WHERE id = 1")
    return -(2**62) if rows[0][0] is None else int(rows[0][0])


def open_hours(tx: Tx, *, before: int | None = None, limit: int | None = None) -> list[HourResult]:
    """Hours still open (aggregated from their events; ``before`` bounds the hour)."""
    sql = _OPEN_GROUPS + (" HAVING hour < ?" if before is not None else "")
    sql += " ORDER BY hour" + (f" LIMIT {int(limit)}" if limit is not None else "")
    params: tuple[int, ...] = (_mark(tx),) if before is None else (_mark(tx), before)
    return [_open_result(row) for row in tx.execute(sql, params)]


def _open_result(row: Row) -> HourResult:
    account, license_arn, customer, product, dimension, hour, micros, whole, events = row
    return HourResult(
        customer_aws_account_id=account,
        license_arn=license_arn,
        customer_identifier=customer,
        product_code=product,
        dimension=dimension,
        hour=at_epoch(int(hour)),
        quantity=from_micros(int(micros), bool(whole)),
        state=HourState.OPEN,
        events=int(events),
    )


def pending_hours(tx: Tx) -> int:
    """Hours sealed or claimed (not yet settled)."""
    rows = tx.execute("SELECT COUNT(*) FROM ledger_hours WHERE state IN ('sealed', 'claimed')")
    return int(rows[0][0])


def ledger_status(tx: Tx, now: float) -> LedgerStatus:
    """The :class:`LedgerStatus` as of ``now``."""
    counts = dict.fromkeys(HourState, 0)
    for state, n in tx.execute("SELECT state, COUNT(*) FROM ledger_hours GROUP BY state"):
        counts[HourState(state)] = int(n)
    mark = _mark(tx)
    rows = tx.execute(f"SELECT COUNT(*), MIN(hour) FROM ({_OPEN_GROUPS}) open_hours", (mark,))
    counts[HourState.OPEN] = int(rows[0][0])
    oldest = [rows[0][1]] if rows[0][1] is not None else []
    unsent = tx.execute("SELECT MIN(hour) FROM ledger_hours WHERE state IN ('sealed', 'claimed')")[
        0
    ][0]
    oldest += [unsent] if unsent is not None else []
    near = [
        hour_result(row)
        for row in tx.execute(
            f"SELECT {HOUR_COLUMNS} FROM ledger_hours WHERE state IN ('sealed', 'claimed') "
            "AND deadline <= ? ORDER BY deadline, id LIMIT 1000",
            (now + NEAR_DEADLINE_S,),
        )
    ]
    near += [
        hour
        for hour in open_hours(tx, before=int(now) - 23 * 3600, limit=1000)
        if deadline_of(int(hour.hour.timestamp())) <= now + NEAR_DEADLINE_S
    ]
    return LedgerStatus(
        counts=counts,
        oldest_unsent=at_epoch(int(min(oldest))) if oldest else None,
        near_deadline=near,
    )


def hours_in(tx: Tx, state: HourState | None, limit: int) -> list[HourResult]:
    """Hours in ``state`` (every state when None), oldest first."""
    if state is HourState.OPEN:
        return open_hours(tx, limit=limit)
    where = "" if state is None else " WHERE state = ?"
    params: tuple[str, ...] = () if state is None else (str(state),)
    rows = tx.execute(
        f"SELECT {HOUR_COLUMNS} FROM ledger_hours{where} ORDER BY hour, id LIMIT {int(limit)}",
        params,
    )
    results = [hour_result(row) for row in rows]
    if state is None:
        results += open_hours(tx, limit=limit)
    return results[:limit]
