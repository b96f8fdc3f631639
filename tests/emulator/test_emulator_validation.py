"""Model-driven validation and the wire format of errors, seen by botocore and by raw HTTP."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from agentcore_billing.emulator._models import METERING, PAYMENTS, catalog, load_service_model
from agentcore_billing.emulator._validation import pattern_matches, validate

from .helpers import MANAGER_ARN, USER, error_of, mpp_header, new_instrument, new_session, pay

BASE_SESSION = {"userId": USER, "paymentManagerArn": MANAGER_ARN, "expiryTimeInMinutes": 60}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:1:payment-manager/x"}, None),
        ({"paymentManagerArn": MANAGER_ARN.replace("shop", "Shop")}, "paymentManagerArn"),
        ({"expiryTimeInMinutes": 481}, "expiryTimeInMinutes"),
        ({"expiryTimeInMinutes": 14}, "expiryTimeInMinutes"),
        ({"expiryTimeInMinutes": "60"}, "expiryTimeInMinutes"),
        ({"clientToken": "0" * 32}, "clientToken"),
        ({"clientToken": "a_" + "0" * 40}, "clientToken"),
        ({"userId": "u" * 121}, "userId"),
        ({"limits": {"maxSpendAmount": {"value": "5", "currency": "EUR"}}}, None),
        ({"limits": {"maxSpendAmount": {"value": "1e3", "currency": "USD"}}}, None),
        ({"limits": {"maxSpendAmount": {"value": "-1", "currency": "USD"}}}, None),
        ({"limits": {"maxSpendAmount": {"value": "NaN", "currency": "USD"}}}, None),
        ({"limits": {}}, "limits.maxSpendAmount"),
        ({"paymentManagerArn": None}, "paymentManagerArn"),
    ],
)
def test_create_session_refuses_what_the_service_refuses(raw_payments, emu, overrides, field):
    params = {k: v for k, v in {**BASE_SESSION, **overrides}.items() if v is not None}
    code, status, response = error_of(lambda: raw_payments.create_payment_session(**params))
    assert (code, status) == ("ValidationException", 400)
    assert response["reason"] == "FieldValidationFailed"
    if field is not None:
        assert field in [entry["name"] for entry in response["fieldList"]]
    assert emu.sessions() == ()


def _instrument(details):
    return {
        "userId": USER,
        "paymentManagerArn": MANAGER_ARN,
        "paymentConnectorId": "coinbase-conn-abcdef1234",
        "paymentInstrumentType": "EMBEDDED_CRYPTO_WALLET",
        "paymentInstrumentDetails": details,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({**_instrument({}), "paymentInstrumentType": "CARD"}, "paymentInstrumentType"),
        (_instrument({}), "paymentInstrumentDetails"),
        (
            {
                **_instrument(
                    {"embeddedCryptoWallet": {"network": "ETHEREUM", "linkedAccounts": []}}
                ),
                "paymentConnectorId": "Coinbase-conn-abcdef1234",
            },
            "paymentConnectorId",
        ),
        (
            _instrument({"embeddedCryptoWallet": {"network": "BITCOIN", "linkedAccounts": []}}),
            "paymentInstrumentDetails.embeddedCryptoWallet.network",
        ),
        (
            _instrument(
                {
                    "embeddedCryptoWallet": {
                        "network": "ETHEREUM",
                        "linkedAccounts": [
                            {"email": {"emailAddress": "a@b.co"}},
                            {"sms": {"phoneNumber": "+15550100"}},
                        ],
                    }
                }
            ),
            "paymentInstrumentDetails.embeddedCryptoWallet.linkedAccounts",
        ),
        (
            _instrument(
                {
                    "embeddedCryptoWallet": {
                        "network": "ETHEREUM",
                        "linkedAccounts": [{"email": {"emailAddress": "secret-but-bad"}}],
                    }
                }
            ),
            "paymentInstrumentDetails.embeddedCryptoWallet.linkedAccounts[0].email.emailAddress",
        ),
        (
            _instrument(
                {
                    "embeddedCryptoWallet": {
                        "network": "ETHEREUM",
                        "linkedAccounts": [
                            {"email": {"emailAddress": "a@b.co"}, "sms": {"phoneNumber": "+1555"}}
                        ],
                    }
                }
            ),
            "paymentInstrumentDetails.embeddedCryptoWallet.linkedAccounts[0]",
        ),
    ],
)
def test_create_instrument_validation(raw_payments, params, field):
    code, status, response = error_of(lambda: raw_payments.create_payment_instrument(**params))
    assert (code, status) == ("ValidationException", 400)
    assert field in [entry["name"] for entry in response["fieldList"]]
    assert "secret-but-bad" not in json.dumps(response["fieldList"])  # sensitive: redacted


def test_process_payment_union_and_list_limits(payments, raw_payments):
    session, instrument = new_session(payments), new_instrument(payments)
    both = {
        "cryptoX402": {"version": "1", "payload": {"maxAmountRequired": "1"}},
        "mpp": {"version": "1", "wwwAuthenticateHeaders": [mpp_header()]},
    }
    two_headers = {"mpp": {"version": "1", "wwwAuthenticateHeaders": [mpp_header()] * 2}}
    bad_version = {"mpp": {"version": "v1", "wwwAuthenticateHeaders": [mpp_header()]}}
    for payment_input, field in [
        (both, "paymentInput"),
        (two_headers, "paymentInput.mpp.wwwAuthenticateHeaders"),
        (bad_version, "paymentInput.mpp.version"),
    ]:
        code, _, response = error_of(
            lambda p=payment_input: pay(
                raw_payments, session, instrument, paymentType="MPP", paymentInput=p
            )
        )
        assert code == "ValidationException"
        assert field in [entry["name"] for entry in response["fieldList"]]


def test_patterns_follow_the_services_anchoring():
    connector = "([0-9a-z][-]?){1,100}-[0-9a-z]{10}"
    assert pattern_matches(connector, "coinbase-abcdef1234")
    assert not pattern_matches(connector, "Coinbase-abcdef1234")  # unanchored: whole value
    assert not pattern_matches(connector, "coinbase-abcdef1234!")
    assert pattern_matches("^[0-9]+$", "123")
    assert not pattern_matches("^[0-9]+$", "12a")
    assert pattern_matches("[\\s\\S]+", "any text")


def test_every_error_status_comes_from_the_models():
    routes = catalog()
    model = load_service_model(PAYMENTS)
    for name in (
        "ValidationException",
        "AccessDeniedException",
        "ConflictException",
        "ResourceNotFoundException",
        "ServiceQuotaExceededException",
        "ThrottlingException",
        "InternalServerException",
    ):
        expected = model.shape_for(name).metadata["error"]["httpStatusCode"]
        assert routes.error_status(PAYMENTS, name) == expected
    assert routes.error_status(PAYMENTS, "ServiceQuotaExceededException") == 402
    assert routes.error_status(PAYMENTS, "ThrottlingException") == 429
    assert routes.error_status(METERING, "ThrottlingException") == 400
    assert routes.error_status(METERING, "InternalServiceErrorException") == 500
    assert routes.error_status(METERING, "DryRunOperation") == 412


def _post(emu, path, body, headers):
    url = urlsplit(emu.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_raw_http_error_formats(emu):
    status, headers, body = _post(emu, "/payments/createPaymentSession", b"{not json", {})
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "ValidationException"
    assert body["reason"] == "CannotParse"
    assert headers["x-amzn-RequestId"]

    target = {"X-Amz-Target": "AWSMPMeteringService.MeterUsage"}
    status, headers, body = _post(emu, "/", b"[1]", target)
    assert (status, body["__type"]) == (400, "SerializationException")
    assert headers["Content-Type"] == "application/x-amz-json-1.1"

    status, _, body = _post(emu, "/payments/refund", b"{}", {})
    assert status == 404
    status, _, body = _post(emu, "/", b"{}", {"X-Amz-Target": "AWSMPMeteringService.Nope"})
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert emu.counts()["UnknownOperation"] == {"UnknownOperationException": 2}


def test_request_ids_are_sent(payments):
    response = payments.list_payment_sessions(userId=USER, paymentManagerArn=MANAGER_ARN)
    assert len(response["ResponseMetadata"]["RequestId"]) == 36
    _, _, error = error_of(
        lambda: payments.get_payment_session(
            userId=USER,
            paymentManagerArn=MANAGER_ARN,
            paymentSessionId="payment-session-" + "0" * 15,
        )
    )
    assert len(error["ResponseMetadata"]["RequestId"]) == 36


def test_metering_body_limit(raw_metering, emu):
    emu.add_product("p")
    record = {
        "Timestamp": 1795430000,
        "Dimension": "d",
        "CustomerIdentifier": "c",
        "UsageAllocations": [
            {"AllocatedUsageQuantity": 0, "Tags": [{"Key": "k" * 100, "Value": "v" * 256}] * 5}
        ]
        * 700,
    }
    code, status, response = error_of(
        lambda: raw_metering.batch_meter_usage(ProductCode="p", UsageRecords=[record])
    )
    assert (code, status) == ("ValidationException", 400)
    assert "1 MB" in response["Error"]["Message"]


def test_validate_reports_type_errors():
    model = load_service_model(METERING)
    request = model.operation_model("BatchMeterUsage").input_shape
    violations = validate(request, {"UsageRecords": "nope", "ProductCode": 5})
    assert {(v.field, v.constraint) for v in violations} == {
        ("UsageRecords", "Member must be a list"),
        ("ProductCode", "Member must be a string"),
    }
    record = {"Timestamp": "soon", "Dimension": "d", "Quantity": True, "UsageAllocations": [None]}
    found = {v.field: v.constraint for v in validate(request, {"UsageRecords": [record, 7]})}
    assert found == {
        "UsageRecords[0].Timestamp": "Member must be a timestamp",
        "UsageRecords[0].Quantity": "Member must be an integer",
        "UsageRecords[0].UsageAllocations[0]": "Member must not be null",
        "UsageRecords[1]": "Member must be a structure",
    }
    dry_run = model.operation_model("MeterUsage").input_shape
    assert [v.constraint for v in validate(dry_run, {"DryRun": "yes"}) if "DryRun" in v.field] == [
        "Member must be a boolean"
    ]
    assert validate(None, {"anything": 1}) == []


def test_timestamps_arrive_as_epoch_or_iso_text(emu):
    emu.add_product("p")
    target = {"X-Amz-Target": "AWSMPMeteringService.MeterUsage"}
    body = {"ProductCode": "p", "UsageDimension": "d", "UsageQuantity": 1}
    iso = json.dumps({**body, "Timestamp": "2026-11-23T10:00:00Z"}).encode()
    assert _post(emu, "/", iso, target)[0] == 200
    epoch = json.dumps({**body, "Timestamp": 1795428000.5, "UsageDimension": "e"}).encode()
    assert _post(emu, "/", epoch, target)[0] == 200
    for bad in ("yesterday", 1e20, True):
        payload = json.dumps({**body, "Timestamp": bad}).encode()
        status, _, error = _post(emu, "/", payload, target)
        assert (status, error["__type"]) == (400, "TimestampOutOfBoundsException")
    stamps = [r.timestamp.isoformat() for r in emu.accepted_usage_records()]
    assert stamps == ["2026-11-23T10:00:00+00:00", "2026-11-23T10:00:00.500000+00:00"]
