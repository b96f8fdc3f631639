"""Every rule the library copied from a service model still matches that model.

The library checks lengths, patterns, ranges and enums before sending, with messages
botocore cannot give. A copy that drifts from the installed botocore's service model
could refuse what the service accepts, so each copy is compared with its shape here;
the rules the library adds on purpose are listed, with the reason, in ``EXTRAS``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, get_args

import botocore.session
import pytest

from agentcore_billing import UsageRecord
from agentcore_billing._metering import packing, records
from agentcore_billing._payments.models import enums, requests
from agentcore_billing._payments.models.linked import EmbeddedCryptoWallet

PAYMENTS = "bedrock-agentcore"
METERING = "meteringmarketplace"


@cache
def shape(service: str, name: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    return model.shape_for(name)


def bounds(service: str, name: str) -> tuple[int | None, int | None, str | None]:
    meta = shape(service, name).metadata
    return meta.get("min"), meta.get("max"), meta.get("pattern")


STRING_RULES = [
    (enums.MANAGER_ARN, "PaymentManagerArn"),
    (enums.SESSION_ID, "PaymentSessionId"),
    (enums.INSTRUMENT_ID, "PaymentInstrumentId"),
    (enums.PAYING_INSTRUMENT_ID, "PaymentInstrumentId"),
    (enums.CONNECTOR_ID, "PaymentConnectorId"),
    (enums.USER_ID, "UserId"),
    (enums.AGENT_NAME, "PaymentAgentName"),
    (enums.VERSION, "Version"),
    (enums.PERMIT2_LIMIT, "Permit2AllowanceLimit"),
    (enums.WWW_AUTHENTICATE, "WwwAuthenticateHeader"),
    (enums.EMAIL, "Email"),
    (enums.PHONE, "PhoneNumber"),
    (enums.JWT_KEY_ID, "JwtKeyId"),
    (enums.JWT_SUBJECT, "LinkedAccountDeveloperJwtSubString"),
    (enums.OAUTH2_TEXT, "OAuth2AuthenticationSubString"),
    (enums.OAUTH2_TEXT, "OAuth2AuthenticationNameString"),
    (enums.OAUTH2_TEXT, "OAuth2AuthenticationUsernameString"),
    (enums.REDIRECT_URL, "EmbeddedCryptoWalletRedirectUrlString"),
    (enums.PROVIDER_NAME, "CredentialProviderName"),
    (enums.WORKLOAD_TOKEN, "WorkloadIdentityTokenType"),
    (enums.REQUEST_HOST, "PaymentRequestHostType"),
    (enums.REQUEST_HOST, "StripePrivyRequestHostType"),
    (enums.REQUEST_PATH, "PaymentRequestPathType"),
    (enums.REQUEST_PATH, "StripePrivyRequestPathType"),
    (enums.REQUEST_BODY, "CoinbaseCdpPaymentRequestBodyType"),
    (enums.REQUEST_BODY, "StripePrivyRequestBodyType"),
    (enums.SECRET_REQUEST_BODY, "CoinbaseCdpPaymentRequestBodyType"),
    (enums.SECRET_REQUEST_BODY, "StripePrivyRequestBodyType"),
]

EXTRAS = {
    ("UserId", "pattern"): "userId travels as an HTTP header: visible ASCII only (no CR/LF)",
    ("PaymentAgentName", "pattern"): "agentName travels as an HTTP header: visible ASCII only",
    ("CustomerIdentifier", "min"): "an empty customer identifier names no buyer",
    ("ProductCode", "min"): "an empty product code names no product",
    ("maxResults", "min"): "the member is a bare Integer; a page of 0 entries is no page",
    ("PaymentInstrumentId", "a payment instrument id ('payment-instrument-' and 15 more)"): (
        "the built-in AWS Billing instrument only pays (PAYING_INSTRUMENT_ID): reading, "
        "deleting or reading the balance of it is refused before sending"
    ),
}
"""Rules the library adds on purpose: (shape, rule) -> why."""

_PROBE = [chr(c) for c in range(0x300)] + ["\u2028", "\ud7ff", "\U0001f600"]


def same_pattern(ours: str | None, theirs: str | None) -> bool:
    """Equal, or spelled differently but accepting the same characters (char classes)."""
    if ours is None or theirs is None:
        return ours == theirs
    if theirs in (ours, f"({ours})"):  # matched whole, one enclosing group changes nothing
        return True
    mine, service = re.compile(ours), re.compile(theirs)
    return all(bool(mine.fullmatch(c * 3)) == bool(service.fullmatch(c * 3)) for c in _PROBE) and (
        "+" in ours and "+" in theirs
    )


@pytest.mark.parametrize(("rule", "name"), STRING_RULES, ids=lambda v: getattr(v, "name", v))
def test_string_rules_match_their_shape(rule: enums.StringRule, name: str) -> None:
    low, high, pattern = bounds(PAYMENTS, name)
    if (name, rule.name) in EXTRAS:  # narrower on purpose, and still inside the shape
        assert (low or 0) <= rule.min_length <= rule.max_length <= (high or rule.max_length)
        assert rule.pattern is not None and pattern is not None
        return
    assert rule.min_length == (low or 0)
    assert rule.max_length == high
    if (name, "pattern") in EXTRAS:
        assert pattern is None and rule.pattern is not None
    else:
        assert same_pattern(rule.pattern, pattern), (rule.pattern, pattern)


ENUMS = [
    (enums.Chain, "BlockchainChainId"),
    (enums.CryptoNetwork, "CryptoWalletNetwork"),
    (enums.BalanceToken, "InstrumentBalanceToken"),
    (enums.PaymentType, "PaymentType"),
    (enums.PaymentStatus, "PaymentStatus"),
    (enums.PaymentSessionStatus, "PaymentSessionStatus"),
    (enums.PaymentInstrumentStatus, "PaymentInstrumentStatus"),
    (enums.PaymentInstrumentType, "PaymentInstrumentType"),
    (enums.HttpMethod, "PaymentHttpMethodType"),
]


@pytest.mark.parametrize(("literal", "name"), ENUMS, ids=[name for _, name in ENUMS])
def test_closed_sets_match_their_enum(literal: Any, name: str) -> None:
    ours, theirs = set(get_args(literal)), set(shape(PAYMENTS, name).enum)
    if (name, "enum") in EXTRAS:
        assert ours < theirs
    else:
        assert ours == theirs


def test_oauth2_providers_and_currencies_match() -> None:
    providers = set(shape(PAYMENTS, "LinkedAccountOAuth2").members)
    assert set(get_args(enums.OAuth2Provider)) == providers
    assert set(shape(PAYMENTS, "Currency").enum) == requests.SESSION_CURRENCIES


def _field(model: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in model.model_fields[name].metadata:
        for key in ("ge", "le", "min_length", "max_length", "pattern"):
            if getattr(item, key, None) is not None:
                found[key] = getattr(item, key)
    return found


def test_payments_ranges_match() -> None:
    low, high, _ = bounds(PAYMENTS, "CreatePaymentSessionRequestExpiryTimeInMinutesInteger")
    expiry = _field(requests.CreatePaymentSessionInput, "expiry_time_in_minutes")
    assert (expiry["ge"], expiry["le"]) == (low, high)
    linked = _field(EmbeddedCryptoWallet, "linked_accounts")
    assert linked["max_length"] == bounds(PAYMENTS, "LinkedAccountList")[1]
    model = botocore.session.get_session().get_service_model(PAYMENTS)
    member = model.operation_model("ListPaymentSessions").input_shape.members["maxResults"]
    assert member.metadata.get("min") is None and ("maxResults", "min") in EXTRAS
    assert _field(requests.ListPaymentSessionsInput, "page_size") == {"ge": 1}


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("dimension", "UsageDimension"),
        ("customer_aws_account_id", "CustomerAWSAccountId"),
        ("license_arn", "LicenseArn"),
        ("customer_identifier", "CustomerIdentifier"),
        ("allocations", "UsageAllocations"),
    ],
)
def test_usage_record_fields_match(field: str, name: str) -> None:
    low, high, pattern = bounds(METERING, name)
    ours = _field(UsageRecord, field)
    expected_low = 1 if (name, "min") in EXTRAS else low
    assert ours.get("min_length") == expected_low
    assert ours.get("max_length") == high
    # "[\s\S]+" and friends only say "any text": the lengths carry the rule.
    if pattern is not None and pattern not in (r"[\s\S]*", r"[\s\S]+"):
        assert ours.get("pattern") == pattern


def test_metering_constants_match() -> None:
    assert bounds(METERING, "UsageQuantity")[1] == records.QUANTITY_MAX
    assert bounds(METERING, "UsageAllocations")[1] == records.MAX_ALLOCATIONS
    assert bounds(METERING, "TagList")[1] == records.MAX_TAGS
    assert records.DECIMAL_QUANTITY.pattern == bounds(METERING, "UsageQuantityAsDecimalString")[2]
    assert (
        records.TAG_TEXT.pattern == bounds(METERING, "TagKey")[2] == bounds(METERING, "TagValue")[2]
    )
    low, high, pattern = bounds(METERING, "ProductCode")
    assert (low, high, records.PRODUCT_CODE.pattern) == (0, 255, pattern)
    assert ("ProductCode", "min") in EXTRAS  # check_product_code asks for 1..255
    assert bounds(METERING, "UsageRecordList")[1] == packing.MAX_RECORDS_PER_REQUEST


def test_every_extra_names_a_real_shape() -> None:
    session = botocore.session.get_session()
    names = set()
    for service in (PAYMENTS, METERING):
        names |= set(session.get_service_model(service).shape_names)
    for shape_name, _ in EXTRAS:
        assert shape_name in names or shape_name == "maxResults", shape_name
