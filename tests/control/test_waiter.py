"""wait_until_ready: capped back-off on the injected clock; every final status raises at once."""

from __future__ import annotations

import pytest

from agentcore_billing import ResourceNotReadyError
from agentcore_billing._control.models import PaymentConnector, PaymentManager
from agentcore_billing._control.waiter import IN_PROGRESS, TERMINAL

from .conftest import CONNECTOR_ID, MANAGER_ID, connector_wire, manager_wire, without

REFS = {"paymentManagerId": MANAGER_ID, "paymentConnectorId": CONNECTOR_ID}
CONNECTOR_STATUSES = {
    "CREATE_FAILED",
    "UPDATE_FAILED",
    "DELETE_FAILED",
    "DELETING",
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_EXPIRED",
    "AWS_MARKETPLACE_SUBSCRIPTION_REQUIRED",
    "PENDING_AUTHENTICATION",
}


def _manager(status: str) -> PaymentManager:
    return PaymentManager.from_wire(manager_wire(status), client_token="t" * 36)


def _connector(status: str) -> PaymentConnector:
    return PaymentConnector.from_wire(connector_wire(status))


def _get_connector(stubber, status: str, **extra) -> None:
    stubber.add_response(
        "get_payment_connector",
        without(connector_wire(status, **extra), "paymentManagerId"),
        REFS,
    )


def test_polls_with_capped_backoff_until_ready(control, stubber, clock):
    for status in ["CREATING"] * 6 + ["READY"]:
        stubber.add_response(
            "get_payment_manager", manager_wire(status), {"paymentManagerId": MANAGER_ID}
        )
    ready = control.wait_until_ready(_manager("CREATING"))
    assert ready.status == "READY"
    assert ready.client_token == "t" * 36  # the token of the create survives the re-reads
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    stubber.assert_no_pending_responses()


def test_the_timeout_raises_with_the_last_status(control, stubber, clock):
    for _ in range(4):
        stubber.add_response(
            "get_payment_manager", manager_wire("CREATING"), {"paymentManagerId": MANAGER_ID}
        )
    with pytest.raises(ResourceNotReadyError) as caught:
        control.wait_until_ready(_manager("CREATING"), timeout=5)
    assert caught.value.status == "CREATING"
    assert "timeout" in caught.value.reason
    assert clock.sleeps == [1.0, 2.0, 2.0] and clock.monotonic() == 5.0


@pytest.mark.parametrize("status", sorted(CONNECTOR_STATUSES))
def test_every_terminal_connector_status_raises_at_once(control, stubber, clock, status):
    _get_connector(stubber, "PROVISIONING")
    _get_connector(stubber, status)
    with pytest.raises(ResourceNotReadyError) as caught:
        control.wait_until_ready(_connector("CREATING"), timeout=3600)
    assert caught.value.status == status
    assert caught.value.reason and status in str(caught.value)
    assert isinstance(caught.value.resource, PaymentConnector)
    assert clock.sleeps == [1.0]  # no spinning until the timeout


@pytest.mark.parametrize("status", ["CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"])
def test_terminal_manager_statuses_raise(control, stubber, status):
    stubber.add_response(
        "get_payment_manager", manager_wire(status), {"paymentManagerId": MANAGER_ID}
    )
    with pytest.raises(ResourceNotReadyError) as caught:
        control.wait_until_ready(_manager("CREATING"))
    assert caught.value.status == status


def test_pending_authentication_carries_the_authorization_url(control, stubber, clock):
    url = "https://consent.example.com/authorize?c=1"
    _get_connector(
        stubber, "PENDING_AUTHENTICATION", authorizationUrl=url, provisionMode="QUICK_CREATE"
    )
    with pytest.raises(ResourceNotReadyError) as caught:
        control.wait_until_ready(_connector("CREATING"))
    assert caught.value.authorization_url == url
    assert caught.value.resource.authorization_url == url
    assert clock.sleeps == []


def test_an_unknown_status_is_final_not_a_hang(control, stubber, clock):
    _get_connector(stubber, "CREATING")
    _get_connector(stubber, "QUARANTINED")
    with pytest.raises(ResourceNotReadyError) as caught:
        control.wait_until_ready(_connector("CREATING"), timeout=3600)
    assert caught.value.status == "QUARANTINED"
    assert "does not know" in caught.value.reason
    assert clock.sleeps == [1.0]


def test_the_status_sets_are_disjoint_and_cover_the_model():
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-agentcore-control")
    from botocore.model import StringShape

    shapes = [model.shape_for(n) for n in ("PaymentConnectorStatus", "PaymentManagerStatus")]
    modelled = {value for shape in shapes if isinstance(shape, StringShape) for value in shape.enum}
    assert IN_PROGRESS.isdisjoint(TERMINAL)
    assert modelled == IN_PROGRESS | TERMINAL | {"READY"}
