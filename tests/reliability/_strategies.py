"""Hypothesis strategies: valid values, near misses and plain garbage for every input.

Each field strategy mixes three sources so examples reach every layer: values the
service accepts (so the call goes through and its answer is parsed), near misses of
the field's rule (one character too many, a forbidden character, a bound off by one),
and arbitrary values of every type (strings of every kind, huge and negative numbers,
floats, NaN, naive and far-future datetimes, containers, oversized lists).
"""

from __future__ import annotations

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

from ._support import NOW

# -- building blocks -------------------------------------------------------------------

SPECIAL_STRINGS = (
    "", " ", "  lead", "trail  ", "\x00", "\n", "\r\n", "a\rb", "\t", "\x7f", "\u202e",
    "\u200b", "\ufeff", "é", "ü", "用户", "🙂", "e\u0301", "'; DROP TABLE x;--", "../../etc",
    "%00", "%s%s", "{0}", "${jndi:ldap://x}", "<script>", "null", "None", "0", "-1", "1e3",
    "NaN", "Infinity", "true", "\\", '"', "a" * 33, "a" * 257, "A" * 2049,
)
"""Strings that often break parsers, headers, patterns or logs."""

SURROGATE_TEXT = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
"""Lone surrogates: valid ``str`` values that cannot be encoded as UTF-8."""

CONTROL_TEXT = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1)

strings = st.one_of(
    st.text(),
    st.text(st.characters(codec="ascii"), max_size=300),
    st.sampled_from(SPECIAL_STRINGS),
    CONTROL_TEXT,
    SURROGATE_TEXT,
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
        [Decimal(text) for text in ("NaN", "sNaN", "-sNaN", "Infinity", "-Infinity", "-0",
                                    "1E+999999", "1E-999999", "1E+38", "0E-1000", "-1.5")]
    ),
)
"""Numbers of every kind: huge, negative, floats, NaN, infinities, signalling NaN."""

TIMEZONES = st.one_of(
    st.none(),
    st.just(timezone.utc),
    st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m))),
)


def _extreme_datetime(moment: datetime, offset: int) -> datetime:
    return moment.replace(tzinfo=timezone(timedelta(hours=offset)))


EXTREME_DATETIMES = st.builds(
    _extreme_datetime,
    st.sampled_from([datetime.min, datetime.max]),
    st.sampled_from([-23, -5, 5, 23]),
)
"""Aware datetimes whose UTC equivalent lies outside ``datetime``'s range."""


def datetimes(*, extreme: bool) -> st.SearchStrategy[datetime]:
    """Naive and aware datetimes, around NOW and anywhere, optionally out-of-range ones."""
    near = st.integers(-60 * 60 * 30, 60 * 10).map(lambda s: NOW + timedelta(seconds=s))
    options = [
        near,
        near.map(lambda value: value.replace(tzinfo=None)),
        st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=TIMEZONES),
        st.sampled_from([datetime.max.replace(tzinfo=timezone.utc),
                         datetime.min.replace(tzinfo=timezone.utc),
                         datetime(9999, 1, 1, tzinfo=timezone.utc), datetime(1970, 1, 1)]),
    ]
    if extreme:
        options.append(EXTREME_DATETIMES)
    return st.one_of(*options)


scalars = st.one_of(
    st.none(), st.booleans(), numbers, strings, st.binary(max_size=64),
    datetimes(extreme=False), st.just(object()), st.just(SecretStr("s")),
    st.timedeltas(), st.just(Money.usd("1")),
)


def anything(*, extreme_datetimes: bool = False) -> st.SearchStrategy[Any]:
    """Any value: scalars, containers of them, oversized lists."""
    leaves = scalars if not extreme_datetimes else st.one_of(scalars, EXTREME_DATETIMES)
    return st.one_of(
        leaves,
        st.lists(leaves, max_size=4),
        st.dictionaries(st.text(max_size=8), leaves, max_size=4),
        st.tuples(leaves, leaves),
        st.frozensets(st.integers(), max_size=3),
        st.builds(lambda item, n: [item] * n, leaves, st.integers(100, 3000)),
    )


GARBAGE = anything()


def field(valid: st.SearchStrategy[Any], *near: Any) -> st.SearchStrategy[Any]:
    """Valid values (half the time), listed near misses, or garbage."""
    options: list[st.SearchStrategy[Any]] = [valid, valid]
    if near:
        options.append(st.sampled_from(near))
    options.append(GARBAGE)
    return st.one_of(*options)


def regex(pattern: str) -> st.SearchStrategy[str]:
    """Strings that fully match ``pattern``."""
    return st.from_regex(pattern, fullmatch=True)


def sized(valid: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    """``valid`` strings cut to ``low..high`` characters (empty when they cannot be)."""
    return valid.filter(lambda text: low <= len(text) <= high)


# -- models: valid keyword sets, built inside the test ---------------------------------


def maybe(model: Any, kwargs: dict[str, Any]) -> Any:
    """``model(**kwargs)`` when valid, else the raw keywords (themselves a bad input)."""
    try:
        return model(**kwargs)
    except (ValidationError, InvalidInputError):
        return kwargs


def built(model: Any, kwargs: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Instances of ``model`` from ``kwargs`` where valid, the keywords where not."""
    return kwargs.map(lambda values: maybe(model, values))


session_ids = field(
    regex(r"payment-session-[0-9a-zA-Z-]{15}"),
    "payment-session-abcdefghij1234", "payment-session-abcdefghij123456",
    "payment-session-abcdefghij1234_", "PAYMENT-SESSION-abcdefghij12345",
)
instrument_ids = field(
    regex(r"payment-instrument-[0-9a-zA-Z-]{15}"),
    "payment-instrument-abcdefghij1234", "payment-instrument-abcdefghij1234é",
)
connector_ids = field(
    sized(regex(r"([0-9a-z][-]?){1,20}-[0-9a-z]{10}"), 12, 211),
    "coinbase-ABCDEF1234", "coinbase-abcdef123", "-abcdef1234", "a" * 212,
)
manager_arns = field(
    regex(
        r"arn:aws:bedrock-agentcore:[a-z0-9-]{1,12}:[0-9]{12}:payment-manager/"
        r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?-[a-z0-9]{10}"
    ),
    "arn:aws:bedrock-agentcore:us-east-1:12345678901:payment-manager/shop-abcdef1234",
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:payment-manager/shop-ABCDEF1234",
)
HEADER_SAFE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=120)
"""userId/agentName values every HTTP stack can carry."""


def header_text(limit: int, *, unsafe: bool) -> st.SearchStrategy[Any]:
    """Values for header-bound fields; ``unsafe`` adds control characters and surrogates."""
    near: list[Any] = ["a" * (limit + 1), "", "x"]
    if unsafe:
        return field(HEADER_SAFE.filter(lambda t: len(t) <= limit), *near)
    safe_garbage = st.one_of(
        st.none(), numbers, st.binary(max_size=8), st.lists(st.integers(), max_size=2),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                max_size=limit + 5),
    )
    return st.one_of(HEADER_SAFE.filter(lambda t: len(t) <= limit), st.sampled_from(near),
                     safe_garbage)


payments_tokens = field(
    st.one_of(st.uuids().map(str),
              sized(regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){32,80}"), 33, 256)),
    "a" * 32, "a" * 257, "a_" * 20, "-" + "a" * 40, "a" * 40 + "-", "é" * 40,
)
meter_tokens = field(st.text(min_size=1, max_size=64), "", "a" * 65)

money = st.one_of(
    built(Money, st.fixed_dictionaries({"amount": st.one_of(
        st.decimals(min_value=0, max_value=10**9, places=2), st.integers(0, 10**6),
        regex(r"(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?"), GARBAGE),
        "currency": field(st.just("USD"), "usd", "EUR", "")})),
    st.just(Money.usd("-0.01")),
    GARBAGE,
)

emails = field(regex(r"[a-z0-9._%+-]{1,10}@[a-z0-9.-]{1,10}\.[a-z]{2,4}"), "a@b", "@b.co")
phones = field(regex(r"\+[1-9]\d{1,14}"), "+0123", "14155550100", "+1" + "5" * 15)
linked_accounts = st.one_of(
    built(EmailLinkedAccount, st.fixed_dictionaries({"email_address": emails})),
    built(SmsLinkedAccount, st.fixed_dictionaries({"phone_number": phones})),
    built(DeveloperJwtLinkedAccount, st.fixed_dictionaries(
        {"kid": field(regex(r"[a-zA-Z0-9_-]{1,40}"), "k k"), "sub": field(st.text(min_size=1))})),
    built(OAuth2LinkedAccount, st.fixed_dictionaries(
        {"provider": field(st.sampled_from(["google", "apple", "x", "telegram", "github"]),
                           "facebook", "GitHub"),
         "sub": field(st.text(min_size=1, max_size=255), "x" * 256)},
        optional={"email_address": emails, "name": field(st.text(min_size=1, max_size=50)),
                  "username": field(st.text(min_size=1, max_size=50))})),
    GARBAGE,
)
wallets = st.one_of(
    built(EmbeddedCryptoWallet, st.fixed_dictionaries(
        {"network": field(st.sampled_from(["ETHEREUM", "SOLANA"]), "BITCOIN", "ethereum"),
         "linked_accounts": field(st.lists(linked_accounts, max_size=2))},
        optional={"redirect_url": field(st.text(max_size=60), "h" * 2049)})),
    GARBAGE,
)
x402_payloads = st.dictionaries(st.text(max_size=10), scalars, max_size=5)
payments_inputs = st.one_of(
    built(X402Payment, st.fixed_dictionaries(
        {"version": field(regex(r"[0-9]{1,10}"), "v1", "12345678901", ""),
         "payload": field(x402_payloads)},
        optional={"permit2_allowance_limit": field(regex(r"[0-9]{1,78}"), "1" * 79, "-1")})),
    built(MppPayment, st.fixed_dictionaries(
        {"version": field(regex(r"[0-9]{1,3}")),
         "www_authenticate_headers": field(
             st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=2),
             ["a" * 16385], [], "Payment id=x")},
        optional={"buyer_pays_gas_fees": field(st.booleans())})),
    GARBAGE,
)
request_paths = field(regex(r"/[a-zA-Z0-9/_\-.~%?=&]{1,40}"), "nope", "/a b", "/" + "a" * 2048)
request_hosts = field(regex(r"[a-zA-Z0-9\-.]{1,40}"), "a host", "h" * 257)
request_bodies = field(regex(r"[\t\n\r\x20-\x7e]{1,60}"), "\x00", "é", "b" * 16385)
token_requests = st.one_of(
    built(CoinbaseCdpTokenRequest, st.fixed_dictionaries(
        {"request_method": field(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
                                 "get", "HEAD"),
         "request_path": request_paths},
        optional={"request_host": request_hosts, "request_body": request_bodies,
                  "include_wallet_auth_token": field(st.booleans())})),
    built(StripePrivyTokenRequest, st.fixed_dictionaries(
        {"request_path": request_paths, "request_body": request_bodies},
        optional={"request_host": request_hosts,
                  "include_authorization_signature": field(st.booleans())})),
    GARBAGE,
)
provider_names = field(regex(r"[a-zA-Z0-9\-_]{1,40}"), "bad name", "p" * 129, "")
workload_tokens = field(st.text(min_size=1, max_size=200), "", "w" * 131073)
chains = field(st.sampled_from(["BASE", "BASE_SEPOLIA", "ETHEREUM", "SOLANA", "SOLANA_DEVNET"]),
               "base", "BITCOIN")
page_sizes = field(st.one_of(st.none(), st.integers(1, 1000)), 0, -1, 10**30, True, 1.0, "10")
expiries = field(st.integers(15, 480), 14, 481, 0, -15, True, 60.0, "60", 10**30)

# -- metering --------------------------------------------------------------------------

dimensions = field(st.text(min_size=1, max_size=255), "", "d" * 256)
quantities = field(
    st.one_of(st.integers(0, 2**31 - 1), st.decimals(min_value=0, max_value=10**9, places=6)),
    -1, 2**31, 1.5, "1.5", "1e3", Decimal("1.1234567"), Decimal("12345678901"),
)
accounts = field(regex(r"[0-9]{12}"), "12345678901a", "", " 123")
licenses = field(
    st.just("arn:aws:license-manager::111122223333:license:l-0123456789abcdef"),
    "arn:aws:license-manager", "license",
)
product_codes = field(regex(r"[-a-zA-Z0-9/=:_.@]{1,40}"), "", "p" * 256, "prod abc", "pröd")
tags = field(st.dictionaries(regex(r"[a-zA-Z0-9+ -=._:/@]{1,10}"),
                             regex(r"[a-zA-Z0-9+ -=._:/@]{1,10}"), max_size=6),
             {"k": ""}, {"": "v"}, {"k": "v!"}, {"k" * 101: "v"})


def allocations(extreme: bool) -> st.SearchStrategy[Any]:
    """Allocation lists: tagged buckets (summing or not), empty, oversized, or garbage."""
    allocation = st.one_of(
        built(UsageAllocation, st.fixed_dictionaries({"quantity": quantities},
                                                      optional={"tags": tags})),
        anything(extreme_datetimes=extreme),
    )
    return st.one_of(
        st.none(),
        st.lists(allocation, min_size=1, max_size=4),
        st.just([]),
        st.builds(lambda n: [UsageAllocation(quantity=0)] * n, st.integers(2490, 2510)),
        anything(extreme_datetimes=extreme),
    )


def record_fields(extreme: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword sets for UsageRecord: either buyer style, both, neither, extra keys."""
    return st.fixed_dictionaries(
        {"timestamp": field(datetimes(extreme=extreme)), "dimension": dimensions,
         "quantity": quantities},
        optional={"customer_identifier": field(st.text(min_size=1, max_size=40), "", "c" * 256),
                  "customer_aws_account_id": accounts, "license_arn": licenses,
                  "allocations": allocations(extreme), "unknown_field": GARBAGE},
    )


def batch_items(extreme: bool) -> st.SearchStrategy[Any]:
    """One batch input: a record, a dict of fields, or anything at all."""
    fields_ = record_fields(extreme)
    return st.one_of(built(UsageRecord, fields_), fields_, anything(extreme_datetimes=extreme))


def timestamps(extreme: bool) -> st.SearchStrategy[Any]:
    """MeterUsage timestamps: in the 6-hour window, outside it, naive, garbage."""
    within = st.integers(0, 6 * 3600 - 1).map(lambda s: NOW - timedelta(seconds=s))
    return st.one_of(within, field(datetimes(extreme=extreme)))
