"""``MeteringClient.check_batch``: the batch path's own checks, and nothing sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agentcore_billing import InvalidInputError, MeteringClient, MeteringOutcome, RecordCheck


def _mixed(kit: Any) -> list[Any]:
    """Records a batch call refuses before sending, between records it sends."""
    now = kit.NOW
    return [
        kit.legacy(0, quantity=5),  # 0
        kit.legacy(1, timestamp=now - timedelta(hours=72)),  # 1: too old
        kit.legacy(0, quantity=6, timestamp=now - timedelta(minutes=5)),  # 2: conflicts with 0
        kit.legacy(0, quantity=5),  # 3: a true repeat of 0
        {"timestamp": now, "dimension": "", "quantity": 1, "customer_identifier": "c"},  # 4
        kit.legacy(2, timestamp=now + timedelta(minutes=1)),  # 5: in the future
        kit.legacy(0, quantity=Decimal("5.0"), timestamp=now - timedelta(minutes=20)),  # 6
        kit.modern(3),  # 7
        kit.legacy(4, timestamp=now - timedelta(hours=1)),  # 8
    ]


def test_check_batch_refuses_exactly_what_a_batch_call_rejects_before_sending(kit: Any) -> None:
    records = _mixed(kit)
    client = kit.real_client()
    fake = kit.Fake().attach(client)
    metering, _ = kit.make_metering(client, product_code=kit.PRODUCT)
    checks = list(metering.check_batch(records))
    assert fake.record_counts == []  # nothing was sent
    report = metering.batch_meter_usage(records)
    rejected = {r.index: r.reason for r in report.results if r.outcome is MeteringOutcome.REJECTED}
    assert {c.index: c.reason for c in checks if not c.ok} == rejected
    assert sorted(rejected) == [1, 2, 4, 5, 6]
    assert [c.index for c in checks] == list(range(len(records)))
    assert all(c.record is r for c, r in zip(checks, records, strict=True))
    assert (checks[2].conflicts_with, checks[6].conflicts_with) == (0, 0)
    assert checks[3].ok and checks[3].repeat_of == 0
    assert checks[3].note is not None and checks[3].note in (report.results[3].reason or "")


def test_record_name_puts_the_callers_numbers_in_reasons(kit: Any) -> None:
    metering = MeteringClient(product_code=kit.PRODUCT, clock=lambda: kit.NOW)
    lines = [10, 12, 15, 17, 20, 21, 22, 23, 24]
    checks = list(metering.check_batch(_mixed(kit), record_name=lambda i: f"line {lines[i]}"))
    assert "conflict: line 10 and line 15 have the same customer" in (checks[2].reason or "")
    assert "line 15 with 6" in (checks[2].reason or "")
    assert checks[3].note is not None and checks[3].note.startswith("repeat of line 10 ")


def test_check_batch_needs_no_credentials_or_region(
    kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    metering = MeteringClient(clock=lambda: kit.NOW)
    checks: list[RecordCheck[Any]] = list(metering.check_batch([kit.modern(0), kit.legacy(1)]))
    assert checks[0].ok
    assert "needs a product code" in (checks[1].reason or "")


def _never_read() -> Iterator[Any]:
    for item in [None]:  # a generator that fails when read
        raise AssertionError(f"the input was read ({item})")
    yield from ()


@pytest.mark.parametrize(
    ("records", "options", "field"),
    [
        ("not records", {}, "records"),
        (None, {"product_code": "bad code!"}, "product_code"),
        (None, {"record_name": "line"}, "record_name"),
    ],
)
def test_bad_arguments_are_refused_before_the_input_is_read(
    kit: Any, records: Any, options: dict[str, Any], field: str
) -> None:
    metering = MeteringClient(clock=lambda: kit.NOW)
    with pytest.raises(InvalidInputError) as caught:
        metering.check_batch(records if records is not None else _never_read(), **options)
    assert caught.value.field == field
