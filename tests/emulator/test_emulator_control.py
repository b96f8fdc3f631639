"""The emulated control plane through a raw boto3 client: routes, statuses, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from agentcore_billing.emulator import Emulator, parse_fault_specs

ROLE = "arn:aws:iam::123456789012:role/payments"
TOKEN = "emulator-token-0000-1111-2222-3333-4444"


@pytest.fixture
def control(emu: Emulator, boto_session: Any) -> Any:
    return boto_session.client("bedrock-agentcore-control", endpoint_url=emu.endpoint_url)


def _code(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = err.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _manager(control: Any, name: str = "shop", **extra: Any) -> dict[str, Any]:
    created = control.create_payment_manager(
        name=name, roleArn=ROLE, authorizerType="AWS_IAM", **extra
    )
    return created


def test_create_answers_202_creating_then_ready_after_the_settle_time(emu, control, clock):
    emu.control_plane.settle_seconds = 10
    created = _manager(control, clientToken=TOKEN)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["status"] == "CREATING"
    manager_id = created["paymentManagerId"]
    assert created["paymentManagerArn"].endswith(f":payment-manager/{manager_id}")
    assert control.get_payment_manager(paymentManagerId=manager_id)["status"] == "CREATING"
    clock.advance(10)
    assert control.get_payment_manager(paymentManagerId=manager_id)["status"] == "READY"


def test_a_replayed_token_answers_the_same_manager_and_a_changed_one_conflicts(emu, control):
    first = _manager(control, clientToken=TOKEN)
    again = _manager(control, clientToken=TOKEN)
    assert again["paymentManagerId"] == first["paymentManagerId"]
    assert len(emu.control_plane.managers()) == 1
    with pytest.raises(ClientError) as caught:
        _manager(control, name="other", clientToken=TOKEN)
    assert _code(caught) == ("ConflictException", 409)


def test_patch_get_list_and_delete_routes(emu, control):
    manager_id = _manager(control)["paymentManagerId"]
    control.get_payment_manager(paymentManagerId=manager_id)
    updated = control.update_payment_manager(paymentManagerId=manager_id, description="the shop")
    assert updated["status"] == "UPDATING"
    assert control.get_payment_manager(paymentManagerId=manager_id)["description"] == "the shop"
    for name in ("second", "third"):
        _manager(control, name=name)
    first = control.list_payment_managers(maxResults=2)
    rest = control.list_payment_managers(maxResults=2, nextToken=first["nextToken"])
    names = [m["name"] for m in first["paymentManagers"] + rest["paymentManagers"]]
    assert names == ["shop", "second", "third"] and "nextToken" not in rest
    deleted = control.delete_payment_manager(paymentManagerId=manager_id, clientToken=TOKEN)
    assert deleted["status"] == "DELETING"
    [record] = [r for r in emu.requests() if r.operation == "DeletePaymentManager"]
    assert record.client_token == TOKEN  # read from the querystring
    with pytest.raises(ClientError) as caught:
        control.get_payment_manager(paymentManagerId=manager_id)
    assert _code(caught) == ("ResourceNotFoundException", 404)


def test_connector_rules(emu, control):
    manager_id = _manager(control)["paymentManagerId"]
    with pytest.raises(ClientError) as caught:
        control.create_payment_connector(paymentManagerId=manager_id, name="w", type="CoinbaseCDP")
    assert _code(caught) == ("ValidationException", 400)
    connector = control.create_payment_connector(
        paymentManagerId=manager_id, name="bill", type="AwsBilling"
    )
    assert connector["credentialProviderConfigurations"][0]["awsBilling"]["iamRoleArn"]
    with pytest.raises(ClientError) as caught:
        control.delete_payment_manager(paymentManagerId=manager_id)
    assert _code(caught) == ("ConflictException", 409)
    listed = control.list_payment_connectors(paymentManagerId=manager_id)["paymentConnectors"]
    assert [c["paymentConnectorId"] for c in listed] == [connector["paymentConnectorId"]]


def test_a_connector_needs_a_ready_manager(emu, control):
    emu.control_plane.settle_seconds = 5
    manager_id = _manager(control)["paymentManagerId"]
    with pytest.raises(ClientError) as caught:
        control.create_payment_connector(
            paymentManagerId=manager_id, name="bill", type="AwsBilling"
        )
    assert _code(caught) == ("ConflictException", 409)


def test_service_validation_uses_the_control_model(emu, control):
    with pytest.raises(ClientError) as caught:
        control.create_payment_manager(name="bad_name", roleArn=ROLE, authorizerType="AWS_IAM")
    assert _code(caught) == ("ValidationException", 400)
    with pytest.raises(ClientError) as caught:
        control.create_payment_manager(name="shop", roleArn=ROLE, authorizerType="CUSTOM_JWT")
    assert _code(caught) == ("ValidationException", 400)


def test_injected_errors_and_statuses(emu, control):
    emu.control_plane.fail_next("CreatePaymentManager", error="ServiceQuotaExceededException")
    with pytest.raises(ClientError) as caught:
        _manager(control)
    assert _code(caught) == ("ServiceQuotaExceededException", 402)
    emu.control_plane.fail_next("CreatePaymentManager", status="CREATE_FAILED")
    manager_id = _manager(control)["paymentManagerId"]
    assert control.get_payment_manager(paymentManagerId=manager_id)["status"] == "CREATE_FAILED"
    with pytest.raises(ValueError, match="cannot settle"):
        emu.control_plane.fail_next("CreatePaymentManager", status="AUTHENTICATION_FAILED")


def test_credential_providers_keep_no_secret(emu, control):
    config = {
        "coinbaseCdpConfiguration": {
            "apiKeyId": "k",
            "apiKeySecret": "c2VjcmV0",
            "walletSecret": "d2FsbGV0",
        }
    }
    created = control.create_payment_credential_provider(
        name="cdp", credentialProviderVendor="CoinbaseCDP", providerConfigurationInput=config
    )
    assert (
        "secretArn"
        in created["providerConfigurationOutput"]["coinbaseCdpConfiguration"]["apiKeySecretArn"]
    )
    assert "c2VjcmV0" not in str(emu.control_plane.credential_providers())
    with pytest.raises(ClientError) as caught:
        control.create_payment_credential_provider(
            name="cdp", credentialProviderVendor="CoinbaseCDP", providerConfigurationInput=config
        )
    assert _code(caught) == ("ConflictException", 409)
    control.delete_payment_credential_provider(name="cdp")
    assert control.list_payment_credential_providers()["credentialProviders"] == []


def test_control_operations_take_fault_specs():
    specs = parse_fault_specs(
        ["CreatePaymentConnector:error_rate=1", "GetPaymentManager:latency=0"]
    )
    assert specs["CreatePaymentConnector"].error_rate == 1.0


def test_reset_forgets_the_control_plane(emu, control):
    _manager(control)
    emu.reset()
    assert emu.control_plane.managers() == ()
