"""Facades on real boto3 clients that never reach the network, with a request guard.

Every client gets two hooks:

* ``before-parameter-build``: the parameters the library hands to boto3 are checked
  against the service model's constraints (lengths, ranges, patterns, enums, required
  members), an oracle independent of the library's own checks;
* ``before-send`` (:class:`CannedResponder`): counts requests and answers each one
  with a valid response, so serialization, signing and parsing stay real.

A test asks :meth:`Guard.run` to run one facade call and learns how many requests it
sent and which model rules the sent parameters broke.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.model import Shape
from pydantic import ValidationError

from agentcore_billing import InvalidInputError, MeteringClient, PaymentsClient, RetryPolicy
from agentcore_billing.testing import CannedResponder
from tests.support import ARN
from tests.support.emulated import NOW, FakeTime

SESSION_ID = "payment-session-abcdefghij12345"
INSTRUMENT_ID = "payment-instrument-abcdefghij12345"
CONNECTOR = "coinbase-abcdef1234"
STAMP = "2026-11-23T10:00:00Z"
LICENSE = "arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef"

_SESSION = {
    "paymentSessionId": SESSION_ID,
    "paymentManagerArn": ARN,
    "userId": "user-1",
    "expiryTimeInMinutes": 60,
    "createdAt": STAMP,
    "updatedAt": STAMP,
}
_INSTRUMENT = {
    "paymentInstrumentId": INSTRUMENT_ID,
    "paymentManagerArn": ARN,
    "paymentConnectorId": CONNECTOR,
    "userId": "user-1",
    "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
    "status": "ACTIVE",
    "createdAt": STAMP,
    "updatedAt": STAMP,
    "paymentInstrumentDetails": {
        "embeddedCryptoWallet": {
            "network": "ETHEREUM",
            "linkedAccounts": [],
            "walletAddress": "0xab",
        }
    },
}
_ANSWERS: dict[str, dict[str, Any]] = {
    "CreatePaymentSession": {"paymentSession": _SESSION},
    "GetPaymentSession": {"paymentSession": _SESSION},
    "ListPaymentSessions": {"paymentSessions": [_SESSION]},
    "DeletePaymentSession": {"status": "DELETED"},
    "CreatePaymentInstrument": {"paymentInstrument": _INSTRUMENT},
    "GetPaymentInstrument": {"paymentInstrument": _INSTRUMENT},
    "ListPaymentInstruments": {"paymentInstruments": [_INSTRUMENT]},
    "DeletePaymentInstrument": {"status": "DELETED"},
    "GetPaymentInstrumentBalance": {
        "paymentInstrumentId": INSTRUMENT_ID,
        "tokenBalance": {
            "amount": "1500000",
            "decimals": 6,
            "token": "USDC",
            "network": "ETHEREUM",
            "chain": "BASE",
        },
    },
    "ProcessPayment": {
        "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "paymentManagerArn": ARN,
        "paymentSessionId": SESSION_ID,
        "paymentInstrumentId": INSTRUMENT_ID,
        "paymentType": "CRYPTO_X402",
        "status": "PROOF_GENERATED",
        "paymentOutput": {"cryptoX402": {"version": "1", "payload": {"signature": "0x1"}}},
        "createdAt": STAMP,
        "updatedAt": STAMP,
    },
    "GetResourcePaymentToken": {
        "paymentTokenResponse": {"coinbaseCdpTokenResponse": {"bearerToken": "eyJ.e30.sig"}}
    },
    "MeterUsage": {"MeteringRecordId": "record-1"},
    "ResolveCustomer": {
        "CustomerIdentifier": "",
        "CustomerAWSAccountId": "111122223333",
        "ProductCode": "prod-abc123",
        "LicenseArn": LICENSE,
        "Metadata": {"AgreementId": "agmt-1"},
    },
    "RegisterUsage": {"Signature": "eyJ.e30.sig"},
}


def _answer(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if operation == "BatchMeterUsage":
        results = [
            {"UsageRecord": record, "MeteringRecordId": f"r-{n}", "Status": "Success"}
            for n, record in enumerate(body.get("UsageRecords") or [])
        ]
        return 200, {"Results": results, "UnprocessedRecords": []}
    return 200, _ANSWERS[operation]


ALLOWED = (ValidationError, InvalidInputError)
"""The only exceptions bad input may raise."""


def base_record(**overrides: Any) -> dict[str, Any]:
    """A valid legacy usage record's fields, with ``overrides``."""
    return {
        "timestamp": NOW,
        "dimension": "d",
        "quantity": 1,
        "customer_identifier": "c",
        **overrides,
    }


# -- the model oracle ------------------------------------------------------------------


@functools.cache
def _pattern(pattern: str) -> tuple[re.Pattern[str], bool]:
    return re.compile(pattern), pattern.startswith("^") or pattern.endswith("$")


def _matches(pattern: str, value: str) -> bool:
    compiled, anchored = _pattern(pattern)
    return bool(compiled.search(value) if anchored else compiled.fullmatch(value))


_TYPES: dict[str, type | tuple[type, ...]] = {
    "structure": Mapping,
    "list": (list, tuple),
    "map": Mapping,
    "string": str,
    "integer": int,
    "long": int,
    "boolean": bool,
}


def model_violations(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Constraints of ``shape`` that ``value`` breaks (botocore checks only some)."""
    kind = shape.type_name
    expected = _TYPES.get(kind)
    wrong_bool = isinstance(value, bool) and kind != "boolean"
    if expected is not None and (wrong_bool or not isinstance(value, expected)):
        return [f"{path}: not a {kind}"]  # botocore refuses it before sending
    if kind == "structure":
        return _structure_violations(shape, value, path)
    found: list[str] = []
    if kind == "list":
        for index, item in enumerate(value):
            found += model_violations(shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif kind == "map":
        for key, item in value.items():
            found += model_violations(shape.value, item, f"{path}.{key}")  # type: ignore[attr-defined]
    found += _size_violations(shape, value, path)
    if kind == "string":
        meta = shape.metadata
        if meta.get("enum") and value not in meta["enum"]:
            found.append(f"{path}: not in enum")
        if meta.get("pattern") and not _matches(meta["pattern"], value):
            found.append(f"{path}: does not match {meta['pattern']}")
    return found


def _structure_violations(shape: Any, value: Mapping[str, Any], path: str) -> list[str]:
    found = [
        f"{path}.{name}: required" for name in shape.required_members if value.get(name) is None
    ]
    for name, member in shape.members.items():
        if value.get(name) is not None:
            found += model_violations(member, value[name], f"{path}.{name}")
    return found


def _size_violations(shape: Shape, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind in ("integer", "long"):
        size = value
    elif kind in ("string", "list", "map"):
        size = len(value)
    else:
        return []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    found = []
    if low is not None and size < low:
        found.append(f"{path}: below min {low}")
    if high is not None and size > high:
        found.append(f"{path}: above max {high}")
    return found


# -- the guard -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one facade call returned or raised, and what it sent."""

    result: Any
    error: Exception | None
    requests: int
    violations: list[str] = field(default_factory=list)


class Guard:
    """Clients answered from memory; counts what each call sends."""

    def __init__(self) -> None:
        self.responder = CannedResponder(answer=self._answer)
        self._violations: list[str] = []
        self._throttle: set[str] = set()
        self._clients: dict[str, Any] = {}

    def throttle_once(self, operation: str) -> None:
        """Answer the next ``operation`` request of the next :meth:`run` with throttling."""
        self._throttle.add(operation)

    def _answer(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if operation in self._throttle:
            self._throttle.discard(operation)
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        return _answer(operation, body)

    def client(self, service: str) -> Any:
        """The real boto3 client (one botocore attempt) of ``service``, wired to this guard."""
        if service not in self._clients:
            self._clients[service] = self._build(service)
        return self._clients[service]

    def _build(self, service: str) -> Any:
        client = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url="http://127.0.0.1:9",  # never reached: before-send answers
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        client.meta.events.register("before-parameter-build", self._check)
        self.responder.attach(client)
        return client

    def _check(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        self._violations += [
            f"{model.name}{text}" for text in model_violations(model.input_shape, params)
        ]

    def run(self, fn: Callable[[], Any]) -> Outcome:
        """Run one facade call; never raises (the error is part of the outcome)."""
        before = len(self.responder.requests)
        self._violations = []
        result: Any = None
        error: Exception | None = None
        try:
            result = fn()
        except Exception as err:
            error = err
        finally:
            self._throttle.clear()
        sent = len(self.responder.requests) - before
        return Outcome(result, error, sent, list(self._violations))


def run_local(fn: Callable[[], Any]) -> Outcome:
    """Run a call that has no client (a model constructor); never raises."""
    try:
        return Outcome(fn(), None, 0)
    except Exception as err:
        return Outcome(None, err, 0)


def payments_on(guard: Guard, **kwargs: Any) -> PaymentsClient:
    """A PaymentsClient on ``guard`` (no retries: every answer is final)."""
    kwargs.setdefault("user_id", "rely-user")
    return PaymentsClient(
        ARN, client=guard.client("bedrock-agentcore"), retry=RetryPolicy.none(), **kwargs
    )


def metering_on(guard: Guard, **kwargs: Any) -> MeteringClient:
    """A MeteringClient on ``guard`` (sequential, no retries, fixed clock)."""
    kwargs.setdefault("product_code", "prod-abc123")
    kwargs.setdefault("clock", lambda: NOW)
    fake = FakeTime()  # RegisterUsage is paced at 5/s whatever the rate: never really wait
    kwargs.setdefault("sleep", fake.sleep)
    kwargs.setdefault("monotonic", fake.monotonic)
    return MeteringClient(
        client=guard.client("meteringmarketplace"),
        retry=RetryPolicy.none(),
        max_workers=1,
        **kwargs,
    )
