"""When AWS Marketplace Metering accepts a usage timestamp: the time-window policy.

The service refuses a BatchMeterUsage record 24 hours or more after the event, refuses
records of the previous month after 06:00 UTC on the first day of the next month, and a
MeterUsage call more than six hours after the event, and refuses future timestamps. A
single refused timestamp fails a whole BatchMeterUsage request, so the library checks
every record against this policy before sending it. Records close to an edge of the
window are packed apart from the others (see ``_metering.plan``), so a clock that runs
slightly apart from the service's costs a bisection among those records only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field

from agentcore_billing._core.errors import InvalidInputError

BATCH_MAX_AGE = timedelta(hours=24)

_LONGEST = timedelta(days=366)  # keeps date arithmetic far from datetime's limits
"""BatchMeterUsage: records are refused this long or longer after the event."""

METER_USAGE_MAX_AGE = timedelta(hours=6)
"""MeterUsage: records are refused this long or longer after the event."""


class TimeWindow(BaseModel):
    """The span of timestamps the service accepts, relative to "now".

    Attributes:
        max_age: a record is refused when it is this old or older (24 hours).
        month_end_grace: previous-month records are accepted until this long after
            midnight UTC on the 1st (6 hours), then refused whatever their age.
        max_clock_skew: how far in the future a timestamp may lie before it is
            refused locally (none by default: the service refuses future usage).

    Example:
        >>> from datetime import datetime, timezone
        >>> now = datetime(2026, 12, 1, 7, tzinfo=timezone.utc)
        >>> print(TimeWindow().violation(datetime(2026, 11, 30, 23, tzinfo=timezone.utc), now))
        is from the previous month (2026-11): refused after 2026-12-01T06:00:00Z
        >>> TimeWindow().violation(datetime(2026, 12, 1, 6, 59, tzinfo=timezone.utc), now) is None
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_age: timedelta = Field(default=BATCH_MAX_AGE, gt=timedelta(0), le=_LONGEST)
    month_end_grace: timedelta = Field(default=timedelta(hours=6), ge=timedelta(0), le=_LONGEST)
    max_clock_skew: timedelta = Field(default=timedelta(0), ge=timedelta(0), le=_LONGEST)

    def narrowed(self, max_age: timedelta) -> TimeWindow:
        """This window with ``max_age`` lowered to at most ``max_age``.

        Example:
            >>> TimeWindow().narrowed(METER_USAGE_MAX_AGE).max_age
            datetime.timedelta(seconds=21600)
        """
        return self.model_copy(update={"max_age": min(self.max_age, max_age)})

    def violation(self, timestamp: datetime, now: datetime) -> str | None:
        """Why the service would refuse ``timestamp`` at ``now``, or ``None`` if it would not.

        Example:
            >>> from datetime import datetime, timezone
            >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
            >>> TimeWindow().violation(datetime(2026, 11, 22, 10, 30, tzinfo=timezone.utc), now)
            'is 24h old; records are refused 24h or more after the event'
        """
        if timestamp.tzinfo is None or timestamp.utcoffset() is None:
            return "must be timezone-aware (naive datetimes are ambiguous)"
        ts = timestamp.astimezone(timezone.utc)
        current = now.astimezone(timezone.utc)
        if ts > current + self.max_clock_skew:
            return (
                f"lies in the future (now {_iso(current)}, allowed clock skew "
                f"{_duration(self.max_clock_skew)}); the service refuses future usage"
            )
        age = current - ts
        if age >= self.max_age:
            return (
                f"is {_duration(age)} old; records are refused "
                f"{_duration(self.max_age)} or more after the event"
            )
        month_start = current.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        closes = month_start + self.month_end_grace
        if ts < month_start and current >= closes:
            return f"is from the previous month ({ts:%Y-%m}): refused after {_iso(closes)}"
        return None

    def span(self, now: datetime) -> tuple[datetime, datetime, datetime]:
        """``(too_old, floor, latest)``: at ``now`` an aware timestamp ``ts`` is accepted
        exactly when ``too_old < ts``, ``floor <= ts`` and ``ts <= latest``.

        Computed once for many timestamps, it spares :meth:`violation`'s per-call
        conversions; call :meth:`violation` for the words when a timestamp falls outside.

        Example:
            >>> from datetime import datetime, timezone
            >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
            >>> too_old, floor, latest = TimeWindow().span(now)
            >>> str(too_old), str(latest)
            ('2026-11-22 10:30:00+00:00', '2026-11-23 10:30:00+00:00')
        """
        current = now.astimezone(timezone.utc)
        floor = datetime.min.replace(tzinfo=timezone.utc)
        month_start = current.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if current >= month_start + self.month_end_grace:
            floor = month_start
        return current - self.max_age, floor, current + self.max_clock_skew

    def check(self, timestamp: datetime, now: datetime, *, field: str = "timestamp") -> None:
        """Raise :class:`InvalidInputError` naming ``field`` when ``timestamp`` is refused.

        Example:
            >>> from datetime import datetime, timezone
            >>> now = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
            >>> TimeWindow().check(datetime(2026, 11, 23, 10, tzinfo=timezone.utc), now)
        """
        reason = self.violation(timestamp, now)
        if reason is not None:
            raise InvalidInputError(field, reason, timestamp.isoformat())


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(value: timedelta) -> str:
    """Render a duration compactly: ``24h``, ``1h30m``, ``5m``, ``45s``."""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if secs and not hours:
        parts.append(f"{secs}s")
    return "".join(parts) or "0s"
