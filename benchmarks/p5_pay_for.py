"""P5: paying an HTTP 402: service requests per paid call, and the cost of one paid call.

Two sides, both on real boto3 clients answered from memory by the same ``before-send``
hook (:class:`~benchmarks._hook.Responder`):

* ``ours``: ``PaymentChallenge.from_response(...)`` on the 402's headers, then
  ``payments.pay_for(...)`` (offer choice, one ProcessPayment, the PAYMENT-SIGNATURE
  header). The wallet's network is read once per client.
* ``sdk_pattern``: the request sequence of the official SDK's
  ``PaymentManager.generate_payment_header`` (bedrock-agentcore 1.25.0), performed
  through boto3 directly: decode the PAYMENT-REQUIRED header, ``GetPaymentInstrument``
  for the wallet's network, pick the first accept on that family, ``ProcessPayment``
  with a fresh uuid token, encode the header. (The package itself is not installed:
  it is not a dependency and this models only its request sequence and local work.)

Figures: service requests per paid call over a run of distinct 402s (ours: one
GetPaymentInstrument for the whole run plus one ProcessPayment each), and per-call time
as the ratio ours / sdk_pattern, interleaved in one run.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from ._harness import BenchmarkResult, Check, aws_test_env, interleave, rounded, series_json
from ._hook import PAYMENT_MANAGER_ARN, PAYMENT_SESSION_ID, Responder

REGION = "us-east-1"
INSTRUMENT_ID = "payment-instrument-abcdefghijklmno"
REQUESTS_TARGET = 1.1
"""Service requests per paid call (ours), over a run of ``PAID_CALLS`` 402s."""
PAID_CALLS = 10
RAW_TARGET = 1.5
"""Per-call time, ours over one bare boto3 ProcessPayment (what parsing and choosing add)."""
TIME_TARGET = 1.0
"""Per-call time, ours over the official SDK's request pattern."""

ACCEPT = {
    "scheme": "exact",
    "network": "eip155:84532",
    "amount": "10000",
    "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
    "maxTimeoutSeconds": 60,
    "extra": {"name": "USDC", "version": "2"},
}


def required_header(nonce: int) -> str:
    """A PAYMENT-REQUIRED value (x402 v2) with two accepts; ``nonce`` makes it distinct."""
    solana = {**ACCEPT, "network": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "asset": "mint"}
    document = {
        "x402Version": 2,
        "resource": {"url": f"https://api.example.com/data?n={nonce}"},
        "accepts": [solana, ACCEPT],
        "extensions": {"payment-identifier": {"info": {"required": False}}},
    }
    return base64.b64encode(json.dumps(document).encode()).decode()


def _answer() -> Callable[[str, bytes], tuple[int, bytes]]:
    stamp = "2026-11-23T10:00:00.000Z"
    instrument = json.dumps(
        {
            "paymentInstrument": {
                "paymentInstrumentId": INSTRUMENT_ID,
                "paymentManagerArn": PAYMENT_MANAGER_ARN,
                "paymentConnectorId": "coinbase-abcdef1234",
                "userId": "user-1",
                "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
                "status": "ACTIVE",
                "paymentInstrumentDetails": {
                    "embeddedCryptoWallet": {
                        "network": "ETHEREUM",
                        "walletAddress": "0xabc",
                        "linkedAccounts": [],
                    }
                },
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        }
    ).encode()
    proof = {"signature": "0x" + "ab" * 65, "authorization": {"from": "0xabc", "value": "10000"}}
    payment = json.dumps(
        {
            "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "paymentManagerArn": PAYMENT_MANAGER_ARN,
            "paymentSessionId": PAYMENT_SESSION_ID,
            "paymentInstrumentId": INSTRUMENT_ID,
            "paymentType": "CRYPTO_X402",
            "status": "PROOF_GENERATED",
            "createdAt": stamp,
            "updatedAt": stamp,
            "paymentOutput": {"cryptoX402": {"version": "2", "payload": proof}},
        }
    ).encode()

    def answer(operation: str, _request: bytes) -> tuple[int, bytes]:
        return 200, instrument if operation == "GetPaymentInstrument" else payment

    return answer


def _ours(responder: Responder) -> tuple[Callable[[str], dict[str, str]], Any]:
    from agentcore_billing import PaymentChallenge, PaymentsClient

    payments = PaymentsClient(PAYMENT_MANAGER_ARN, region_name=REGION, user_id="user-1")
    responder.attach(payments.client)

    def paid_call(header: str) -> dict[str, str]:
        challenge = PaymentChallenge.from_response(
            status_code=402, headers={"PAYMENT-REQUIRED": header}, body=b"{}"
        )
        return payments.pay_for(
            challenge, payment_session_id=PAYMENT_SESSION_ID, payment_instrument_id=INSTRUMENT_ID
        ).headers

    return paid_call, payments


def _sdk_pattern(responder: Responder) -> Callable[[str], dict[str, str]]:
    client = responder.attach(boto3.client("bedrock-agentcore", region_name=REGION))
    families = {"ETHEREUM": "eip155:", "SOLANA": "solana:"}

    def paid_call(header: str) -> dict[str, str]:
        required = json.loads(base64.b64decode(header))
        instrument = client.get_payment_instrument(
            paymentManagerArn=PAYMENT_MANAGER_ARN,
            paymentInstrumentId=INSTRUMENT_ID,
            userId="user-1",
        )["paymentInstrument"]
        network = instrument["paymentInstrumentDetails"]["embeddedCryptoWallet"]["network"]
        prefix = families[network]
        accept = next(a for a in required["accepts"] if a["network"].startswith(prefix))
        result = client.process_payment(
            paymentManagerArn=PAYMENT_MANAGER_ARN,
            paymentSessionId=PAYMENT_SESSION_ID,
            paymentInstrumentId=INSTRUMENT_ID,
            userId="user-1",
            paymentType="CRYPTO_X402",
            paymentInput={"cryptoX402": {"version": "2", "payload": accept}},
            clientToken=str(uuid.uuid4()),
        )
        signature = {
            "x402Version": 2,
            "resource": required.get("resource"),
            "accepted": accept,
            "extensions": required.get("extensions", {}),
            "payload": result["paymentOutput"]["cryptoX402"]["payload"],
        }
        return {"PAYMENT-SIGNATURE": base64.b64encode(json.dumps(signature).encode()).decode()}

    return paid_call


def _raw_process_payment(responder: Responder) -> Callable[[str], dict[str, str]]:
    client = responder.attach(boto3.client("bedrock-agentcore", region_name=REGION))

    def paid_call(_header: str) -> dict[str, str]:
        client.process_payment(
            paymentManagerArn=PAYMENT_MANAGER_ARN,
            paymentSessionId=PAYMENT_SESSION_ID,
            paymentInstrumentId=INSTRUMENT_ID,
            userId="user-1",
            paymentType="CRYPTO_X402",
            paymentInput={"cryptoX402": {"version": "2", "payload": ACCEPT}},
            clientToken=str(uuid.uuid4()),
        )
        return {}

    return paid_call


def _requests_per_call(make: Callable[[Responder], Callable[[str], dict[str, str]]]) -> float:
    responder = Responder(_answer())
    paid_call = make(responder)
    for nonce in range(PAID_CALLS):
        paid_call(required_header(nonce))
    return responder.calls / PAID_CALLS


def _one_call(paid_call: Callable[[str], dict[str, str]], header: str) -> Callable[[], None]:
    def side() -> None:
        paid_call(header)

    return side


SIZES: dict[str, dict[str, Any]] = {
    "full": {"calls_per_block": 20, "rounds": 40, "budget": 60.0},
    "quick": {"calls_per_block": 5, "rounds": 6, "budget": 3.0},
    "smoke": {"calls_per_block": 2, "rounds": 2, "budget": 1.0},
}


def run(mode: str = "full") -> BenchmarkResult:
    """Run P5 at the sizes of ``mode`` (``full``, ``quick`` or ``smoke``)."""
    started = time.perf_counter()
    size = SIZES[mode]
    result = BenchmarkResult("P5", "paying an HTTP 402: requests per paid call, cost per call")
    with aws_test_env():
        ours_requests = _requests_per_call(lambda responder: _ours(responder)[0])
        sdk_requests = _requests_per_call(_sdk_pattern)
        header = required_header(0)
        ours, _ = _ours(Responder(_answer()))
        sdk = _sdk_pattern(Responder(_answer()))
        sides: dict[str, Callable[[], None]] = {
            "ours": _one_call(ours, header),
            "sdk_pattern": _one_call(sdk, header),
            "raw_process_payment": _one_call(_raw_process_payment(Responder(_answer())), header),
        }
        for fn in sides.values():
            for _ in range(5):
                fn()
        measured = interleave(
            sides,
            units_per_block=size["calls_per_block"],
            rounds=size["rounds"],
            max_seconds=size["budget"],
        )
    result.checks.append(
        Check(
            name=f"service requests per paid call (ours, {PAID_CALLS} distinct 402s)",
            value=rounded(ours_requests),
            target=REQUESTS_TARGET,
            comparison="<=",
            unit="",
            detail=f"sdk pattern {sdk_requests:.1f} per call; ratio "
            f"{ours_requests / sdk_requests:.2f}x",
        )
    )
    result.checks.append(
        Check(
            name="from_response + pay_for time / sdk pattern",
            value=rounded(measured.ratio("ours", "sdk_pattern")),
            normal_value=rounded(measured.ratio("ours", "sdk_pattern", normal_only=True)),
            target=TIME_TARGET,
            comparison="<=",
            unit="x",
            detail=f"ours {measured.series('ours').median * 1e6:.0f} us, sdk pattern "
            f"{measured.series('sdk_pattern').median * 1e6:.0f} us per paid call",
        )
    )
    result.checks.append(
        Check(
            name="from_response + pay_for time / one raw boto3 ProcessPayment",
            value=rounded(measured.ratio("ours", "raw_process_payment")),
            normal_value=rounded(measured.ratio("ours", "raw_process_payment", normal_only=True)),
            target=RAW_TARGET,
            comparison="<=",
            unit="x",
            detail=f"raw {measured.series('raw_process_payment').median * 1e6:.0f} us per call "
            "(no parsing, no offer choice, no header)",
        )
    )
    result.figures = {
        "requests_per_paid_call": {
            "ours": ours_requests,
            "sdk_pattern": sdk_requests,
            "paid_calls": PAID_CALLS,
        },
        "calls_per_block": size["calls_per_block"],
        "sides": {name: series_json(measured.series(name), 1e6, "us/call") for name in sides},
        "ratio_ours_over_sdk_pattern": {
            "median": rounded(measured.ratio("ours", "sdk_pattern")),
            "normal_median": rounded(measured.ratio("ours", "sdk_pattern", normal_only=True)),
            "paired": rounded(measured.paired_ratio("ours", "sdk_pattern")),
        },
        "ratio_ours_over_raw_process_payment": {
            "median": rounded(measured.ratio("ours", "raw_process_payment")),
            "normal_median": rounded(
                measured.ratio("ours", "raw_process_payment", normal_only=True)
            ),
        },
    }
    result.notes.append(
        "the official SDK is modeled by its request sequence through boto3 (GetPaymentInstrument "
        "+ ProcessPayment per header); bedrock-agentcore is not installed"
    )
    result.seconds = round(time.perf_counter() - started, 1)
    return result
