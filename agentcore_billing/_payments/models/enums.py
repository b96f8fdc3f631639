"""Field rules and closed sets of AgentCore Payments, checked before any request.

botocore checks only required fields and minimums; the maximums, patterns and enums
of the service model are checked here, so a mistake fails before a request is made
with an error that names the field, the rule and the value (masked when secret).

The closed sets are ``Literal`` types taken from the service model's enums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, SecretStr, ValidationInfo

from agentcore_billing._core.models import InputModel, mask_secret

Chain = Literal["BASE", "BASE_SEPOLIA", "ETHEREUM", "SOLANA", "SOLANA_DEVNET"]
"""A blockchain chain a balance can be read on (``BlockchainChainId``)."""

CryptoNetwork = Literal["ETHEREUM", "SOLANA"]
"""The network of an embedded crypto wallet (``CryptoWalletNetwork``)."""

BalanceToken = Literal["USDC"]
"""A token whose balance can be read (``InstrumentBalanceToken``)."""

PaymentType = Literal["CRYPTO_X402", "MPP", "AWS_BILLING_X402"]
"""How a payment is made; derived from the payment input's class."""

PaymentStatus = Literal["PROOF_GENERATED"]
"""The status of a processed payment."""

PaymentSessionStatus = Literal["ACTIVE", "EXPIRED", "DELETED"]
"""The status of a payment session (``DeletePaymentSession`` returns ``DELETED``)."""

PaymentInstrumentStatus = Literal["INITIATED", "ACTIVE", "FAILED", "DELETED", "BLOCKED"]
"""The status of a payment instrument."""

PaymentInstrumentType = Literal["EMBEDDED_CRYPTO_WALLET"]
"""The kind of a payment instrument; derived from the details' class."""

HttpMethod = Literal["GET", "POST", "PUT", "DELETE", "PATCH"]
"""The HTTP method of a provider API request a payment token is minted for."""

OAuth2Provider = Literal["google", "apple", "x", "telegram", "github"]
"""The OAuth2 identity providers a wallet can be linked to."""

WIRE_CONTEXT: Final[dict[str, bool]] = {"wire": True}
"""Validation context for data the service sent: its values are not re-checked.

Models shared by requests and responses (linked accounts, wallets) check the rules on
what callers hand in; what the service returns is taken as it is (it may, for
instance, return an email address partly redacted).
"""

_SHOWN_CHARS = 64


def _from_wire(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, dict) and context.get("wire") is True


@dataclass(frozen=True)
class StringRule:
    """A length range and an optional pattern for one string field.

    Used as a pydantic ``AfterValidator`` (see the ``Annotated`` types below); the
    message names the rule and shows the value, masked when it is a secret.

    Example:
        >>> rule = StringRule("a version", 1, 10, r"[0-9]+")
        >>> rule.problem("2") is None, rule.problem("v2")
        (True, 'a version must match [0-9]+')
    """

    name: str
    min_length: int
    max_length: int
    pattern: str | None = None
    secret: bool = False
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.compile(self.pattern) if self.pattern is not None else None
        object.__setattr__(self, "_regex", regex)

    def problem(self, text: str) -> str | None:
        """Why ``text`` breaks the rule, or ``None`` when it follows it."""
        if not self.min_length <= len(text) <= self.max_length:
            if self.min_length == self.max_length:
                return f"{self.name} must be exactly {self.max_length} characters"
            return f"{self.name} must be {self.min_length}..{self.max_length} characters"
        if self._regex is not None and not self._regex.fullmatch(text):
            return f"{self.name} must match {self.pattern}"
        return None

    def shown(self, text: str) -> str:
        """How the value appears in an error: masked when secret, cut when long."""
        if self.secret:
            return mask_secret(text)
        if len(text) > _SHOWN_CHARS:
            return f"{text[:_SHOWN_CHARS]!r}... ({len(text)} chars)"
        return repr(text)

    def __call__(self, value: Any, info: ValidationInfo) -> Any:
        if _from_wire(info):
            return value
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        problem = self.problem(text)
        if problem is not None:
            raise ValueError(f"{problem} (got {self.shown(text)})")
        return value


MANAGER_ARN = StringRule(
    "a payment manager ARN",
    66,
    2048,
    r"arn:(aws|aws-[a-z0-9-]+):bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:payment-manager/"
    r"[a-z0-9]([a-z0-9-]{0,47}[a-z0-9])?-[a-z0-9]{10}",
)
SESSION_ID = StringRule(
    "a payment session id ('payment-session-' and 15 more)", 31, 31,
    r"payment-session-[0-9a-zA-Z-]{15}",
)  # fmt: skip
INSTRUMENT_ID = StringRule(
    "a payment instrument id ('payment-instrument-' and 15 more)", 34, 34,
    r"payment-instrument-[0-9a-zA-Z-]{15}",
)  # fmt: skip
PAYING_INSTRUMENT_ID = StringRule(
    "a payment instrument id ('payment-instrument-' and 15 more, or the AWS Billing one)",
    34, 35, r"payment-instrument-[0-9a-zA-Z-]{15}|aws\.agentcorepayments\.awsbilling\.v1",
)  # fmt: skip
CONNECTOR_ID = StringRule("a payment connector id", 12, 211, r"([0-9a-z][-]?){1,100}-[0-9a-z]{10}")
# userId and agentName travel as HTTP headers: only visible ASCII and spaces survive
# signing and the wire unchanged (no CR/LF injection, no surrogates, no NUL).
HEADER_SAFE = r"[\x20-\x7e]*"
USER_ID = StringRule("a user id", 0, 120, HEADER_SAFE)
AGENT_NAME = StringRule("an agent name", 0, 256, HEADER_SAFE)
AWS_BILLING_INSTRUMENT = "aws.agentcorepayments.awsbilling.v1"
"""The service-managed instrument AWS Billing x402 payments are made with."""
VERSION = StringRule("a protocol version", 1, 10, r"[0-9]+")
PERMIT2_LIMIT = StringRule("a Permit2 allowance limit", 1, 78, r"[0-9]+")
WWW_AUTHENTICATE = StringRule("a WWW-Authenticate header value", 1, 16384)
EMAIL = StringRule(
    "an email address", 1, 254, r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}", secret=True
)
PHONE = StringRule("an E.164 phone number", 3, 16, r"\+[1-9]\d{1,14}", secret=True)
JWT_KEY_ID = StringRule("a JWT key id", 1, 255, r"[a-zA-Z0-9_-]{1,255}")
JWT_SUBJECT = StringRule("a JWT subject", 1, 255)
OAUTH2_TEXT = StringRule("an OAuth2 identity value", 1, 255, secret=True)
REDIRECT_URL = StringRule("a redirect URL", 0, 2048)
PROVIDER_NAME = StringRule("a credential provider name", 1, 128, r"[a-zA-Z0-9\-_]+")
WORKLOAD_TOKEN = StringRule("a workload identity token", 1, 131072, secret=True)
REQUEST_HOST = StringRule("a request host", 1, 256, r"[a-zA-Z0-9\-\.]+")
REQUEST_PATH = StringRule("a request path", 1, 2048, r"/[a-zA-Z0-9/_\-\.~%?=&]+")
REQUEST_BODY = StringRule(
    "a request body (printable ASCII, tab, CR, LF)", 1, 16384, r"[\t\n\r\x20-\x7e]+"
)
SECRET_REQUEST_BODY = StringRule(
    "a request body (printable ASCII, tab, CR, LF)", 1, 16384, r"[\t\n\r\x20-\x7e]+", secret=True
)

ManagerArn = Annotated[str, AfterValidator(MANAGER_ARN)]
PaymentSessionId = Annotated[str, AfterValidator(SESSION_ID)]
PaymentInstrumentId = Annotated[str, AfterValidator(INSTRUMENT_ID)]
PayingInstrumentId = Annotated[str, AfterValidator(PAYING_INSTRUMENT_ID)]
PaymentConnectorId = Annotated[str, AfterValidator(CONNECTOR_ID)]
UserId = Annotated[str, AfterValidator(USER_ID)]
AgentName = Annotated[str, AfterValidator(AGENT_NAME)]


def _version_text(value: Any) -> Any:
    # x402 carries its version as a JSON number (``"x402Version": 2``); the wire wants digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Version = Annotated[str, BeforeValidator(_version_text), AfterValidator(VERSION)]
Permit2Limit = Annotated[str, AfterValidator(PERMIT2_LIMIT)]
WwwAuthenticateHeader = Annotated[str, AfterValidator(WWW_AUTHENTICATE)]
EmailAddress = Annotated[SecretStr, AfterValidator(EMAIL)]
PhoneNumber = Annotated[SecretStr, AfterValidator(PHONE)]
JwtKeyId = Annotated[str, AfterValidator(JWT_KEY_ID)]
JwtSubject = Annotated[str, AfterValidator(JWT_SUBJECT)]
OAuth2Text = Annotated[SecretStr, AfterValidator(OAUTH2_TEXT)]
RedirectUrl = Annotated[str, AfterValidator(REDIRECT_URL)]
CredentialProviderName = Annotated[str, AfterValidator(PROVIDER_NAME)]
WorkloadToken = Annotated[SecretStr, AfterValidator(WORKLOAD_TOKEN)]
RequestHost = Annotated[str, AfterValidator(REQUEST_HOST)]
RequestPath = Annotated[str, AfterValidator(REQUEST_PATH)]
RequestBody = Annotated[str, AfterValidator(REQUEST_BODY)]
SecretRequestBody = Annotated[SecretStr, AfterValidator(SECRET_REQUEST_BODY)]


class SecretInputModel(InputModel):
    """An input model holding secrets: pydantic never echoes its input in errors.

    The rule types above still name the rule and show non-secret values in their
    messages, so only the raw ``input_value`` pydantic would add is left out.
    """

    model_config = ConfigDict(hide_input_in_errors=True)


def secret_text(value: SecretStr | None) -> str | None:
    """The plain text of an optional secret, for the wire only.

    Example:
        >>> secret_text(SecretStr("s3cret")), secret_text(None)
        ('s3cret', None)
    """
    return None if value is None else value.get_secret_value()


def drop_none(wire: dict[str, Any]) -> dict[str, Any]:
    """``wire`` without the keys whose value is ``None`` (optional members left out).

    Example:
        >>> drop_none({"a": 1, "b": None})
        {'a': 1}
    """
    return {key: value for key, value in wire.items() if value is not None}
