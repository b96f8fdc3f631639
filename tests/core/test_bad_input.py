"""Bad input of every kind, for every public input model and facade argument.

Invariants, per example: the only exceptions are the documented input errors
(``pydantic.ValidationError``, ``InvalidInputError``); input refused that way sent no
request; input accepted sent parameters that satisfy the service model (an oracle
independent of the library's checks); batch metering never raises for bad records,
it reports them REJECTED with a reason and sends none of them.

The bugs these tests found have regression tests beside the feature each pins.

Every example's call goes to a real boto3 client answered in-process (see _guard.py);
examples are derandomized, so a run is reproducible.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcore_billing import (
    CoinbaseCdpTokenRequest,
    EmbeddedCryptoWallet,
    InvalidInputError,
    MeteringClient,
    MeteringOutcome,
    Money,
    MppPayment,
    PaymentsClient,
    RetryPolicy,
    StripePrivyTokenRequest,
    ThrottlingError,
    TimeWindow,
    UsageAllocation,
    UsageRecord,
    X402Payment,
    client_token_from_key,
)
from tests.support import strategies as s
from tests.support.emulated import NOW, FakeTime
from tests.support.guard import (
    ALLOWED,
    SESSION_ID,
    Guard,
    Outcome,
    base_record,
    metering_on,
    payments_on,
    run_local,
)

pytestmark = pytest.mark.reliability


EXAMPLE_SHARE = 0.5
"""The share of each test's listed example count that runs in the normal suite.

Derandomized, so a run is the same every time; the counts were sized for a one-off
reliability report and half of them keeps the suite within its time budget."""


def _settings(examples: int) -> Any:
    return settings(
        max_examples=max(1, int(examples * EXAMPLE_SHARE)),
        deadline=None,
        database=None,
        derandomize=True,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def check(outcome: Outcome, tally: Counter[str]) -> None:
    """The bad-input invariants for one call."""
    tally["examples"] += 1
    tally["requests"] += outcome.requests
    error = outcome.error
    if error is None:
        tally["accepted"] += 1
        assert not outcome.violations, f"sent what the service model refuses: {outcome.violations}"
        return
    if isinstance(error, ALLOWED):
        tally["refused"] += 1
        assert outcome.requests == 0, f"a request was sent for refused input: {error!r}"
        assert str(error)
        return
    raise AssertionError(f"unexpected {type(error).__name__}: {error!r}") from error


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard()


@functools.cache
def _payments(guard: Guard) -> PaymentsClient:
    return payments_on(guard)


@functools.cache
def _metering(guard: Guard) -> MeteringClient:
    return metering_on(guard)


def _report(figures: Any, tally: Counter[str]) -> None:
    figures.add(**tally)
    assert tally["accepted"] and tally["refused"], f"one-sided examples: {dict(tally)}"


# -- input models ----------------------------------------------------------------------


def _use_window(window: TimeWindow) -> None:
    for moment in (NOW, NOW - timedelta(hours=30), NOW + timedelta(hours=1)):
        window.violation(moment, NOW)
        with contextlib.suppress(InvalidInputError):
            window.check(moment, NOW)


def _number(valid: Any, *near: Any) -> s.Field:
    return s.Field(valid, *near, garbage=st.one_of(s.numbers, s.GARBAGE))


_WINDOW = s.Field(
    st.timedeltas(timedelta(0), timedelta(days=400)),
    timedelta(-1),
    timedelta.max,
    timedelta.min,
    garbage=st.one_of(st.timedeltas(), s.GARBAGE),
)
_AMOUNT = s.Field(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.integers(),
        s.regex(r"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,10})?"),
    ),
    "1e3",
    "1,000",
    " 5",
    "+5",
    1.5,
    garbage=st.one_of(s.numbers, s.GARBAGE),
)

MODELS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[dict[str, Any]]]] = {
    "Money": (
        Money,
        s.keywords({"amount": _AMOUNT}, {"currency": s.Field(st.just("USD"), "EUR", "usd", "")}),
    ),
    "Money.usd": (
        lambda **kw: Money.usd(kw["amount"]),
        s.keywords({"amount": _AMOUNT}, structural=False),
    ),
    "UsageRecord": (UsageRecord, s.record_fields(extreme=True)),
    "UsageAllocation": (UsageAllocation, s.keywords(s.allocation_fields, s.allocation_optional)),
    "RetryPolicy": (
        RetryPolicy,
        s.keywords(
            {},
            {
                "max_attempts": _number(st.integers(1, 100), 0, 101),
                "initial_delay": _number(st.floats(0, 1), -0.1),
                "max_delay": _number(st.floats(1, 10), -1.0),
                "deadline": _number(st.one_of(st.none(), st.floats(0.1, 100)), 0),
                "jitter": s.Field(st.booleans(), "yes"),
            },
        ),
    ),
    "TimeWindow": (
        lambda **kw: _use_window(TimeWindow(**kw)),
        s.keywords({}, {"max_age": _WINDOW, "month_end_grace": _WINDOW, "max_clock_skew": _WINDOW}),
    ),
    "X402Payment": (X402Payment, s.keywords(s.X402, s.X402_OPTIONAL)),
    "MppPayment": (MppPayment, s.keywords(s.MPP, s.MPP_OPTIONAL)),
    **{
        model.__name__: (model, s.keywords(required, optional))
        for model, required, optional in s.LINKED.values()
    },
    "EmbeddedCryptoWallet": (EmbeddedCryptoWallet, s.keywords(s.WALLET, s.WALLET_OPTIONAL)),
    "CoinbaseCdpTokenRequest": (
        CoinbaseCdpTokenRequest,
        s.keywords(s.COINBASE, s.COINBASE_OPTIONAL),
    ),
    "StripePrivyTokenRequest": (StripePrivyTokenRequest, s.keywords(s.STRIPE, s.STRIPE_OPTIONAL)),
}


def _show_model(value: Any) -> None:
    """Everything a caller may do with a built model must not raise."""
    repr(value)
    str(value)
    to_wire = getattr(value, "to_wire", None)
    if callable(to_wire):
        to_wire()


@pytest.mark.parametrize("name", list(MODELS))
def test_input_models(name: str, figures: Any) -> None:
    build, kwargs_strategy = MODELS[name]
    tally: Counter[str] = Counter()

    @_settings(300)
    @given(kwargs_strategy)
    def run(kwargs: dict[str, Any]) -> None:
        outcome = run_local(lambda: build(**kwargs))
        check(outcome, tally)
        if outcome.error is None and outcome.result is not None:
            _show_model(outcome.result)

    run()
    _report(figures, tally)


# -- facades ---------------------------------------------------------------------------

HEADER = s.header_text(120)
AGENT = s.header_text(256)
SCOPE = {"user_id": HEADER, "agent_name": AGENT}


def _kwargs(required: dict[str, s.Field], **optional: s.Field) -> st.SearchStrategy[Any]:
    return s.keywords(required, optional, structural=False)


def _enter_and_leave(payments: PaymentsClient, kwargs: dict[str, Any]) -> None:
    with payments.payment_session(**kwargs):
        pass


_CREATE = _kwargs(
    {"expiry_time_in_minutes": s.expiry}, max_spend=s.money, client_token=s.payments_token, **SCOPE
)
PAYMENT_CALLS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[dict[str, Any]]]] = {
    "create_payment_session": (lambda p, kw: p.create_payment_session(**kw), _CREATE),
    "payment_session": (_enter_and_leave, _CREATE),
    "get_payment_session": (
        lambda p, kw: p.get_payment_session(**kw),
        _kwargs({"payment_session_id": s.session_id}, **SCOPE),
    ),
    "list_payment_sessions": (
        lambda p, kw: list(p.list_payment_sessions(**kw)),
        _kwargs({}, page_size=s.page_size, **SCOPE),
    ),
    "delete_payment_session": (
        lambda p, kw: p.delete_payment_session(**kw),
        _kwargs({"payment_session_id": s.session_id}, user_id=HEADER),
    ),
    "create_payment_instrument": (
        lambda p, kw: p.create_payment_instrument(**kw),
        _kwargs(
            {"payment_connector_id": s.connector_id, "details": s.wallet},
            client_token=s.payments_token,
            **SCOPE,
        ),
    ),
    "get_payment_instrument": (
        lambda p, kw: p.get_payment_instrument(**kw),
        _kwargs(
            {"payment_instrument_id": s.instrument_id}, payment_connector_id=s.connector_id, **SCOPE
        ),
    ),
    "list_payment_instruments": (
        lambda p, kw: list(p.list_payment_instruments(**kw)),
        _kwargs({}, payment_connector_id=s.connector_id, page_size=s.page_size, **SCOPE),
    ),
    "delete_payment_instrument": (
        lambda p, kw: p.delete_payment_instrument(**kw),
        _kwargs(
            {"payment_instrument_id": s.instrument_id, "payment_connector_id": s.connector_id},
            user_id=HEADER,
        ),
    ),
    "get_payment_instrument_balance": (
        lambda p, kw: p.get_payment_instrument_balance(**kw),
        _kwargs(
            {
                "payment_instrument_id": s.instrument_id,
                "payment_connector_id": s.connector_id,
                "chain": s.chain,
            },
            token=s.balance_token,
            **SCOPE,
        ),
    ),
    "process_payment": (
        lambda p, kw: p.process_payment(**kw),
        _kwargs(
            {
                "payment_session_id": s.session_id,
                "payment_instrument_id": s.instrument_id,
                "payment": s.payment,
            },
            client_token=s.payments_token,
            **SCOPE,
        ),
    ),
    "get_resource_payment_token": (
        lambda p, kw: p.get_resource_payment_token(**kw),
        _kwargs(
            {
                "workload_identity_token": s.workload_token,
                "resource_credential_provider_name": s.provider_name,
                "request": s.token_request,
            }
        ),
    ),
}


@pytest.mark.parametrize("method", list(PAYMENT_CALLS))
def test_payments_facade(method: str, guard: Guard, figures: Any) -> None:
    call, kwargs_strategy = PAYMENT_CALLS[method]
    payments = _payments(guard)
    tally: Counter[str] = Counter()

    @_settings(250)
    @given(kwargs_strategy)
    def run(kwargs: dict[str, Any]) -> None:
        check(guard.run(lambda: call(payments, kwargs)), tally)

    run()
    _report(figures, tally)


_TIMESTAMP = s.Field(
    s.timestamp.valid, *s.timestamp.near, garbage=st.one_of(s.datetimes(extreme=True), s.GARBAGE)
)
METERING_CALLS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[dict[str, Any]]]] = {
    "meter_usage": (
        lambda m, kw: m.meter_usage(**kw),
        _kwargs(
            {"timestamp": _TIMESTAMP, "dimension": s.dimension, "quantity": s.quantity},
            product_code=s.product_code,
            allocations=s.Field(st.none(), garbage=s.allocations_for(7, True)),
            dry_run=s.Field(st.booleans(), 0, 1, "true"),
            client_token=s.meter_token,
        ),
    ),
    "resolve_customer": (
        lambda m, kw: m.resolve_customer(**kw),
        _kwargs({"registration_token": s.Field(st.text(min_size=1), "")}),
    ),
    "register_usage": (
        lambda m, kw: m.register_usage(**kw),
        _kwargs(
            {"public_key_version": s.Field(st.integers(1, 10**6), 0, -1, True, 1.0, "1")},
            product_code=s.product_code,
            nonce=s.Field(st.text(max_size=255), "n" * 256),
        ),
    ),
}


@pytest.mark.parametrize("method", list(METERING_CALLS))
def test_metering_facade(method: str, guard: Guard, figures: Any) -> None:
    call, kwargs_strategy = METERING_CALLS[method]
    metering = _metering(guard)
    tally: Counter[str] = Counter()

    @_settings(500)
    @given(kwargs_strategy)
    def run(kwargs: dict[str, Any]) -> None:
        check(guard.run(lambda: call(metering, kwargs)), tally)

    run()
    _report(figures, tally)


def _build_payments(guard: Guard, kwargs: dict[str, Any]) -> Any:
    fake = FakeTime()
    client = PaymentsClient(
        client=guard.client("bedrock-agentcore"),
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        **kwargs,
    )
    guard.throttle_once("GetPaymentSession")  # the retry policy gets used
    try:
        return client.get_payment_session(SESSION_ID)
    except ThrottlingError:
        return None  # a one-attempt policy gives up: fine


def _build_metering(guard: Guard, kwargs: dict[str, Any]) -> Any:
    fake = FakeTime()
    client = MeteringClient(
        client=guard.client("meteringmarketplace"),
        clock=fake.now,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        **kwargs,
    )
    guard.throttle_once("BatchMeterUsage")
    return client.batch_meter_usage([base_record()])


@pytest.mark.parametrize("facade", ["PaymentsClient", "MeteringClient"])
def test_constructors(facade: str, guard: Guard, figures: Any) -> None:
    """Constructor arguments are checked up front; a client that was built works."""
    valid_policies = st.builds(
        RetryPolicy,
        max_attempts=st.integers(1, 3),
        initial_delay=st.just(0.0),
        max_delay=st.just(0.0),
    )
    policies = s.Field(valid_policies)
    if facade == "PaymentsClient":
        strategy = _kwargs({"payment_manager_arn": s.manager_arn}, retry=policies, **SCOPE)
        build: Callable[[dict[str, Any]], Any] = functools.partial(_build_payments, guard)
    else:
        strategy = _kwargs(
            {},
            product_code=s.product_code,
            retry=policies,
            max_workers=s.Field(st.integers(1, 8), 0, -1, True, 2.0),
            chunk_size=s.Field(st.integers(1, 1000), 0, True),
            max_requests_per_second=s.Field(
                st.floats(0.1, 1e6), 0, -1.0, float("nan"), float("inf")
            ),
            window=s.Field(st.builds(TimeWindow)),
        )
        build = functools.partial(_build_metering, guard)
    tally: Counter[str] = Counter()

    @_settings(300)
    @given(strategy)
    def run(kwargs: dict[str, Any]) -> None:
        check(guard.run(lambda: build(kwargs)), tally)

    run()
    _report(figures, tally)


# -- batch metering: bad records are data, never exceptions ----------------------------


def _sent_keys(guard: Guard, before: int) -> set[tuple[Any, ...]]:
    keys = set()
    for request in guard.responder.requests[before:]:
        for wire in request.body.get("UsageRecords") or []:
            keys.add(_wire_key(wire))
    return keys


def _wire_key(wire: dict[str, Any]) -> tuple[Any, ...]:
    quantity = wire.get("QuantityAsDecimal", wire.get("Quantity"))
    stamp = wire["Timestamp"]
    if isinstance(stamp, datetime):
        stamp = stamp.timestamp()
    return (
        wire.get("CustomerIdentifier"),
        wire.get("CustomerAWSAccountId"),
        wire["Dimension"],
        int(float(stamp)),
        Decimal(str(quantity)),
    )


_ITEMS = st.lists(s.batch_items(extreme=True), max_size=30)
BATCH_INPUTS = s.pick(
    _ITEMS,
    _ITEMS,
    _ITEMS,
    _ITEMS.map(tuple),
    _ITEMS.map(iter),
    _ITEMS.map(lambda items: (item for item in items)),
    s.GARBAGE,
)
BATCH_PRODUCT = s.pick(st.none(), st.none(), st.none(), s.product_code.valid, s.product_code.bad)


def test_batch_metering_reports_bad_records(guard: Guard, figures: Any) -> None:
    metering = _metering(guard)
    tally: Counter[str] = Counter()

    @_settings(500)
    @given(BATCH_INPUTS, BATCH_PRODUCT)
    def run(records: Any, product_code: Any) -> None:
        items = list(records) if isinstance(records, (list, tuple)) else None
        before = len(guard.responder.requests)
        outcome = guard.run(lambda: metering.batch_meter_usage(records, product_code=product_code))
        check(outcome, tally)
        if outcome.error is not None:
            # Only the call itself may be refused: not an iterable, or a bad product code.
            assert isinstance(outcome.error, InvalidInputError)
            assert outcome.error.field in ("records", "product_code"), outcome.error
            return
        results = outcome.result.results
        tally["records"] += len(results)
        if items is not None:
            assert len(results) == len(items)
            assert all(r.record is item for r, item in zip(results, items, strict=True))
        assert [r.index for r in results] == list(range(len(results)))
        sent = _sent_keys(guard, before)
        for result in results:
            tally[f"outcome_{result.outcome.name.lower()}"] += 1
            if result.outcome is MeteringOutcome.REJECTED:
                assert result.reason
                if isinstance(result.record, UsageRecord):
                    assert _wire_key(result.record.to_wire()) not in sent
            else:
                assert result.outcome is MeteringOutcome.SUCCESS

    run()
    _report(figures, tally)
    assert tally["outcome_success"] and tally["outcome_rejected"]


def test_idempotency_keys(figures: Any) -> None:
    """client_token_from_key: input errors only; every token fits every token rule."""
    tally: Counter[str] = Counter()
    keys = s.pick(st.text(min_size=1), s.strings, s.GARBAGE)

    @_settings(400)
    @given(keys)
    def run(key: Any) -> None:
        outcome = run_local(lambda: client_token_from_key(key))
        check(outcome, tally)
        if outcome.error is None:
            assert outcome.result == client_token_from_key(key)
            assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}", outcome.result)
            assert 33 <= len(outcome.result) <= 64  # payments and MeterUsage rules

    run()
    _report(figures, tally)
