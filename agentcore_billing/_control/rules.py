"""Field rules of the payments control plane (``bedrock-agentcore-control``).

botocore checks required members and minimums only; the maximums, patterns and enums
of the service model are checked here, before any request, by the same
:class:`StringRule` the data plane uses (it names the field, the rule and the value,
masked when secret).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, SecretStr, ValidationInfo

from agentcore_billing._payments.models.enums import StringRule

AuthorizerType = Literal["AWS_IAM", "CUSTOM_JWT"]
"""How callers of the payment manager authenticate (``PaymentsAuthorizerType``)."""

ConnectorType = Literal["CoinbaseCDP", "StripePrivy", "AwsBilling"]
"""The wallet provider a connector integrates (``PaymentConnectorType``)."""

VendorType = Literal["CoinbaseCDP", "StripePrivy"]
"""The vendor of a credential provider (``PaymentCredentialProviderVendorType``)."""

ProvisionMode = Literal["MANUAL", "QUICK_CREATE"]
"""MANUAL: you name a credential provider; QUICK_CREATE: the service runs OAuth consent."""

CoinbaseCdpSecret = Literal["API_KEY", "WALLET_SECRET"]
"""A Coinbase CDP secret ``rotate_payment_connector_credentials`` can replace."""

MANAGER_NAME = StringRule("a payment manager name", 1, 48, r"[a-zA-Z][a-zA-Z0-9]{0,47}")
CONNECTOR_NAME = StringRule("a payment connector name", 1, 48, r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
MANAGER_ID = StringRule("a payment manager id", 12, 211, r"([0-9a-z][-]?){1,100}-[0-9a-z]{10}")
CONNECTOR_ID = StringRule("a payment connector id", 12, 211, r"([0-9a-z_][-]?){1,100}-[0-9a-z]{10}")
ROLE_ARN = StringRule("an IAM role ARN", 1, 2048, r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
PROVIDER_NAME = StringRule("a credential provider name", 1, 128, r"[a-zA-Z0-9\-_]+")
PROVIDER_ARN = StringRule(
    "a payment credential provider ARN",
    69,
    2048,
    r"arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):"
    r"(acps|bedrock-agentcore):[A-Za-z0-9-]{1,64}:[0-9]{12}:token-vault/[a-zA-Z0-9-.]+/"
    r"paymentcredentialprovider/[a-zA-Z0-9-.]+",
)
DISCOVERY_URL = StringRule(
    "an OpenID Connect discovery URL",
    1,
    2048,
    r"[^\s?#]+/\.well-known/(openid-configuration|oauth-authorization-server)(/[^\s?#]+)?",
)
VENDOR_ID = StringRule("a provider-issued id", 1, 512, r"[a-zA-Z0-9\-_]+")
VENDOR_SECRET = StringRule("a provider secret", 1, 2048, r"[a-zA-Z0-9+/=\-_\s]*", secret=True)
PRIVATE_KEY = StringRule(
    "an authorization private key", 1, 2048, r"(wallet-auth:)?[a-zA-Z0-9+/=\-_\s]*", secret=True
)
LIST_ITEM = StringRule("an allowed value", 1, 2048)


def _description(value: Any, info: ValidationInfo) -> Any:
    # The model's pattern is [^\p{C}]*: no control, format or unassigned characters.
    if not isinstance(value, str):
        return value
    if not 1 <= len(value) <= 4096:
        raise ValueError(f"a description must be 1..4096 characters (got {len(value)})")
    for index, char in enumerate(value):
        if unicodedata.category(char).startswith("C"):
            raise ValueError(
                f"a description must not contain control characters (got U+{ord(char):04X} "
                f"at {index})"
            )
    return value


ManagerName = Annotated[str, AfterValidator(MANAGER_NAME)]
ConnectorName = Annotated[str, AfterValidator(CONNECTOR_NAME)]
ManagerId = Annotated[str, AfterValidator(MANAGER_ID)]
ConnectorId = Annotated[str, AfterValidator(CONNECTOR_ID)]
RoleArn = Annotated[str, AfterValidator(ROLE_ARN)]
ProviderName = Annotated[str, AfterValidator(PROVIDER_NAME)]
ProviderArn = Annotated[str, AfterValidator(PROVIDER_ARN)]
DiscoveryUrl = Annotated[str, AfterValidator(DISCOVERY_URL)]
VendorId = Annotated[str, AfterValidator(VENDOR_ID)]
VendorSecret = Annotated[SecretStr, AfterValidator(VENDOR_SECRET)]
PrivateKey = Annotated[SecretStr, AfterValidator(PRIVATE_KEY)]
ListItem = Annotated[str, AfterValidator(LIST_ITEM)]
Description = Annotated[str, AfterValidator(_description)]
