"""httpx (sync and async) and requests paying the emulator's paid resources over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

from agentcore_billing import (
    Money,
    PaymentChallenge,
    PaymentsClient,
    PolicyViolationError,
    Settlement,
    SpendPolicy,
)
from agentcore_billing.emulator import Emulator
from agentcore_billing.http import HttpxPaymentAuth, RequestsPaymentAuth


@pytest.fixture
def buyer(emu: Emulator, make_payments: Callable[..., PaymentsClient]) -> dict[str, Any]:
    payments = make_payments(emu)
    session = payments.create_payment_session(
        expiry_time_in_minutes=60, max_spend=Money.usd("0.05")
    )
    assert emu.demo is not None
    return {
        "payments": payments,
        "payment_session_id": session.payment_session_id,
        "payment_instrument_id": emu.demo.payment_instrument_id,
    }


def operations(emu: Emulator) -> list[str]:
    return [r.operation for r in emu.requests() if r.operation != "CreatePaymentSession"]


@pytest.mark.parametrize(
    ("protocols", "header", "settled"),
    [
        (("x402v2",), "PAYMENT-SIGNATURE", "x402"),
        (("x402v1",), "X-PAYMENT", "x402"),
        (("mpp",), "Authorization", "mpp"),
        (("x402v2", "mpp"), "Authorization", "mpp"),
    ],
)
def test_httpx_sync_pays_once_and_resends_once(
    emu: Emulator, buyer: dict[str, Any], protocols: tuple[str, ...], header: str, settled: str
) -> None:
    url = emu.add_paid_resource("/weather", amount=10000, protocols=protocols)
    paid: list[Any] = []
    auth = HttpxPaymentAuth(**buyer, on_payment=paid.append)
    response = httpx.get(url, auth=auth)
    assert response.status_code == 200
    settlement = Settlement.from_response(response.headers)
    assert settlement is not None and settlement.success and settlement.protocol == settled
    assert [(r.status, r.payment_header) for r in emu.seller_requests()] == [
        (402, None),
        (200, header),
    ]
    assert operations(emu) == ["GetPaymentInstrument", "ProcessPayment"]
    (payment,) = emu.payments()
    assert payment.client_token == paid[0].client_token


def test_httpx_async_flow(emu: Emulator, buyer: dict[str, Any]) -> None:
    url = emu.add_paid_resource("/news", amount=20000, protocols=("x402v2", "x402v1"))

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(auth=HttpxPaymentAuth(**buyer)) as client:
            return await client.get(url)

    response = asyncio.run(fetch())
    assert response.status_code == 200
    assert response.json()["paid"]["amount"] == "20000"
    assert len(emu.payments()) == 1


def test_requests_resends_like_digest_auth(emu: Emulator, buyer: dict[str, Any]) -> None:
    url = emu.add_paid_resource("/quote", amount=10000, protocols=("mpp", "x402v2"))
    response = requests.get(url, auth=RequestsPaymentAuth(**buyer), timeout=10)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [402]
    assert response.request.headers["Authorization"].startswith("Payment ")
    assert len(emu.payments()) == 1


@pytest.mark.parametrize("client", ["httpx", "requests"])
def test_a_second_402_is_handed_back_untouched(
    emu: Emulator, buyer: dict[str, Any], client: str
) -> None:
    url = emu.add_paid_resource("/refuses", amount=10000, reject_payments=True)
    if client == "httpx":
        status = httpx.get(url, auth=HttpxPaymentAuth(**buyer)).status_code
    else:
        status = requests.get(url, auth=RequestsPaymentAuth(**buyer), timeout=10).status_code
    assert status == 402
    assert len(emu.payments()) == 1  # paid once, never again
    assert [r.status for r in emu.seller_requests()] == [402, 402]


def test_mpp_401_with_a_fresh_challenge_is_answered_once(
    emu: Emulator, buyer: dict[str, Any]
) -> None:
    url = emu.add_paid_resource(
        "/mpp-refuses", amount=10000, protocols=("mpp",), reject_payments=True
    )
    response = httpx.get(url, auth=HttpxPaymentAuth(**buyer))
    assert response.status_code == 401
    assert [r.status for r in emu.seller_requests()] == [402, 401, 401]
    assert len(emu.payments()) == 2  # the 402, then the one fresh 401 challenge


def test_cross_origin_redirect_never_carries_the_payment(
    make_emulator: Callable[..., Emulator], emu: Emulator, buyer: dict[str, Any]
) -> None:
    other = make_emulator()  # another port: another origin
    target = other.endpoint_url + "/landing"
    for protocols in (("x402v2",), ("mpp",)):
        path = "/moved-" + protocols[0]
        url = emu.add_paid_resource(path, amount=10000, protocols=protocols, redirect_to=target)
        httpx.get(url, auth=HttpxPaymentAuth(**buyer), follow_redirects=True)
        requests.get(url, auth=RequestsPaymentAuth(**buyer), timeout=10)
    landed = [r.headers for r in other.requests()]
    assert len(landed) == 4
    for headers in landed:
        assert "payment-signature" not in headers and "x-payment" not in headers
        assert not headers.get("authorization", "").startswith("Payment")


def test_same_challenge_paid_twice_is_one_payment(emu: Emulator, buyer: dict[str, Any]) -> None:
    url = emu.add_paid_resource("/once", amount=10000, protocols=("x402v2", "mpp"))
    first = httpx.get(url)
    challenge = PaymentChallenge.from_response(
        status_code=first.status_code, headers=first.headers, body=first.content
    )
    payments = buyer["payments"]
    ids = {k: v for k, v in buyer.items() if k != "payments"}
    one, two = payments.pay_for(challenge, **ids), payments.pay_for(challenge, **ids)
    assert one.client_token == two.client_token
    assert one.result.process_payment_id == two.result.process_payment_id
    assert len(emu.payments()) == 1


def test_policy_refusal_raises_and_pays_nothing(emu: Emulator, buyer: dict[str, Any]) -> None:
    url = emu.add_paid_resource("/dear", amount=2_000_000)  # 2 USDC
    with pytest.raises(PolicyViolationError, match="max_per_payment"):
        httpx.get(url, auth=HttpxPaymentAuth(**buyer))
    cheap = SpendPolicy(max_per_payment=Money.usd("0.001"))
    with pytest.raises(PolicyViolationError):
        requests.get(url, auth=RequestsPaymentAuth(**buyer, policy=cheap), timeout=10)
    assert "ProcessPayment" not in operations(emu)


def test_plain_http_off_loopback_is_never_paid(buyer: dict[str, Any]) -> None:
    def seller(request: httpx.Request) -> httpx.Response:
        return httpx.Response(402, headers={"PAYMENT-REQUIRED": "e30="})

    transport = httpx.MockTransport(seller)
    auth = HttpxPaymentAuth(**buyer)
    with (
        httpx.Client(transport=transport, auth=auth) as client,
        pytest.raises(PolicyViolationError, match="only over https"),
    ):
        client.get("http://api.example.com/paid")


def test_async_flow_leaves_the_event_loop_free(
    make_emulator: Callable[..., Emulator], make_payments: Callable[..., PaymentsClient]
) -> None:
    from agentcore_billing._core.clock import real_sleep
    from agentcore_billing.emulator import FaultConfig

    # The emulator answers ProcessPayment after a real 50 ms; a blocked loop would not tick.
    slow = make_emulator(faults={"ProcessPayment": FaultConfig(latency=0.05)}, sleep=real_sleep)
    payments = make_payments(slow)
    session = payments.create_payment_session(expiry_time_in_minutes=30)
    assert slow.demo is not None
    url = slow.add_paid_resource("/slow", amount=10000)
    ticks = 0
    seen: list[int] = []  # ticks when ProcessPayment went out, and when the payment returned

    def sending(**_: Any) -> None:
        seen.append(ticks)

    payments.client.meta.events.register("before-send.bedrock-agentcore.ProcessPayment", sending)
    auth = HttpxPaymentAuth(
        payments,
        payment_session_id=session.payment_session_id,
        payment_instrument_id=slow.demo.payment_instrument_id,
        on_payment=lambda _: seen.append(ticks),
    )

    async def ticker(done: asyncio.Event) -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.002)

    async def main() -> int:
        done = asyncio.Event()
        task = asyncio.create_task(ticker(done))
        async with httpx.AsyncClient(auth=auth) as client:
            response = await client.get(url)
        done.set()
        await task
        return response.status_code

    assert asyncio.run(main()) == 200
    sent, paid = seen
    assert paid - sent >= 3  # the loop kept ticking through the 50 ms ProcessPayment
