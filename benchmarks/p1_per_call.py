"""P1: per-call cost with no network, typed facade vs raw boto3 vs the official SDK.

Every side is a real boto3 client whose ``before-send`` hook (the same
:class:`~benchmarks._hook.Responder`) answers from memory, so serialization, signing and
parsing are real and identical apart from what each side adds or saves.

Sides per operation:

* ``raw``: ``boto3.client(service, region_name=...)``, default config, the same
  parameters as the typed call (explicit client token, user id header, limits).
* ``typed``: the library facade on a client it built itself (the normal way to use it;
  its parser hands timestamps to pydantic instead of dateutil).
* ``typed_injected``: the facade over the very ``raw`` client (``client=``), which shows
  the facade's own overhead with botocore's default parsing.
* ``typed_one_worker`` (batch only): ``MeteringClient(max_workers=1)``, which sends
  inline instead of through a thread pool.
* ``sdk``: ``bedrock_agentcore.payments.PaymentManager`` when that package is installed
  (it is an optional peer, never a dependency of the project).

Batch sides send 25 distinct records (one request) and are unpaced
(``max_requests_per_second=1e9``): pacing is a policy, not a per-call cost.
"""

from __future__ import annotations

import importlib
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3

from ._harness import BenchmarkResult, Check, aws_test_env, interleave, rounded, series_json
from ._hook import (
    LICENSE_ARN,
    PAYMENT_MANAGER_ARN,
    PAYMENT_SESSION_ID,
    Responder,
    base_time,
    metering_answer,
    payments_answer,
)
from ._profile import profile_calls

TARGET = 0.9
"""Typed call time over raw boto3 call time."""

REGION = "us-east-1"
LIMITS = {"maxSpendAmount": {"value": "5.00", "currency": "USD"}}
BATCH_SIZE = 25
UNPACED = 1e9
"""``max_requests_per_second`` that never makes a call wait."""

Side = Callable[[], None]


def _raw_payments(responder: Responder) -> tuple[Any, dict[str, Side]]:
    client = responder.attach(boto3.client("bedrock-agentcore", region_name=REGION))

    def create() -> None:
        client.create_payment_session(
            paymentManagerArn=PAYMENT_MANAGER_ARN,
            expiryTimeInMinutes=60,
            userId="user-1",
            limits=LIMITS,
            clientToken=str(uuid.uuid4()),
        )

    def get() -> None:
        client.get_payment_session(
            paymentManagerArn=PAYMENT_MANAGER_ARN,
            paymentSessionId=PAYMENT_SESSION_ID,
            userId="user-1",
        )

    return client, {"create": create, "get": get}


def _typed_payments(payments: Any) -> dict[str, Side]:
    from agentcore_billing import Money

    max_spend = Money.usd("5.00")

    def create() -> None:
        payments.create_payment_session(expiry_time_in_minutes=60, max_spend=max_spend)

    def get() -> None:
        payments.get_payment_session(PAYMENT_SESSION_ID)

    return {"create": create, "get": get}


def _sdk_payments(responder: Responder) -> dict[str, Side] | str:
    try:  # an optional peer, never a dependency: installed by hand for the run
        with warnings.catch_warnings():  # its import warns (pydantic deprecations)
            warnings.simplefilter("ignore", DeprecationWarning)
            sdk = importlib.import_module("bedrock_agentcore.payments")
        manager_class: Any = sdk.PaymentManager
    except (ImportError, AttributeError) as err:
        return f"bedrock-agentcore payments manager not importable ({err})"
    manager: Any = manager_class(
        payment_manager_arn=PAYMENT_MANAGER_ARN, region_name=REGION, boto3_session=boto3.Session()
    )
    responder.attach(manager._payment_client)

    def create() -> None:
        manager.create_payment_session(expiry_time_in_minutes=60, user_id="user-1", limits=LIMITS)

    def get() -> None:
        manager.get_payment_session(PAYMENT_SESSION_ID, user_id="user-1")

    return {"create": create, "get": get}


def _raw_records(count: int) -> list[dict[str, Any]]:
    start = base_time()
    return [
        {
            "Timestamp": start + timedelta(seconds=i),
            "Dimension": f"tokens-{i:02d}",
            "Quantity": 1000 + i,
            "CustomerAWSAccountId": "123456789012",
            "LicenseArn": LICENSE_ARN,
        }
        for i in range(count)
    ]


def _typed_records(count: int) -> list[Any]:
    from agentcore_billing import UsageRecord

    start = base_time()
    return [
        UsageRecord(
            timestamp=start + timedelta(seconds=i),
            dimension=f"tokens-{i:02d}",
            quantity=1000 + i,
            customer_aws_account_id="123456789012",
            license_arn=LICENSE_ARN,
        )
        for i in range(count)
    ]


def _metering_sides(responder: Responder, notes: list[str]) -> dict[str, Side]:
    raw_client = responder.attach(boto3.client("meteringmarketplace", region_name=REGION))
    raw_records = _raw_records(BATCH_SIZE)

    def raw() -> None:
        raw_client.batch_meter_usage(UsageRecords=raw_records)

    sides: dict[str, Side] = {"raw": raw}
    try:
        from agentcore_billing import MeteringClient
    except ImportError as err:
        notes.append(f"MeteringClient not available yet: typed batch sides skipped ({err})")
        return sides
    typed_records = _typed_records(BATCH_SIZE)
    # Pacing is a policy, not a cost: with the default 10 requests/s the typed side
    # would wait 100 ms between calls, so the pace is set out of reach here.
    metering: Any = MeteringClient(region_name=REGION, max_requests_per_second=UNPACED)
    responder.attach(metering.client)
    inline: Any = MeteringClient(region_name=REGION, max_workers=1, max_requests_per_second=UNPACED)
    responder.attach(inline.client)
    injected: Any = MeteringClient(client=raw_client, max_requests_per_second=UNPACED)

    def typed() -> None:
        metering.batch_meter_usage(typed_records)

    def typed_one_worker() -> None:
        inline.batch_meter_usage(typed_records)

    def typed_injected() -> None:
        injected.batch_meter_usage(typed_records)

    sides["typed"] = typed
    sides["typed_one_worker"] = typed_one_worker
    sides["typed_injected"] = typed_injected
    calls_before = responder.calls
    report = metering.batch_meter_usage(typed_records)
    sent = responder.calls - calls_before
    if not report.ok or sent != 1:
        notes.append(
            f"typed batch of {BATCH_SIZE} did not go out as one request answered Success "
            f"({sent} requests, counts {dict(report.counts)})"
        )
    return sides


def build_sides(notes: list[str]) -> dict[str, dict[str, Side]]:
    """Every side of every operation, warmed up: ``{operation: {side: fn}}``."""
    pay_responder = Responder(payments_answer())
    raw_client, raw = _raw_payments(pay_responder)
    groups: dict[str, dict[str, Side]] = {
        "create_payment_session": {"raw": raw["create"]},
        "get_payment_session": {"raw": raw["get"]},
    }
    try:
        from agentcore_billing import PaymentsClient
    except ImportError as err:
        notes.append(f"PaymentsClient not available yet: typed payment sides skipped ({err})")
    else:
        own: Any = PaymentsClient(
            payment_manager_arn=PAYMENT_MANAGER_ARN, region_name=REGION, user_id="user-1"
        )
        pay_responder.attach(own.client)
        injected: Any = PaymentsClient(
            payment_manager_arn=PAYMENT_MANAGER_ARN, client=raw_client, user_id="user-1"
        )
        for name, payments in (("typed", own), ("typed_injected", injected)):
            sides = _typed_payments(payments)
            groups["create_payment_session"][name] = sides["create"]
            groups["get_payment_session"][name] = sides["get"]
    sdk = _sdk_payments(pay_responder)
    if isinstance(sdk, str):
        notes.append(f"official SDK side skipped: {sdk}")
    else:
        groups["create_payment_session"]["sdk"] = sdk["create"]
        groups["get_payment_session"]["sdk"] = sdk["get"]
    groups["batch_meter_usage_25"] = _metering_sides(Responder(metering_answer()), notes)
    for sides_of_op in groups.values():
        for fn in sides_of_op.values():
            for _ in range(5):
                fn()
    return groups


SIZES: dict[str, dict[str, Any]] = {
    "full": {"calls_per_block": 20, "rounds": 40, "budget": 60.0, "profile": 400},
    "quick": {"calls_per_block": 5, "rounds": 6, "budget": 3.0, "profile": 0},
    "smoke": {"calls_per_block": 2, "rounds": 2, "budget": 1.0, "profile": 3},
}
"""Calls per block, rounds, seconds per operation at most, profiled calls per side."""


def run(mode: str = "full") -> BenchmarkResult:
    """Run P1 at the sizes of ``mode`` (``full``, ``quick`` or ``smoke``)."""
    started = time.perf_counter()
    size = SIZES[mode]
    per_block: int = size["calls_per_block"]
    n_rounds: int = size["rounds"]
    budget: float = size["budget"]
    n_profile: int = size["profile"]
    result = BenchmarkResult("P1", "per-call cost, no network (before-send hook answers)")
    with aws_test_env():
        groups = build_sides(result.notes)
        for operation, sides in groups.items():
            measured = interleave(
                sides, units_per_block=per_block, rounds=n_rounds, max_seconds=budget
            )
            figures: dict[str, Any] = {
                "calls_per_block": per_block,
                "sides": {
                    name: series_json(measured.series(name), 1e6, "us/call") for name in sides
                },
                "ratios": {},
            }
            pairs = [(name, "raw") for name in sides if name != "raw"]
            if "sdk" in sides:
                pairs += [(name, "sdk") for name in ("typed", "typed_injected") if name in sides]
            for name, peer in pairs:
                figures["ratios"][f"{name}/{peer}"] = {
                    "median": rounded(measured.ratio(name, peer)),
                    "normal_median": rounded(measured.ratio(name, peer, normal_only=True)),
                    "paired": rounded(measured.paired_ratio(name, peer)),
                }
            if "typed" in sides:
                result.checks.append(
                    Check(
                        name=f"{operation}: typed / raw boto3",
                        value=rounded(measured.ratio("typed", "raw")),
                        normal_value=rounded(measured.ratio("typed", "raw", normal_only=True)),
                        target=TARGET,
                        comparison="<=",
                        unit="x",
                    )
                )
            if n_profile:
                # cProfile sees only this thread: the batch side with worker threads
                # would hide its botocore time, so the one-worker side stands in.
                typed_name = "typed_one_worker" if "typed_one_worker" in sides else "typed"
                figures["profile"] = {
                    label: profile_calls(sides[name], n_profile)
                    for label, name in (("typed", typed_name), ("raw", "raw"))
                    if name in sides
                }
                figures["profile"]["typed_side_profiled"] = typed_name
            result.figures[operation] = figures
    result.seconds = round(time.perf_counter() - started, 1)
    return result
