"""Pure tests of the time-window policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from agentcore_billing import InvalidInputError, TimeWindow
from agentcore_billing._metering.window import METER_USAGE_MAX_AGE
from tests.support import NOW

WINDOW = TimeWindow()


def test_defaults() -> None:
    assert WINDOW.max_age == timedelta(hours=24)
    assert WINDOW.month_end_grace == timedelta(hours=6)
    # The service refuses future timestamps; so does the library, with no allowance.
    assert WINDOW.max_clock_skew == timedelta(0)


def test_records_are_refused_24_hours_or_more_after_the_event() -> None:
    assert WINDOW.violation(NOW - timedelta(hours=24) + timedelta(seconds=1), NOW) is None
    assert WINDOW.violation(NOW - timedelta(hours=24), NOW) == (
        "is 24h old; records are refused 24h or more after the event"
    )
    assert WINDOW.violation(NOW - timedelta(days=3), NOW) == (
        "is 72h old; records are refused 24h or more after the event"
    )


def test_future_is_refused_as_the_service_refuses_it() -> None:
    assert WINDOW.violation(NOW, NOW) is None
    assert WINDOW.violation(NOW + timedelta(seconds=1), NOW) == (
        "lies in the future (now 2026-11-23T10:30:00Z, allowed clock skew 0s); "
        "the service refuses future usage"
    )
    lenient = TimeWindow(max_clock_skew=timedelta(minutes=5))
    assert lenient.violation(NOW + timedelta(minutes=5), NOW) is None
    assert lenient.violation(NOW + timedelta(minutes=5, seconds=1), NOW) == (
        "lies in the future (now 2026-11-23T10:30:00Z, allowed clock skew 5m); "
        "the service refuses future usage"
    )


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        (datetime(2026, 12, 1, 5, 59, 59, tzinfo=timezone.utc), True),
        (datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc), False),
        (datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc), False),
    ],
)
def test_previous_month_closes_at_0600_utc_on_the_first(now: datetime, accepted: bool) -> None:
    last_of_month = datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)  # well under 24h old
    reason = WINDOW.violation(last_of_month, now)
    assert (reason is None) is accepted
    if not accepted:
        assert reason == "is from the previous month (2026-11): refused after 2026-12-01T06:00:00Z"
    # This month's records are unaffected at the same moment.
    assert WINDOW.violation(datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc), now) is None


def test_january_first_closes_december() -> None:
    now = datetime(2027, 1, 1, 6, 30, tzinfo=timezone.utc)
    assert WINDOW.violation(datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), now) == (
        "is from the previous month (2026-12): refused after 2027-01-01T06:00:00Z"
    )


def test_other_timezones_are_compared_in_utc_and_naive_is_refused() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert WINDOW.violation(NOW.astimezone(tokyo) - timedelta(hours=1), NOW) is None
    assert WINDOW.violation(datetime(2026, 11, 23, 10, 0), NOW) == (
        "must be timezone-aware (naive datetimes are ambiguous)"
    )


def test_narrowed_for_meter_usage_and_check_raises_naming_the_field() -> None:
    six_hours = WINDOW.narrowed(METER_USAGE_MAX_AGE)
    assert six_hours.max_age == timedelta(hours=6)
    assert TimeWindow(max_age=timedelta(hours=1)).narrowed(METER_USAGE_MAX_AGE).max_age == (
        timedelta(hours=1)
    )
    six_hours.check(NOW - timedelta(hours=5, minutes=59), NOW)
    with pytest.raises(InvalidInputError) as caught:
        six_hours.check(NOW - timedelta(hours=6), NOW, field="timestamp")
    assert caught.value.field == "timestamp"
    assert "6h" in str(caught.value)


def test_window_is_a_frozen_validated_value() -> None:
    with pytest.raises(ValidationError):
        TimeWindow(max_age=timedelta(0))
    with pytest.raises(ValidationError):
        TimeWindow(max_clock_skew=timedelta(minutes=-1))
    with pytest.raises(ValidationError):
        WINDOW.max_age = timedelta(hours=1)  # type: ignore[misc]


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 12, 1, 3, tzinfo=timezone.utc),  # inside the month-end grace
        datetime(2026, 12, 1, 6, tzinfo=timezone.utc),  # the grace just closed
        datetime(2026, 12, 1, 7, 30, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_span_accepts_exactly_what_violation_accepts(now: datetime) -> None:
    too_old, floor, latest = WINDOW.span(now)
    marks = [now, now - WINDOW.max_age, now + WINDOW.max_clock_skew]
    marks.append(now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0))
    for mark in marks:
        for offset in range(-5, 6):
            ts = (mark + timedelta(microseconds=offset)).astimezone(timezone.utc)
            accepted = too_old < ts and floor <= ts <= latest
            assert accepted == (WINDOW.violation(ts, now) is None), ts


@pytest.mark.parametrize("field", ["max_age", "max_clock_skew", "month_end_grace"])
def test_bounds_are_capped_at_366_days(field: str) -> None:
    """timedelta.max used to be accepted, then raise OverflowError from violation()."""
    with pytest.raises(ValidationError) as caught:
        TimeWindow(**{field: timedelta.max})
    [error] = caught.value.errors()
    assert (error["loc"], error["type"]) == ((field,), "less_than_equal")
    longest = TimeWindow(**{field: timedelta(days=366)})
    assert getattr(longest, field) == timedelta(days=366)
    # The longest allowed bound still leaves violation() arithmetic in range.
    for moment in (NOW - timedelta(hours=1), NOW + timedelta(hours=1)):
        longest.violation(moment, NOW)
