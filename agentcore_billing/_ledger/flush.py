"""The flush loop: claim up to 25 sealed hours, send them once, store the outcome.

One round, and why each step is where it is:

1. **Claim** (one transaction): pick the oldest claimable hour's request group (one
   product per request), then ``UPDATE ... WHERE id IN (SELECT ... LIMIT 25 FOR UPDATE
   SKIP LOCKED) RETURNING`` sets the lease: owner, a fresh lease token, an expiry,
   ``attempts + 1`` and ``sent = 1`` (from here on the record may reach the service).
   The same transaction takes the next request slot from the shared pace row. The
   lease is committed *before* the request, so a crash after it leaves a trace.
2. **Send** with no transaction open: the frozen records (hash checked) go through
   ``MeteringClient.batch_meter_usage``.
3. **Settle** (one transaction): each outcome is written only where the lease token
   still matches; a worker whose lease ran out and was taken over writes nothing.

A crash anywhere leaves each hour sealed or claimed; once the lease runs out another
run claims it and sends the identical record, and Marketplace answers Success with the
first MeteringRecordId. A DuplicateRecord on such a resend would mean the bytes changed
(a bug): it is logged at ERROR and the hour ends ``duplicate``.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentcore_billing._core.clock import Sleep

from .hooks import crash_point
from .models import HourResult, HourState
from .rows import HOUR_COLUMNS, hour_result, record_fields, record_hash
from .seal import SEND_MARGIN_S
from .store import Row, Store, Tx

if TYPE_CHECKING:
    from agentcore_billing import MeteringClient, UsageRecordResult

logger = logging.getLogger("agentcore_billing.ledger")

BATCH = 25
"""Records per BatchMeterUsage request (the service's limit)."""
MAX_BACKOFF_S = 60.0

_CLAIMABLE = "state IN ('sealed', 'claimed') AND next_at <= ? AND deadline > ?"
_PICK_GROUP = f"SELECT grp FROM ledger_hours WHERE {_CLAIMABLE} ORDER BY hour, id LIMIT 1"
_CLAIM = f"""
UPDATE ledger_hours SET state = 'claimed', lease_owner = ?, lease_token = ?,
    lease_expires = ?, next_at = ?, attempts = attempts + 1, sent = 1
WHERE id IN (SELECT id FROM ledger_hours WHERE grp = ? AND {_CLAIMABLE}
             ORDER BY hour, id LIMIT {BATCH}{{skip_locked}})
RETURNING {HOUR_COLUMNS}
"""
_SETTLE = """
UPDATE ledger_hours SET state = ?, metering_record_id = ?, reason = ?, settled_at = ?,
    lease_token = NULL, lease_expires = NULL
WHERE id = ? AND lease_token = ?
"""
_RELEASE = """
UPDATE ledger_hours SET state = 'sealed', reason = ?, next_at = ?, sent = ?,
    lease_token = NULL, lease_expires = NULL
WHERE id = ? AND lease_token = ?
"""


@dataclass
class Claim:
    """The hours one worker holds under one lease token, and its request slot."""

    token: str
    rows: list[Row]
    slot: float
    sent: list[Row] = field(default_factory=list)
    """The rows whose records went out (all but any whose frozen record fails its hash)."""


def new_owner() -> str:
    """``host:pid:random`` - who holds a lease, for people reading the table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Sender:
    """One worker's claim/send/settle rounds."""

    def __init__(
        self, store: Store, *, owner: str, lease_s: float, pace_name: str, interval: float
    ) -> None:
        self._store = store
        self._owner = owner
        self._lease_s = lease_s
        self._pace_name = pace_name
        self._interval = interval

    def claim(self, now: float) -> Claim | None:
        """Lease up to 25 hours of one request group and reserve a request slot."""
        token = uuid.uuid4().hex
        with self._store.write() as tx:
            picked = tx.execute(_PICK_GROUP + "{skip_locked}", (now, now + SEND_MARGIN_S))
            if not picked:
                return None
            rows = tx.execute(
                _CLAIM,
                (
                    self._owner,
                    token,
                    now + self._lease_s,
                    now + self._lease_s,
                    picked[0][0],
                    now,
                    now + SEND_MARGIN_S,
                ),
            )
            slot = self._reserve_slot(tx, now) if rows else now
            crash_point("claim.before_commit")
        crash_point("claim.after_commit")
        if not rows:
            return None
        return Claim(token=token, rows=sorted(rows, key=lambda r: int(r[0])), slot=slot)

    def _reserve_slot(self, tx: Tx, now: float) -> float:
        # One row per account and Region: every worker on every host takes its slot
        # here, so together they stay at the quota (more workers add availability,
        # not speed). The slot is the later of "now" and the previous slot + 1/rate.
        tx.execute(
            "INSERT INTO ledger_pace (name, next_at) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (self._pace_name,),
        )
        rows = tx.execute(
            "UPDATE ledger_pace SET next_at = {greatest}(next_at, ?) + ? WHERE name = ? "
            "RETURNING next_at",
            (now, self._interval, self._pace_name),
        )
        return float(rows[0][0]) - self._interval

    def send(self, metering: MeteringClient, claim: Claim) -> list[tuple[Row, UsageRecordResult]]:
        """Send the claimed hours' frozen records in one batch (no transaction open).

        A record whose bytes no longer match the hash taken at sealing is not sent (what
        it would bill is unknown): it comes back REJECTED, logged at ERROR.
        """
        from agentcore_billing import MeteringOutcome, UsageRecordResult

        answers: list[tuple[Row, Any]] = []  # (row, UsageRecordResult)
        claim.sent = [row for row in claim.rows if record_hash(str(row[14])) == row[15]]
        for row in claim.rows:
            if row not in claim.sent:
                logger.error(
                    "usage hour id %s: its frozen record does not match its hash; not sent", row[0]
                )
                reason = "the frozen record does not match its hash (changed in the database)"
                result = UsageRecordResult(
                    record={"hour_id": row[0]}, outcome=MeteringOutcome.REJECTED, reason=reason
                )
                answers.append((row, result))
        if claim.sent:
            group = str(claim.sent[0][16])
            product = None if group.startswith("license:") else group.split(":", 1)[1]
            records = [record_fields(str(row[14])) for row in claim.sent]
            crash_point("send.before")
            report = metering.batch_meter_usage(records, product_code=product)
            answers += list(zip(claim.sent, report.results, strict=True))
        return answers

    def settle(
        self, claim: Claim, answers: Sequence[tuple[Row, UsageRecordResult]], now: float
    ) -> list[HourResult]:
        """Store each outcome where the lease is still ours; return the settled hours."""
        settled: list[HourResult] = []
        with self._store.write() as tx:
            for row, result in answers:
                hour = self._settle_one(tx, claim.token, row, result, now)
                if hour is not None:
                    settled.append(hour)
            crash_point("settle.before_commit")
        crash_point("settle.after_commit")
        return settled

    def _settle_one(
        self, tx: Tx, token: str, row: Row, result: UsageRecordResult, now: float
    ) -> HourResult | None:
        state, reason = outcome_state(row, result, now)
        if state is None:  # unprocessed: back to sealed, with back-off
            attempts = int(row[11])  # the claim's RETURNING already counts this attempt
            maybe_billed = bool(getattr(result, "maybe_billed", True))
            sent = 1 if (maybe_billed or attempts > 1) else 0
            delay = min(MAX_BACKOFF_S, 2.0 ** (attempts - 1))
            tx.count(_RELEASE, (result.reason, now + delay, sent, row[0], token))
            return None
        changed = tx.count(
            _SETTLE, (str(state), result.metering_record_id, reason, now, row[0], token)
        )
        if not changed:
            logger.warning(
                "lease on usage hour id %s was lost before its outcome was stored; "
                "the worker that took it over settles it",
                row[0],
            )
            return None
        return hour_result(
            row, state=state, metering_record_id=result.metering_record_id, reason=reason
        )

    def release(self, claim: Claim, now: float, reason: str) -> None:
        """Give the hours back (sealed, retried later) after a failure of the whole call."""
        with self._store.write() as tx:
            for row in claim.rows:
                tx.count(_RELEASE, (reason, now + 1.0, 1, row[0], claim.token))


_DIRECT = {
    "Success": (HourState.METERED, None),
    "CustomerNotSubscribed": (HourState.NOT_SUBSCRIBED, "CustomerNotSubscribed"),
    "DuplicateRecord": (
        HourState.DUPLICATE,
        "DuplicateRecord: another quantity was already metered",
    ),
}


def outcome_state(
    row: Row, result: UsageRecordResult, now: float
) -> tuple[HourState | None, str | None]:
    """The hour's state for one result (None: unprocessed, to be resent)."""
    outcome = str(result.outcome)
    if outcome == "DuplicateRecord":
        logger.error(
            "DuplicateRecord for usage hour id %s (attempt %s): Marketplace already holds a "
            "different quantity for this buyer, dimension and hour. The ledger resends only "
            "the identical frozen record, so another sender metered this hour, or this is a "
            "bug: investigate before the month closes",
            row[0],
            int(row[11]),
        )
    if outcome in _DIRECT:
        return _DIRECT[outcome]
    closed = now >= float(row[17]) - SEND_MARGIN_S
    if outcome == "Unprocessed":
        return (
            (HourState.UNCONFIRMED, "still unprocessed when the 24-hour window closed")
            if closed
            else (None, None)
        )
    reason = result.reason or "rejected"
    if not (closed or "TimestampOutOfBounds" in reason):
        return HourState.REJECTED, reason
    if int(row[11]) > 1:  # an earlier attempt may have been billed
        return HourState.UNCONFIRMED, f"resent after the window closed: {reason}"
    return HourState.EXPIRED, f"past the 24-hour window: {reason}"


def sleep_until(sleep: Sleep, now: float, moment: float) -> None:
    """Sleep until ``moment`` (epoch seconds), if it is ahead."""
    if moment > now:
        sleep(moment - now)
