"""Sealing (summing an hour once and freezing its record), expiry and pruning.

An hour H is sealed once ``H + 1 hour + lateness`` has passed: its events are summed
in one statement and one outbox row per (buyer, dimension) is written with the frozen
wire record. The watermark moves in the same transaction, under the meta row's lock,
so the sum can never miss an event that a concurrent recorder is committing: the
recorder holds that row ``FOR SHARE`` (SQLite: the one write lock) while it inserts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .hooks import crash_point
from .models import HourResult, HourState
from .rows import HOUR_COLUMNS, HOUR_S, deadline_of, frozen_record, hour_result
from .store import Tx

logger = logging.getLogger("agentcore_billing.ledger")

SEND_MARGIN_S = 60
"""Hours this close to their deadline are not sent any more (the request would race it)."""

# License hours are one record per (account, license, dimension, hour) whatever product
# code the events named; legacy hours are per (product, customer identifier, ...).
_AGGREGATE = """
SELECT account, license_arn, customer,
       MAX(product), dimension, hour, SUM(micros), MIN(whole), COUNT(*)
FROM ledger_events WHERE hour < ? AND hour >= ?
GROUP BY account, license_arn, customer,
         CASE WHEN customer IS NULL THEN NULL ELSE product END, dimension, hour
"""
_INSERT_HOUR = """
INSERT INTO ledger_hours (hour_key, grp, account, license_arn, customer, product, dimension,
    hour, deadline, micros, whole, events, record, record_hash, state, sealed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sealed', ?)
"""


@dataclass(frozen=True)
class SealResult:
    """What one seal pass did."""

    sealed: int
    late_carried: int
    late_rejected: int


def seal(tx: Tx, now: float, lateness_s: float) -> SealResult:
    """Seal every hour whose lateness window has passed; collect the late counts."""
    rows = tx.execute("SELECT sealed_before FROM ledger_meta WHERE id = 1{for_update}")
    mark = None if rows[0][0] is None else int(rows[0][0])
    target = int((now - lateness_s) // HOUR_S * HOUR_S)
    sealed = 0
    if mark is None or target > mark:
        floor = -(2**62) if mark is None else mark
        hours = [_outbox_row(row, now) for row in tx.execute(_AGGREGATE, (target, floor))]
        if hours:
            tx.executemany(_INSERT_HOUR, hours)
        tx.execute("UPDATE ledger_meta SET sealed_before = ? WHERE id = 1", (target,))
        sealed = len(hours)
    late: dict[str, object] = dict(tx.execute("SELECT kind, SUM(n) FROM ledger_late GROUP BY kind"))
    if late:
        tx.execute("DELETE FROM ledger_late")
    crash_point("seal.before_commit")
    return SealResult(
        sealed=sealed,
        late_carried=int(str(late.get("carried") or 0)),
        late_rejected=int(str(late.get("rejected") or 0)),
    )


def _outbox_row(row: tuple[object, ...], now: float) -> tuple[object, ...]:
    account, license_arn, customer, product, dimension, hour, micros, whole, events = row
    key = (account, license_arn, customer, product, dimension, int(str(hour)))
    hour_key, group, record, digest = frozen_record(key, int(str(micros)), bool(whole))
    return (
        hour_key,
        group,
        account,
        license_arn,
        customer,
        product,
        dimension,
        key[5],
        deadline_of(key[5]),
        int(str(micros)),
        int(str(whole)),
        events,
        record,
        digest,
        now,
    )


def expire(tx: Tx, now: float) -> list[HourResult]:
    """Settle hours that can no longer be sent: expired (never sent) or unconfirmed
    (sent, no answer). Hours whose lease is still live are left to their holder."""
    rows = tx.execute(
        f"""UPDATE ledger_hours SET
              state = CASE WHEN sent = 1 THEN 'unconfirmed' ELSE 'expired' END,
              reason = CASE WHEN sent = 1
                THEN 'sent, but no answer came before the 24-hour window closed'
                ELSE 'never sent: past the 24-hour window' END,
              settled_at = ?, lease_token = NULL
            WHERE id IN (SELECT id FROM ledger_hours
                         WHERE state IN ('sealed', 'claimed') AND next_at <= ? AND deadline <= ?
                         {{skip_locked}})
            RETURNING {HOUR_COLUMNS}""",
        (now, now, now + SEND_MARGIN_S),
    )
    results = [hour_result(row) for row in rows]
    for result in results:
        log = logger.error if result.state is HourState.UNCONFIRMED else logger.warning
        log(
            "usage hour %s %s %s is %s: %s",
            result.hour.isoformat(),
            result.dimension,
            _buyer(result),
            result.state,
            result.reason,
        )
    return results


def prune(tx: Tx, *, events_before: float, hours_before: float | None) -> tuple[int, int]:
    """Delete sealed events older than ``events_before`` (the dedup horizon) and, when
    given, settled hours older than ``hours_before``."""
    mark_rows = tx.execute("SELECT sealed_before FROM ledger_meta WHERE id = 1")
    mark = mark_rows[0][0]
    events = 0
    if mark is not None:
        cutoff = min(int(events_before), int(mark))
        events = tx.count("DELETE FROM ledger_events WHERE hour < ?", (cutoff,))
    hours = 0
    if hours_before is not None:
        hours = tx.count(
            "DELETE FROM ledger_hours WHERE hour < ? AND state NOT IN ('sealed', 'claimed')",
            (int(hours_before),),
        )
    return events, hours


def _buyer(result: HourResult) -> str:
    if result.customer_identifier is not None:
        return f"{result.product_code}/{result.customer_identifier}"
    return f"{result.customer_aws_account_id} {result.license_arn}"
