"""Pure tests of the grouping, packing, sizing, bisection and matching helpers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import botocore.session
import pytest
from botocore.serialize import create_serializer

from agentcore_billing import UsageAllocation, UsageRecord
from agentcore_billing._metering.matching import Matcher, match_keys, quantity_value
from agentcore_billing._metering.packing import (
    MAX_RECORDS_PER_REQUEST,
    bisection_bound,
    chunked,
    epoch_seconds,
    halves,
    pack,
    request_size,
    wire_json,
)
from agentcore_billing._metering.plan import Entry
from agentcore_billing._metering.send import _in_order

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
LICENSE = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef"


def _wire(i: int = 0, **overrides: object) -> dict[str, object]:
    wire: dict[str, object] = {
        "Timestamp": T0,
        "Dimension": "tokens",
        "Quantity": 5,
        "CustomerIdentifier": f"c-{i}",
    }
    wire.update(overrides)
    return wire


def test_chunked_pulls_only_what_each_chunk_needs() -> None:
    pulled: list[int] = []

    def source():
        for i in range(7):
            pulled.append(i)
            yield i

    chunks = chunked(source(), 3)
    assert next(chunks) == [0, 1, 2]
    assert pulled == [0, 1, 2]
    assert list(chunks) == [[3, 4, 5], [6]]
    with pytest.raises(ValueError):
        list(chunked([1], 0))


def test_pack_respects_count_and_byte_limits_in_order() -> None:
    assert [len(b) for b in pack(range(60), lambda _: 10, overhead=20)] == [25, 25, 10]
    # 20 + 10 + (2 + 10) = 42 < 50, a third would make 54 >= 50.
    assert list(pack([1, 2, 3, 4], lambda _: 10, overhead=20, max_bytes=50)) == [[1, 2], [3, 4]]
    # Exactly at the limit is too much: the body must stay *under* max_bytes.
    assert list(pack([1, 2], lambda _: 14, overhead=20, max_bytes=50)) == [[1], [2]]
    with pytest.raises(ValueError, match="can never fit"):
        list(pack([1], lambda _: 30, overhead=20, max_bytes=50))


def test_halves_and_the_bisection_bound() -> None:
    assert [len(h) for h in halves(list(range(25)))] == [13, 12]
    assert halves([1]) == ([1], [])
    assert bisection_bound(25, 1) == 11
    assert bisection_bound(25, 2) == 21
    assert bisection_bound(25, 25) == 2 * 25 - 1
    assert bisection_bound(1, 1) == 1


def test_wire_json_size_matches_the_body_botocore_sends() -> None:
    """The packer's arithmetic equals the real serializer's byte count."""
    model = botocore.session.get_session().get_service_model("meteringmarketplace")
    operation = model.operation_model("BatchMeterUsage")
    serializer = create_serializer("json", include_validation=True)
    records = [
        UsageRecord(
            timestamp=T0 + timedelta(microseconds=123456 * i),
            dimension="tökens ✓",  # non-ASCII: escaped by json.dumps, longer on the wire
            quantity=Decimal("12.5") if i % 2 else 7,
            customer_aws_account_id="123456789012",
            license_arn=LICENSE,
            allocations=[
                UsageAllocation(quantity=Decimal("12.5") if i % 2 else 7, tags={"k": "v/=:@"})
            ],
        )
        for i in range(4)
    ]
    wires = [record.to_wire() for record in records]
    for product_code in (None, "prod-1"):
        params: dict[str, object] = {"UsageRecords": wires}
        if product_code:
            params["ProductCode"] = product_code
        body = serializer.serialize_to_request(params, operation)["body"]
        predicted = request_size([len(wire_json(w)) for w in wires], product_code)
        assert predicted == len(body)


def test_epoch_seconds_follow_botocore() -> None:
    assert epoch_seconds(datetime(1970, 1, 1, 0, 0, 2, tzinfo=timezone.utc)) == 2
    assert isinstance(epoch_seconds(datetime(1970, 1, 1, 0, 0, 2, tzinfo=timezone.utc)), int)
    assert epoch_seconds(datetime(1970, 1, 1, 0, 0, 1, 3691, tzinfo=timezone.utc)) == 1.003691


@pytest.mark.parametrize(
    "echo_time",
    [
        T0,  # an injected client parses timestamps into datetimes
        T0.timestamp(),  # our own clients hand epoch numbers through
        int(T0.timestamp()),
        "2026-11-23T10:00:00Z",
        str(T0.timestamp()),
    ],
)
def test_match_keys_read_every_timestamp_form(echo_time: object) -> None:
    assert match_keys(_wire(Timestamp=echo_time)) == match_keys(_wire())


def test_match_keys_compare_quantities_by_value_and_ignore_subseconds() -> None:
    sent = _wire(Timestamp=T0 + timedelta(microseconds=250_000), Quantity=17)
    echo = _wire(Timestamp=T0.timestamp() + 0.25, QuantityAsDecimal="17.00")
    del echo["Quantity"]
    assert match_keys(sent) == match_keys(echo)
    assert quantity_value({}) == 0
    assert match_keys({"Dimension": "d"}) is None
    assert match_keys(_wire(Timestamp="not a time")) is None


def test_matcher_prefers_exact_keys_then_coarse_then_none() -> None:
    early = _wire(Timestamp=T0)
    late = _wire(Timestamp=T0 + timedelta(minutes=5))
    matcher = Matcher([(early, "early"), (late, "late")])
    odd_echo = _wire(Timestamp=T0 + timedelta(hours=3))  # time normalised differently
    # The odd echo comes first but must not steal "late" from its exact echo.
    assert matcher.match([odd_echo, late, {"junk": True}, "not a mapping"]) == [
        "early",
        "late",
        None,
        None,
    ]
    assert matcher.remaining() == []


def test_matcher_fifo_for_identical_records_and_reports_leftovers() -> None:
    matcher = Matcher([(_wire(1), "a"), (_wire(1), "b"), (_wire(2), "c")])
    assert matcher.match([_wire(1)]) == ["a"]
    assert matcher.remaining() == ["b", "c"]
    assert MAX_RECORDS_PER_REQUEST == 25


def _entries(count: int) -> list[Entry]:
    return [
        Entry(i, _wire(i, Timestamp=T0 + timedelta(seconds=i, microseconds=500)), ("product", "p"),
              second=int((T0 + timedelta(seconds=i)).timestamp()))
        for i in range(count)
    ]  # fmt: skip


def _answer(entries: list[Entry], stamp: object = None) -> list[dict[str, object]]:
    def echo(entry: Entry) -> dict[str, object]:
        ts = entry.second + 0.5 if stamp is None else stamp
        return {**entry.wire, "Timestamp": ts}

    return [{"UsageRecord": echo(e), "Status": "Success"} for e in entries]


def test_positional_answer_check_accepts_only_a_plain_echo_in_order() -> None:
    entries = _entries(3)
    aware = entries[0].wire["Timestamp"]
    one = entries[:1]
    assert _in_order(entries, _answer(entries)) is True
    assert _in_order(one, _answer(one, stamp=aware)) is True
    assert _in_order(entries, _answer(entries[::-1])) is False
    assert _in_order(entries, _answer(entries[:2])) is False
    assert _in_order(one, _answer(one, stamp=str(entries[0].second))) is False
    assert _in_order(one, _answer(one, stamp=entries[0].second + 1)) is False
    assert _in_order(one, [{"Status": "Success"}]) is False
    assert _in_order(one, [{"UsageRecord": None}]) is False
    changed = _answer(one)
    changed[0]["UsageRecord"] = {**changed[0]["UsageRecord"], "Quantity": 6}  # type: ignore[dict-item]
    assert _in_order(one, changed) is False
