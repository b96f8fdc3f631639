"""``UsageLedger``: record usage anywhere, meter every hour exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from agentcore_billing._core.clock import Clock, Sleep, real_sleep, utc_now
from agentcore_billing._core.errors import AgentCoreBillingError, InvalidInputError

from .flush import Claim, Sender, new_owner, sleep_until
from .ingest import Ingest, RecordSummary, invalid_event
from .models import FlushReport, HourResult, HourState, LedgerStatus, UsageEvent
from .rows import epoch
from .schema import migrate
from .seal import expire, prune, seal
from .status import hours_in, ledger_status, pending_hours
from .store import Store, open_store

if TYPE_CHECKING:
    from agentcore_billing import MeteringClient

logger = logging.getLogger("agentcore_billing.ledger")

DEDUP_RETENTION = timedelta(days=35)
"""Event ids are remembered at least this long (then pruned with their events)."""
DEFAULT_LEASE = timedelta(minutes=15)
DEFAULT_FLUSH_DEADLINE = timedelta(minutes=10)


class UsageLedger:
    """A durable usage ledger in SQLite (embedded) or PostgreSQL (many app servers).

    App servers ``record`` events; a scheduled worker calls ``flush(metering)``, which
    seals each hour once its lateness window has passed (sums it exactly, freezes one
    record per buyer, dimension and hour) and meters each sealed hour exactly once, even
    across crashes and with several workers on several hosts.

    Args:
        url: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or
            ``postgresql://user@host:5432/db`` (the ``[postgres]`` extra).
        lateness: how long after an hour ends its events may still arrive before it is
            sealed (15 minutes).
        clock: zero-argument callable returning an aware UTC datetime; sealing, the
            24-hour deadline, leases, pacing and back-off read it.
        late_events: ``"carry"`` (an event for a sealed hour counts in the oldest open
            hour) or ``"reject"`` (``LateEventError``).
        lease: how long a claim stays a worker's before others may resend (15 minutes).
        sleep: how to wait (injected in tests).
        dedup_retention: how long event ids are remembered (at least 35 days).

    Example:
        >>> from datetime import datetime, timezone
        >>> from agentcore_billing._core.clock import ManualClock
        >>> clock = ManualClock(datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc))
        >>> with UsageLedger("sqlite:///:memory:", clock=clock.now) as ledger:
        ...     ledger.record(dimension="tokens", quantity=5, event_id="req-1",
        ...                   at=clock.now(), customer_identifier="c-1", product_code="p-1")
        ...     ledger.status().counts[HourState.OPEN]
        True
        1
    """

    def __init__(
        self,
        url: str,
        *,
        lateness: timedelta = timedelta(minutes=15),
        clock: Clock | None = None,
        late_events: Literal["carry", "reject"] = "carry",
        lease: timedelta = DEFAULT_LEASE,
        sleep: Sleep | None = None,
        dedup_retention: timedelta = DEDUP_RETENTION,
    ) -> None:
        self.lateness = _span("lateness", lateness, low=timedelta(0), high=timedelta(hours=12))
        self.lease = _span("lease", lease, low=timedelta(seconds=1), high=timedelta(hours=1))
        self.dedup_retention = _span(
            "dedup_retention", dedup_retention, low=DEDUP_RETENTION, high=timedelta(days=3660)
        )
        if late_events not in ("carry", "reject"):
            raise InvalidInputError("late_events", "'carry' or 'reject'", repr(late_events))
        if clock is not None and not callable(clock):
            raise InvalidInputError(
                "clock", "a callable returning an aware datetime", type(clock).__name__
            )
        self.late_events = late_events
        self._clock: Clock = clock or utc_now
        self._sleep: Sleep = sleep or real_sleep
        self.url = url
        self._store: Store = open_store(url)
        try:
            migrate(self._store)
        except BaseException:
            self._store.close()
            raise
        self._ingest = Ingest(self._store, reject_late=late_events == "reject", now_us=self._now_us)
        self._closed = False

    # -- time --------------------------------------------------------------------------

    def _now(self) -> float:
        moment = self._clock()
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise InvalidInputError("clock", "must return an aware datetime", repr(moment))
        return epoch(moment)

    def _now_us(self) -> int:
        return int(self._now() * 1_000_000)

    # -- recording -----------------------------------------------------------------------

    def record(
        self,
        *,
        dimension: str,
        quantity: int | Decimal | str,
        at: datetime,
        event_id: str,
        customer_aws_account_id: str | None = None,
        license_arn: str | None = None,
        customer_identifier: str | None = None,
        product_code: str | None = None,
    ) -> bool:
        """Record one event; durable when it returns (concurrent calls share commits).

        Returns:
            True when stored, False when this ``event_id`` was already recorded (a
            silent no-op: the first write wins).

        Raises:
            InvalidInputError: a field breaks a rule (named), before anything is stored.
            LateEventError: the hour is sealed and ``late_events="reject"``.

        Example:
            >>> ledger.record(dimension="tokens", quantity=Decimal("12.5"), at=now,
            ...     customer_aws_account_id="123456789012", license_arn=arn,
            ...     event_id="req-42")  # doctest: +SKIP
            True
        """
        self._check_open()
        try:
            event = UsageEvent(
                dimension=dimension,
                quantity=quantity,  # type: ignore[arg-type]  # a decimal string is read too
                at=at,
                event_id=event_id,
                customer_aws_account_id=customer_aws_account_id,
                license_arn=license_arn,
                customer_identifier=customer_identifier,
                product_code=product_code,
            )
        except ValidationError as err:
            raise invalid_event(err, "") from None
        return self._ingest.record(event)

    def record_many(self, events: Iterable[UsageEvent | Mapping[str, Any]]) -> RecordSummary:
        """Record many events in one transaction: all or nothing, validated first.

        A repeated ``event_id`` (already stored, or twice in ``events``) is a silent
        no-op, counted in ``duplicates``. Memory stays flat for any length.

        Raises:
            InvalidInputError: an event breaks a rule (its index and field are named);
                nothing of this call is stored.
            LateEventError: ``late_events="reject"`` and an event's hour is sealed;
                nothing of this call is stored.

        Example:
            >>> ledger.record_many([UsageEvent(...), ...]).stored  # doctest: +SKIP
            2
        """
        self._check_open()
        return self._ingest.record_many(events)

    # -- flushing --------------------------------------------------------------------------

    def flush(
        self,
        metering: MeteringClient,
        *,
        deadline: timedelta | None = None,
        max_requests_per_second: float = 10.0,
        on_hour: Callable[[HourResult], None] | None = None,
    ) -> FlushReport:
        """Seal what is due and meter each sealed hour exactly once.

        Runs until nothing is left to send, or ``deadline`` (10 minutes) has passed;
        throttled and unprocessed hours are retried with back-off while it allows, the
        rest stay sealed for the next flush. Several workers (threads, processes, hosts)
        may flush one ledger at once: each hour is sent by one of them, and together
        they keep to ``max_requests_per_second`` (the account's quota, shared through
        the database).

        Args:
            metering: the :class:`MeteringClient` to send with.
            deadline: how long this call may keep sending.
            max_requests_per_second: the shared BatchMeterUsage pace for this account
                and Region (all workers together).
            on_hour: called with each settled :class:`HourResult` (progress bars).

        Raises:
            AgentCoreBillingError: a failure no record caused (credentials, access);
                the hours in flight are released for the next flush first.

        Example:
            >>> report = ledger.flush(metering)  # doctest: +SKIP
            >>> report.counts[HourState.METERED]  # doctest: +SKIP
        """
        self._check_open()
        limit = _span(
            "deadline", deadline or DEFAULT_FLUSH_DEADLINE, low=timedelta(0), high=timedelta(days=1)
        )
        rate = _rate(max_requests_per_second)
        start = self._now()
        with self._store.write() as tx:
            sealed = seal(tx, start, self.lateness.total_seconds())
        sender = Sender(
            self._store,
            owner=new_owner(),
            lease_s=self.lease.total_seconds(),
            pace_name=f"BatchMeterUsage:{_region(metering)}",
            interval=1.0 / rate,
        )
        hours = self._send_all(metering, sender, start + limit.total_seconds(), on_hour)
        now = self._now()
        with self._store.write() as tx:
            prune(tx, events_before=now - self.dedup_retention.total_seconds(), hours_before=None)
        with self._store.read() as tx:
            pending = pending_hours(tx)
        return FlushReport(
            hours=hours,
            sealed=sealed.sealed,
            pending=pending,
            late_carried=sealed.late_carried,
            late_rejected=sealed.late_rejected,
        )

    def _send_all(
        self,
        metering: MeteringClient,
        sender: Sender,
        end: float,
        on_hour: Callable[[HourResult], None] | None,
    ) -> list[HourResult]:
        settled: list[HourResult] = []

        def note(results: list[HourResult]) -> None:
            settled.extend(results)
            if on_hour is not None:
                for result in results:
                    on_hour(result)

        while True:
            now = self._now()
            with self._store.write() as tx:
                expired = expire(tx, now)
            note(expired)  # the callback runs with no transaction open
            claim = sender.claim(now)
            if claim is None:
                wait = self._next_retry(now)
                if wait is None or now + wait >= end:
                    return settled
                self._sleep(wait)
                continue
            note(self._round(metering, sender, claim))
            if self._now() >= end:
                return settled

    def _round(self, metering: MeteringClient, sender: Sender, claim: Claim) -> list[HourResult]:
        sleep_until(self._sleep, self._now(), claim.slot)
        try:
            answers = sender.send(metering, claim)
        except AgentCoreBillingError as err:
            answered = _answered(err, claim)
            settled = sender.settle(claim, answered, self._now()) if answered else []
            sender.release(claim, self._now(), f"{type(err).__name__}: {err}")
            logger.error(
                "flush stopped: %s (%d answered hours stored, the rest released for the "
                "next flush)",
                err,
                len(settled),
            )
            raise
        except BaseException:
            sender.release(claim, self._now(), "interrupted")
            raise
        return sender.settle(claim, answers, self._now())

    def _next_retry(self, now: float) -> float | None:
        with self._store.read() as tx:
            rows = tx.execute(
                "SELECT MIN(next_at) FROM ledger_hours WHERE state = 'sealed' AND deadline > ?",
                (now,),
            )
        if not rows or rows[0][0] is None:
            return None
        return max(0.0, float(rows[0][0]) - now)

    # -- reading -------------------------------------------------------------------------

    def status(self) -> LedgerStatus:
        """Hours per state, the oldest unsent hour, and hours close to the 24 h limit.

        Example:
            >>> ledger.status().counts[HourState.SEALED]  # doctest: +SKIP
            0
        """
        self._check_open()
        with self._store.read() as tx:
            return ledger_status(tx, self._now())

    def hours(self, state: HourState | str | None = None, *, limit: int = 1000) -> list[HourResult]:
        """Hours in ``state`` (all when None), oldest first, at most ``limit``.

        Example:
            >>> ledger.hours("rejected")  # doctest: +SKIP
            [HourResult(..., state=<HourState.REJECTED: 'rejected'>, reason='...')]
        """
        self._check_open()
        chosen = None if state is None else _state(state)
        with self._store.read() as tx:
            return hours_in(tx, chosen, limit)

    def prune(self, *, hours_older_than: timedelta = timedelta(days=400)) -> tuple[int, int]:
        """Delete events past the dedup horizon and settled hours older than
        ``hours_older_than``; return (events, hours) deleted.

        Example:
            >>> ledger.prune()  # doctest: +SKIP
            (0, 0)
        """
        self._check_open()
        now = self._now()
        with self._store.write() as tx:
            return prune(
                tx,
                events_before=now - self.dedup_retention.total_seconds(),
                hours_before=now
                - _span(
                    "hours_older_than",
                    hours_older_than,
                    low=timedelta(days=1),
                    high=timedelta(days=36600),
                ).total_seconds(),
            )

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connections (idempotent)."""
        if not self._closed:
            self._closed = True
            self._store.close()

    def _check_open(self) -> None:
        if self._closed:
            raise InvalidInputError("ledger", "is closed")

    def __enter__(self) -> UsageLedger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"UsageLedger({self._store.dialect.name}, late_events={self.late_events!r})"


def _answered(err: AgentCoreBillingError, claim: Claim) -> list[tuple[Any, Any]]:
    """(row, result) pairs of the records a failed call still answered."""
    report = getattr(err, "report", None)
    pairs = []
    for result in getattr(report, "results", None) or []:
        if str(result.outcome) != "Unprocessed" and 0 <= result.index < len(claim.sent):
            pairs.append((claim.sent[result.index], result))
    return pairs


def _region(metering: MeteringClient) -> str:
    try:
        return str(metering.client.meta.region_name or "default")
    except AgentCoreBillingError:
        return "default"


def _state(value: HourState | str) -> HourState:
    try:
        return HourState(value)
    except ValueError:
        raise InvalidInputError(
            "state", "one of " + ", ".join(s.value for s in HourState), repr(value)
        ) from None


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1000:
        raise InvalidInputError("max_requests_per_second", "a number in (0, 1000]", repr(value))
    return float(value)


def _span(name: str, value: object, *, low: timedelta, high: timedelta) -> timedelta:
    if not isinstance(value, timedelta) or not low <= value <= high:
        raise InvalidInputError(name, f"a timedelta from {low} to {high}", repr(value))
    return value
