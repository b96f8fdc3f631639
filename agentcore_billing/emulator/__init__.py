"""A local, faithful emulator of AgentCore Payments and AWS Marketplace Metering.

One HTTP server answers both services; real boto3 clients reach it with
``endpoint_url=emu.endpoint_url``. It validates requests against the installed
botocore models, keeps state (sessions with budgets, instruments, payments,
metered usage, customers, registration tokens), honours client tokens, and
injects seeded faults (throttling, 5xx, unprocessed records, connection resets,
drops after commit, latency, request-rate quotas).

Example:
    >>> import boto3
    >>> with Emulator() as emu:
    ...     client = boto3.client("bedrock-agentcore", region_name="us-east-1",
    ...         endpoint_url=emu.endpoint_url, aws_access_key_id="testing",
    ...         aws_secret_access_key="testing")
    ...     session = client.create_payment_session(
    ...         userId="user-1", expiryTimeInMinutes=60,
    ...         paymentManagerArn="arn:aws:bedrock-agentcore:us-east-1:123456789012:"
    ...         "payment-manager/shop-abcdef1234")["paymentSession"]
    ...     len(session["paymentSessionId"])
    31
"""

from ._customers import Customer, Product
from ._demo import DemoData
from ._emulator import Emulator, serve
from ._faults import (
    DEFAULT_QUOTAS,
    NO_QUOTAS,
    FaultConfig,
    FaultKind,
    parse_fault_specs,
    parse_quotas,
)
from ._records import (
    AcceptedUsageRecord,
    InstrumentSnapshot,
    PaymentRecord,
    RequestRecord,
    SessionSnapshot,
    UsageAllocationRecord,
)
from ._seller import PaidResource, SellerRequest

__all__ = [
    "AcceptedUsageRecord",
    "Customer",
    "DEFAULT_QUOTAS",
    "DemoData",
    "Emulator",
    "FaultConfig",
    "FaultKind",
    "InstrumentSnapshot",
    "NO_QUOTAS",
    "PaidResource",
    "PaymentRecord",
    "Product",
    "RequestRecord",
    "SellerRequest",
    "SessionSnapshot",
    "UsageAllocationRecord",
    "parse_fault_specs",
    "parse_quotas",
    "serve",
]
