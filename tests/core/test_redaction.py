"""botocore's DEBUG logs carry request and response bodies; during our calls they don't."""

from __future__ import annotations

import logging

import pytest

from agentcore_billing import MeteringClient, RetryPolicy
from agentcore_billing._core.redaction import WITHHELD
from agentcore_billing.testing import CannedResponder
from tests.support import metering_boto_client

CANARY_TOKEN = "canary-registration-token-5f1e"
CANARY_ACCOUNT = "999988887777"


def test_bodies_are_withheld_from_botocore_debug_logs_during_our_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = metering_boto_client()
    responder = CannedResponder().attach(client)
    responder.queue("ResolveCustomer", 200, {"CustomerAWSAccountId": CANARY_ACCOUNT})
    caplog.set_level(logging.DEBUG)
    metering = MeteringClient(client=client, retry=RetryPolicy.none())
    assert metering.resolve_customer(CANARY_TOKEN).customer_aws_account_id == CANARY_ACCOUNT
    assert responder.requests[0].body == {"RegistrationToken": CANARY_TOKEN}
    botocore_lines = [r.getMessage() for r in caplog.records if r.name.startswith("botocore")]
    assert any(WITHHELD in line for line in botocore_lines)  # the filter really ran
    assert CANARY_TOKEN not in caplog.text
    assert CANARY_ACCOUNT not in caplog.text


def test_other_code_keeps_botocores_usual_logs(caplog: pytest.LogCaptureFixture) -> None:
    MeteringClient(client=metering_boto_client())  # installs the filter
    client = metering_boto_client()
    CannedResponder().attach(client).queue(
        "ResolveCustomer", 200, {"CustomerAWSAccountId": CANARY_ACCOUNT}
    )
    caplog.set_level(logging.DEBUG)
    client.resolve_customer(RegistrationToken=CANARY_TOKEN)
    assert CANARY_TOKEN in caplog.text  # not ours to hide outside our calls
