"""Hypothesis strategies: valid values, near misses and plain garbage for every input.

Each input is described field by field (:class:`Field`: what the service accepts plus
listed near misses of its rule). :func:`keywords` draws an all-valid keyword set and
then, most of the time, breaks it: one field replaced by a near miss or by garbage of
any type (strings of every kind, huge and negative numbers, floats, NaN, naive and
far-future datetimes, containers, oversized lists), a required field left out, or an
unknown one added. So about a third of the examples go all the way through (their
request is sent and the answer parsed) and the rest probe one rule at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from agentcore_billing import (
    CoinbaseCdpTokenRequest,
    DeveloperJwtLinkedAccount,
    EmailLinkedAccount,
    EmbeddedCryptoWallet,
    InvalidInputError,
    Money,
    MppPayment,
    OAuth2LinkedAccount,
    SmsLinkedAccount,
    StripePrivyTokenRequest,
    UsageAllocation,
    UsageRecord,
    X402Payment,
)
from tests.support.emulated import NOW

Strategy = st.SearchStrategy[Any]

# -- garbage of every kind -------------------------------------------------------------

SPECIAL_STRINGS = (
    "",
    " ",
    "  lead",
    "trail  ",
    "\x00",
    "\n",
    "\r\n",
    "a\rb",
    "\t",
    "\x7f",
    "\u202e",
    "\u200b",
    "\ufeff",
    "é",
    "ü",
    "用户",
    "🙂",
    "e\u0301",
    "'; DROP TABLE x;--",
    "../../etc",
    "%00",
    "%s%s",
    "{0}",
    "${jndi:ldap://x}",
    "<script>",
    "null",
    "None",
    "0",
    "-1",
    "1e3",
    "NaN",
    "Infinity",
    "true",
    "\\",
    '"',
    "a" * 33,
    "a" * 257,
    "A" * 2049,
)
"""Strings that often break parsers, headers, patterns or logs."""

SURROGATES = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
"""Lone surrogates: valid ``str`` values that cannot be encoded as UTF-8."""

strings = st.one_of(
    st.text(),
    st.text(st.characters(codec="ascii"), max_size=300),
    st.sampled_from(SPECIAL_STRINGS),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1),
    SURROGATES,
    st.builds(lambda c, n: c * n, st.sampled_from("aé🙂\x00-"), st.integers(100, 20_000)),
)
"""Strings of every kind, including huge ones."""

numbers = st.one_of(
    st.integers(),
    st.integers(-(10**100), 10**100),
    st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63, -(2**63), 10**400, True, False]),
    st.floats(),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324]),
    st.decimals(),
    st.sampled_from(
        [
            Decimal(text)
            for text in (
                "NaN",
                "sNaN",
                "-sNaN",
                "Infinity",
                "-Infinity",
                "-0",
                "1E+999999",
                "1E-999999",
                "1E+38",
                "0E-1000",
                "-1.5",
            )
        ]
    ),
)
"""Numbers of every kind: huge, negative, floats, NaN, infinities, signalling NaN."""

TIMEZONES = st.one_of(
    st.none(),
    st.just(timezone.utc),
    st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m))),
)

EXTREME_DATETIMES = st.builds(
    lambda moment, hours: moment.replace(tzinfo=timezone(timedelta(hours=hours))),
    st.sampled_from([datetime.min, datetime.max]),
    st.sampled_from([-23, -5, 5, 23]),
)
"""Aware datetimes whose UTC equivalent lies outside ``datetime``'s range."""


def datetimes(*, extreme: bool) -> Strategy:
    """Naive and aware datetimes of any era; ``extreme`` adds out-of-range ones."""
    options = [
        st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=TIMEZONES),
        st.sampled_from(
            [
                datetime.max.replace(tzinfo=timezone.utc),
                datetime.min.replace(tzinfo=timezone.utc),
                datetime(9999, 1, 1, tzinfo=timezone.utc),
                datetime(1970, 1, 1),
                NOW.replace(tzinfo=None),
                NOW + timedelta(days=3650),
            ]
        ),
    ]
    if extreme:
        options.append(EXTREME_DATETIMES)
    return st.one_of(*options)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    strings,
    st.binary(max_size=64),
    datetimes(extreme=False),
    st.just(object()),
    st.just(SecretStr("s")),
    st.timedeltas(),
    st.just(Money.usd("1")),
)


def anything(*, extreme: bool = False) -> Strategy:
    """Any value: scalars, containers of them, oversized lists."""
    leaves = scalars if not extreme else st.one_of(scalars, EXTREME_DATETIMES)
    return st.one_of(
        leaves,
        st.lists(leaves, max_size=4),
        st.dictionaries(st.text(max_size=8), leaves, max_size=4),
        st.tuples(leaves, leaves),
        st.frozensets(st.integers(), max_size=3),
        st.builds(lambda item, n: [item] * n, leaves, st.integers(100, 3000)),
    )


GARBAGE = anything()


@st.composite
def _pick(draw: Any, options: tuple[Strategy, ...]) -> Any:
    return draw(options[draw(st.integers(0, len(options) - 1))])


def pick(*options: Strategy) -> Strategy:
    """One of ``options``, each as likely as the others.

    ``st.one_of`` flattens nested ``one_of`` strategies, so an option that is itself a
    union of twenty would get twenty shares; garbage would crowd out everything else.
    """
    return _pick(options)


# -- fields and keyword sets -----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """What one input accepts, and its listed near misses."""

    valid: Strategy
    near: tuple[Any, ...] = ()
    garbage: Strategy = GARBAGE

    def __init__(self, valid: Strategy, *near: Any, garbage: Strategy = GARBAGE) -> None:
        object.__setattr__(self, "valid", valid)
        object.__setattr__(self, "near", near)
        object.__setattr__(self, "garbage", garbage)

    @property
    def bad(self) -> Strategy:
        """A near miss or garbage."""
        if not self.near:
            return self.garbage
        return pick(st.sampled_from(self.near), self.garbage)

    @property
    def any(self) -> Strategy:
        """Valid or bad."""
        return pick(self.valid, self.bad)


@st.composite
def _keywords(
    draw: Any,
    required: dict[str, Field],
    optional: dict[str, Field],
    structural: bool,
) -> dict[str, Any]:
    values = {name: draw(spec.valid) for name, spec in required.items()}
    for name, spec in optional.items():
        if draw(st.booleans()):
            values[name] = draw(spec.valid)
    specs = {**required, **optional}
    mode = draw(st.integers(0, 9))
    if mode < 3 or not specs:
        return values
    if mode < 8 or not structural:
        name = draw(st.sampled_from(sorted(specs)))
        values[name] = draw(specs[name].bad)
    elif mode == 8 and required:
        values.pop(draw(st.sampled_from(sorted(required))))
    else:
        values[draw(st.sampled_from(["unknown", "Extra", "kind", "model_config"]))] = draw(GARBAGE)
    return values


def keywords(
    required: dict[str, Field],
    optional: dict[str, Field] | None = None,
    *,
    structural: bool = True,
) -> Strategy:
    """All-valid keyword sets, most of them then broken in one place.

    ``structural`` also leaves out required keys and adds unknown ones (for models;
    a facade method would raise Python's own TypeError, which says nothing about
    the library).
    """
    return _keywords(required, optional or {}, structural)


def regex(pattern: str) -> st.SearchStrategy[str]:
    """Strings that fully match ``pattern``."""
    return st.from_regex(pattern, fullmatch=True)


def maybe(model: Any, kwargs: dict[str, Any]) -> Any:
    """``model(**kwargs)`` when valid, else the raw keywords (themselves a bad input)."""
    try:
        return model(**kwargs)
    except (ValidationError, InvalidInputError):
        return kwargs


def model_field(
    model: Any, required: dict[str, Field], optional: dict[str, Field] | None = None
) -> Field:
    """A field holding a ``model`` instance; bad values are broken keyword sets or garbage."""
    valid = keywords(required, optional, structural=False).map(lambda kw: maybe(model, kw))
    return Field(
        valid.filter(lambda value: isinstance(value, model)), garbage=st.one_of(valid, GARBAGE)
    )


# -- payments --------------------------------------------------------------------------

session_id = Field(
    regex(r"payment-session-[0-9a-zA-Z-]{15}"),
    "payment-session-abcdefghij1234",
    "payment-session-abcdefghij123456",
    "payment-session-abcdefghij1234_",
    "PAYMENT-SESSION-abcdefghij12345",
)
instrument_id = Field(
    regex(r"payment-instrument-[0-9a-zA-Z-]{15}"),
    "payment-instrument-abcdefghij1234",
    "payment-instrument-abcdefghij1234é",
)
connector_id = Field(
    regex(r"([0-9a-z]-?){1,20}-[0-9a-z]{10}").filter(lambda t: 12 <= len(t) <= 211),
    "coinbase-ABCDEF1234",
    "coinbase-abcdef123",
    "-abcdef1234",
    "a" * 212,
)
manager_arn = Field(
    regex(
        r"arn:aws:bedrock-agentcore:[a-z0-9-]{1,12}:[0-9]{12}:payment-manager/"
        r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?-[a-z0-9]{10}"
    ),
    "arn:aws:bedrock-agentcore:us-east-1:12345678901:payment-manager/shop-abcdef1234",
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-ABCDEF1234",
)

HEADER_SAFE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E))
"""userId/agentName values every HTTP stack can carry."""

HEADER_TROUBLE = st.one_of(
    SURROGATES.map(lambda t: "user" + t),
    st.sampled_from(["a\nb", "a\r\nX-Injected: 1", "x\x00y", "\r", "\n"]),
)
"""Values that cannot travel in an HTTP header."""


def header_text(limit: int) -> Field:
    """userId/agentName: header-safe values, too long ones, control characters, surrogates."""
    near: tuple[Any, ...] = ("a" * (limit + 1), "é" * (limit + 1))
    safe_garbage = st.one_of(
        st.none(),
        numbers,
        st.binary(max_size=8),
        st.lists(st.integers(), max_size=2),
        st.text(
            st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
            min_size=limit - 2,
            max_size=limit + 5,
        ),
    )
    return Field(
        HEADER_SAFE.filter(lambda t: len(t) <= limit),
        *near,
        garbage=pick(safe_garbage, HEADER_TROUBLE, GARBAGE),
    )


payments_token = Field(
    st.one_of(st.uuids().map(str), regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){32,80}")),
    "a" * 32,
    "a" * 257,
    "a_" * 20,
    "-" + "a" * 40,
    "a" * 40 + "-",
    "é" * 40,
)
meter_token = Field(st.text(min_size=1, max_size=64), "", "a" * 65)

money = Field(
    st.one_of(
        st.decimals(min_value=0, max_value=10**9, places=2),
        st.integers(0, 10**6),
        regex(r"(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?"),
    ).map(Money.usd),
    Money.usd("-0.01"),
    "5.00",
    Decimal("5"),
    5,
    5.0,
    {"value": "5", "currency": "USD"},
)

email = Field(regex(r"[a-z0-9._%+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,4}"), "a@b", "@b.co")
phone = Field(regex(r"\+[1-9]\d{1,14}"), "+0123", "14155550100", "+1" + "5" * 15)
OAUTH_PROVIDERS = st.sampled_from(["google", "apple", "x", "telegram", "github"])
LINKED: dict[str, tuple[Any, dict[str, Field], dict[str, Field]]] = {
    "email": (EmailLinkedAccount, {"email_address": email}, {}),
    "sms": (SmsLinkedAccount, {"phone_number": phone}, {}),
    "jwt": (
        DeveloperJwtLinkedAccount,
        {
            "kid": Field(regex(r"[a-zA-Z0-9_-]{1,40}"), "k k", "k" * 256),
            "sub": Field(st.text(min_size=1, max_size=255), "", "s" * 256),
        },
        {},
    ),
    "oauth2": (
        OAuth2LinkedAccount,
        {
            "provider": Field(OAUTH_PROVIDERS, "facebook", "GitHub"),
            "sub": Field(st.text(min_size=1, max_size=255), "", "x" * 256),
        },
        {
            "email_address": email,
            "name": Field(st.text(min_size=1, max_size=50), ""),
            "username": Field(st.text(min_size=1, max_size=50), ""),
        },
    ),
}
linked_account = Field(
    st.one_of(*(model_field(*spec).valid for spec in LINKED.values())),
    garbage=st.one_of(*(model_field(*spec).garbage for spec in LINKED.values())),
)
WALLET = {
    "network": Field(st.sampled_from(["ETHEREUM", "SOLANA"]), "BITCOIN", "ethereum"),
    "linked_accounts": Field(
        st.lists(linked_account.valid, max_size=1),
        garbage=st.lists(linked_account.any, min_size=1, max_size=3),
    ),
}
WALLET_OPTIONAL = {"redirect_url": Field(st.text(max_size=60), "h" * 2049)}
wallet = model_field(EmbeddedCryptoWallet, WALLET, WALLET_OPTIONAL)

X402 = {
    "version": Field(regex(r"[0-9]{1,10}"), "v1", "12345678901", ""),
    "payload": Field(st.dictionaries(st.text(max_size=10), scalars, max_size=5)),
}
X402_OPTIONAL = {"permit2_allowance_limit": Field(regex(r"[0-9]{1,78}"), "1" * 79, "-1")}
MPP = {
    "version": Field(regex(r"[0-9]{1,3}"), "v1"),
    "www_authenticate_headers": Field(
        st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=1),
        ["a" * 16385],
        [],
        "Payment id=x",
        ["a", "b"],
        [""],
    ),
}
MPP_OPTIONAL = {"buyer_pays_gas_fees": Field(st.booleans(), "yes")}
payment = Field(
    st.one_of(
        model_field(X402Payment, X402, X402_OPTIONAL).valid,
        model_field(MppPayment, MPP, MPP_OPTIONAL).valid,
    ),
    garbage=st.one_of(
        model_field(X402Payment, X402, X402_OPTIONAL).garbage,
        model_field(MppPayment, MPP, MPP_OPTIONAL).garbage,
    ),
)

request_path = Field(regex(r"/[a-zA-Z0-9/_\-.~%?=&]{1,40}"), "nope", "/a b", "/" + "a" * 2048)
request_host = Field(regex(r"[a-zA-Z0-9\-.]{1,40}"), "a host", "h" * 257)
request_body = Field(regex(r"[\t\n\r\x20-\x7e]{1,60}"), "\x00", "é", "b" * 16385)
COINBASE = {
    "request_method": Field(
        st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), "get", "HEAD"
    ),
    "request_path": request_path,
}
COINBASE_OPTIONAL = {
    "request_host": request_host,
    "request_body": request_body,
    "include_wallet_auth_token": Field(st.booleans(), "no"),
}
STRIPE = {"request_path": request_path, "request_body": request_body}
STRIPE_OPTIONAL = {
    "request_host": request_host,
    "include_authorization_signature": Field(st.booleans(), 2),
}
token_request = Field(
    st.one_of(
        model_field(CoinbaseCdpTokenRequest, COINBASE, COINBASE_OPTIONAL).valid,
        model_field(StripePrivyTokenRequest, STRIPE, STRIPE_OPTIONAL).valid,
    ),
    garbage=st.one_of(
        model_field(CoinbaseCdpTokenRequest, COINBASE, COINBASE_OPTIONAL).garbage,
        model_field(StripePrivyTokenRequest, STRIPE, STRIPE_OPTIONAL).garbage,
    ),
)
provider_name = Field(regex(r"[a-zA-Z0-9\-_]{1,40}"), "bad name", "p" * 129, "")
workload_token = Field(st.text(min_size=1, max_size=200).filter(str.strip), "", "w" * 131073)
chain = Field(
    st.sampled_from(["BASE", "BASE_SEPOLIA", "ETHEREUM", "SOLANA", "SOLANA_DEVNET"]),
    "base",
    "BITCOIN",
)
balance_token = Field(st.just("USDC"), "usdc", "ETH")
page_size = Field(st.one_of(st.none(), st.integers(1, 1000)), 0, -1, 10**30, True, 1.0, "10")
expiry = Field(st.integers(15, 480), 14, 481, 0, -15, True, 60.0, "60", 10**30)

# -- metering --------------------------------------------------------------------------

dimension = Field(st.text(min_size=1, max_size=255), "", "d" * 256)
quantity = Field(
    st.one_of(st.integers(0, 2**31 - 1), st.decimals(min_value=0, max_value=10**9, places=6)),
    -1,
    2**31,
    1.5,
    "1e3",
    Decimal("1.1234567"),
    Decimal("12345678901"),
    Decimal("-0.5"),
)
account = Field(regex(r"[0-9]{12}"), "12345678901a", "", " 123")
license_arn = Field(
    st.just("arn:aws:license-manager::111122223333:license:l-0123456789abcdef"),
    "arn:aws:license-manager",
    "license",
)
product_code = Field(regex(r"[-a-zA-Z0-9/=:_.@]{1,40}"), "", "p" * 256, "prod abc", "pröd")
TAG_TEXT = regex(r"[a-zA-Z0-9+ -=._:/@]{1,10}")
tags = Field(
    st.dictionaries(TAG_TEXT, TAG_TEXT, min_size=1, max_size=5),
    {"k": ""},
    {"": "v"},
    {"k": "v!"},
    {"k" * 101: "v"},
    {f"k{n}": "v" for n in range(6)},
)
allocation_fields = {"quantity": quantity}
allocation_optional = {"tags": tags}
timestamp = Field(
    st.integers(0, 6 * 3600 - 1).map(lambda s: NOW - timedelta(seconds=s)),
    NOW.replace(tzinfo=None),
    NOW + timedelta(minutes=6),
    NOW - timedelta(hours=25),
    garbage=st.one_of(datetimes(extreme=False), GARBAGE),
)


def _sum_to(quantity_value: int | Decimal, parts: int) -> list[Any]:
    """Allocations summing to the quantity (built where valid, raw keywords where not)."""
    shares: list[int | Decimal] = [quantity_value]
    if isinstance(quantity_value, int):
        shares = [quantity_value // parts] * parts
        shares[0] += quantity_value - sum(shares)
    return [
        maybe(UsageAllocation, {"quantity": share, "tags": {"part": str(n)}})
        for n, share in enumerate(shares)
    ]


def allocations_for(quantity_value: Any, extreme: bool) -> Strategy:
    """Allocations for a record: summing ones, wrong sums, oversized, garbage."""
    allocation = model_field(UsageAllocation, allocation_fields, allocation_optional)
    options: list[Strategy] = [
        st.lists(allocation.any, min_size=1, max_size=4),
        st.just([]),
        st.builds(lambda n: [UsageAllocation(quantity=0)] * n, st.integers(2490, 2510)),
        anything(extreme=extreme),
    ]
    if isinstance(quantity_value, (int, Decimal)) and not isinstance(quantity_value, bool):
        options.append(st.integers(1, 3).map(lambda n: _sum_to(quantity_value, n)))
    return st.one_of(*options)


def record_fields(*, extreme: bool, timestamps: Field = timestamp) -> Strategy:
    """UsageRecord keyword sets of either buyer style, mostly valid, broken in one place."""
    stamp = Field(
        timestamps.valid, *timestamps.near, garbage=st.one_of(datetimes(extreme=extreme), GARBAGE)
    )
    usage = {"timestamp": stamp, "dimension": dimension, "quantity": quantity}
    legacy = keywords(
        {**usage, "customer_identifier": Field(st.text(min_size=1, max_size=40), "", "c" * 256)}
    )
    new = keywords({**usage, "customer_aws_account_id": account, "license_arn": license_arn})
    mixed = st.fixed_dictionaries(
        {"timestamp": stamp.valid, "dimension": dimension.valid, "quantity": quantity.valid},
        optional={
            "customer_identifier": st.text(max_size=5),
            "customer_aws_account_id": account.any,
            "license_arn": license_arn.any,
        },
    )
    base = pick(legacy, new, mixed)

    @st.composite
    def with_allocations(draw: Any) -> dict[str, Any]:
        values = draw(base)
        if draw(st.integers(0, 4)) == 0:
            values["allocations"] = draw(allocations_for(values.get("quantity"), extreme))
        return values

    return with_allocations()


def valid_records() -> Strategy:
    """UsageRecords the library accepts and sends (either buyer style)."""
    usage = {"timestamp": timestamp.valid, "dimension": dimension.valid, "quantity": quantity.valid}
    legacy = st.fixed_dictionaries(
        {**usage, "customer_identifier": st.text(min_size=1, max_size=40)}
    )
    new = st.fixed_dictionaries(
        {**usage, "customer_aws_account_id": account.valid, "license_arn": license_arn.valid}
    )
    return st.one_of(legacy, new).map(lambda kw: UsageRecord(**kw))


def batch_items(*, extreme: bool) -> Strategy:
    """One batch input: a record, a dict of its fields, a broken one, or anything at all."""
    fields = record_fields(extreme=extreme)
    records = valid_records()
    return pick(
        records,
        records,
        records.map(lambda record: record.model_dump()),
        fields.map(lambda kw: maybe(UsageRecord, kw)),
        fields,
        anything(extreme=extreme),
    )
