"""Starting and stopping, serve(), keep-alive, inspection, reset, demo data, concurrency."""

from __future__ import annotations

import http.client
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig, serve
from tests.support import NOW

from .helpers import MANAGER_ARN, TOKEN_A, USER, client, error_of, new_session, x402_input


def _port(url):
    return urlsplit(url).port


def _refused(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_context_manager_binds_loopback_and_stop_closes(clock):
    emulator = Emulator(clock=clock.now, quotas=NO_QUOTAS)
    with pytest.raises(RuntimeError):
        _ = emulator.endpoint_url
    with emulator as emu:
        url = emu.endpoint_url
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            emu.start()
    assert _refused(_port(url))
    emulator.stop()  # idempotent


def test_keep_alive_connection_serves_several_requests(emu):
    url = urlsplit(emu.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        for _ in range(3):
            connection.request(
                "POST",
                "/payments/listPaymentSessions",
                body=f'{{"paymentManagerArn": "{MANAGER_ARN}"}}',
                headers={"X-Amzn-Bedrock-AgentCore-Payments-User-Id": USER},
            )
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Connection") != "close"
            response.read()
    finally:
        connection.close()
    assert emu.counts() == {"ListPaymentSessions": {"ok": 3}}


def test_stop_closes_idle_keep_alive_connections(clock):
    emu = Emulator(clock=clock.now).start()
    url = urlsplit(emu.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "x.y"})
        connection.getresponse().read()
    finally:
        emu.stop()
    try:
        with pytest.raises((http.client.HTTPException, OSError)):
            connection.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "x.y"})
            connection.getresponse()
    finally:
        connection.close()


def test_serve_runs_until_stopped(boto_session):
    ready = threading.Event()
    running: list[Emulator] = []

    def on_ready(emu):
        running.append(emu)
        ready.set()

    thread = threading.Thread(
        target=serve,
        kwargs={"faults": ["MeterUsage:error_rate=1"], "seed": 3, "on_ready": on_ready},
        daemon=True,
    )
    thread.start()
    assert ready.wait(5)
    (emu,) = running
    try:
        metering = client(boto_session, "meteringmarketplace", emu)
        token = "demo-registration-token-new"
        assert metering.resolve_customer(RegistrationToken=token)["CustomerAWSAccountId"]
        code, _, _ = error_of(
            lambda: metering.meter_usage(
                ProductCode="demo-container-product",
                Timestamp=NOW,
                UsageDimension="d",
                UsageQuantity=1,
            )
        )
        assert code == "InternalServiceErrorException"
    finally:
        emu.stop()
    thread.join(5)
    assert not thread.is_alive()


def test_inspection_and_reset(emu, payments):
    emu.add_customer(
        customer_aws_account_id="111122223333",
        product_code="p",
        customer_identifier="cust-1",
        dimensions=["d"],
    )
    new_session(payments, clientToken=TOKEN_A)
    error_of(lambda: new_session(payments, expiryTimeInMinutes=481))
    first, second = emu.requests()
    assert (first.sequence, first.operation, first.status, first.client_token) == (
        1,
        "CreatePaymentSession",
        201,
        TOKEN_A,
    )
    assert first.committed and first.error_code is None
    assert first.params["expiryTimeInMinutes"] == 60
    assert first.received_at == NOW
    assert (second.status, second.error_code, second.committed) == (
        400,
        "ValidationException",
        False,
    )
    assert emu.counts() == {"CreatePaymentSession": {"ok": 1, "ValidationException": 1}}

    emu.reset()
    assert emu.requests() == () and emu.sessions() == () and emu.counts() == {}
    replay = new_session(payments, clientToken=TOKEN_A)  # tokens forgotten: a new session
    assert len(emu.sessions()) == 1
    assert emu.sessions()[0].payment_session_id == replay["paymentSessionId"]
    with pytest.raises(ValueError):
        emu.add_customer(customer_aws_account_id="12ab", product_code="p")


def test_reset_keeps_or_clears_seed(boto_session, make_emulator):
    emu = make_emulator()
    customer = emu.add_customer(
        customer_aws_account_id="111122223333",
        product_code="p",
        license_arn="arn:aws:license-manager::111122223333:license:l-1",
    )
    emu.add_registration_token("tok", customer)
    metering = client(boto_session, "meteringmarketplace", emu)
    metering.resolve_customer(RegistrationToken="tok")
    emu.reset()
    assert metering.resolve_customer(RegistrationToken="tok")["ProductCode"] == "p"
    emu.reset(clear_seed=True)
    assert error_of(lambda: metering.resolve_customer(RegistrationToken="tok"))[0] == (
        "InvalidTokenException"
    )


def test_demo_data(make_emulator, boto_session):
    emu = make_emulator(demo_data=True)
    demo = emu.demo
    assert demo is not None
    payments = client(boto_session, "bedrock-agentcore", emu)
    session = payments.create_payment_session(
        userId=demo.user_id, paymentManagerArn=demo.payment_manager_arn, expiryTimeInMinutes=30
    )["paymentSession"]
    payment = payments.process_payment(
        userId=demo.user_id,
        paymentManagerArn=demo.payment_manager_arn,
        paymentSessionId=session["paymentSessionId"],
        paymentInstrumentId=demo.payment_instrument_id,
        paymentType="CRYPTO_X402",
        paymentInput=x402_input(),
    )
    assert payment["status"] == "PROOF_GENERATED"
    metering = client(boto_session, "meteringmarketplace", emu)
    expired = demo.registration_tokens["expired"]
    assert error_of(lambda: metering.resolve_customer(RegistrationToken=expired))[0] == (
        "ExpiredTokenException"
    )
    legacy = metering.resolve_customer(RegistrationToken=demo.registration_tokens["legacy"])
    assert legacy["ProductCode"] == demo.legacy_product_code
    assert len(demo.customers) == 4
    emu.reset()
    assert [i.payment_instrument_id for i in emu.instruments()] == [demo.payment_instrument_id]


def test_concurrent_clients(make_emulator, boto_session):
    emu = make_emulator(default_faults=FaultConfig())
    license_arn = "arn:aws:license-manager::111122223333:license:l-1"
    emu.add_customer(
        customer_aws_account_id="111122223333", product_code="p", license_arn=license_arn
    )

    # botocore builds clients thread-unsafely: one client per worker, built up front.
    clients = [client(boto_session, "meteringmarketplace", emu) for _ in range(8)]

    def send(worker):
        records = [
            {
                "Timestamp": NOW,
                "Dimension": f"w{worker}-{i}",
                "Quantity": i,
                "CustomerAWSAccountId": "111122223333",
                "LicenseArn": license_arn,
            }
            for i in range(25)
        ]
        response = clients[worker].batch_meter_usage(UsageRecords=records)
        return [r["Status"] for r in response["Results"]]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(send, range(8)))
    assert all(statuses == ["Success"] * 25 for statuses in results)
    assert len(emu.accepted_usage_records()) == 200
    assert emu.counts() == {"BatchMeterUsage": {"ok": 8}}
