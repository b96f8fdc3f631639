"""A provisioning process killed mid-way resumes with its token: one manager, one connector."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

from agentcore_billing import AwsBillingConnector, PaymentsControlClient
from agentcore_billing.emulator import FaultConfig

from .conftest import ROLE

TOKEN = "crash-resume-0001"
_CHILD = """
import sys
import boto3
from agentcore_billing import AwsBillingConnector, PaymentsControlClient

session = boto3.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
control = PaymentsControlClient(session=session, endpoint_url=sys.argv[1])
control.provision_payment_manager(
    name="shop", role_arn=sys.argv[3], connector=AwsBillingConnector(), client_token=sys.argv[2]
)
print("finished")
"""


def test_a_killed_run_resumes_without_a_second_manager(make_emulator, boto_session: Any, clock):
    reached, release = threading.Event(), threading.Event()

    def gate(_seconds: float) -> None:
        # The emulator's latency hook: the child's connector create is now in flight.
        reached.set()
        release.wait(30)

    emu = make_emulator(sleep=gate, faults={"CreatePaymentConnector": FaultConfig(latency=0.001)})
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, emu.endpoint_url, TOKEN, ROLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert reached.wait(60), "the child never reached the connector step"
        child.kill()
        out, _ = child.communicate(timeout=30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)
    assert child.returncode != 0 and b"finished" not in out
    assert len(emu.control_plane.managers()) == 1

    control = PaymentsControlClient(
        session=boto_session,
        endpoint_url=emu.endpoint_url,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    provisioned = control.provision_payment_manager(
        name="shop", role_arn=ROLE, connector=AwsBillingConnector(), client_token=TOKEN
    )
    assert provisioned.connector.status == "READY"
    assert len(emu.control_plane.managers()) == 1
    assert len(emu.control_plane.connectors()) == 1
    manager_tokens = {
        r.client_token for r in emu.requests() if r.operation == "CreatePaymentManager"
    }
    assert len(manager_tokens) == 1
