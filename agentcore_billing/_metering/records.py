"""Usage records and allocations: every Marketplace Metering field rule, checked locally.

botocore checks only required fields and minimums; the service checks the rest and, for
BatchMeterUsage, refuses the *whole* request when one record breaks a rule. These models
check lengths, patterns, ranges, the buyer style and the allocation sums before anything
is sent, and convert to the wire shape in one place (``to_wire``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from agentcore_billing._core.errors import InvalidInputError
from agentcore_billing._core.models import AwareDatetime, InputModel
from agentcore_billing._core.money import canonical_decimal, parse_decimal

QUANTITY_MAX = 2_147_483_647
"""The largest whole-number ``Quantity``."""
MAX_QUANTITY_TEXT = 64
"""Longest decimal string read as a quantity (the pattern allows 17 characters)."""
MAX_ALLOCATIONS = 2500
MAX_TAGS = 5

DECIMAL_QUANTITY = re.compile(r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,6})?$")
TAG_TEXT = re.compile(r"^[a-zA-Z0-9+ -=._:\/@]+$")
PRODUCT_CODE = re.compile(r"^[-a-zA-Z0-9/=:_.@]*$")
ACCOUNT_ID_PATTERN = r"^[0-9]+$"
LICENSE_ARN_PATTERN = (
    r"^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:"
    r"[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$"
)

Quantity = int | Decimal
"""``int`` travels as ``Quantity``; ``Decimal`` as ``QuantityAsDecimal``."""


def coerce_quantity(value: object, *, field: str = "quantity") -> int | Decimal:
    """Check a quantity: an int 0..2147483647, or a Decimal (or decimal string) that fits
    ``^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,6})?$``. Floats and bools are refused.

    Example:
        >>> coerce_quantity(12), coerce_quantity("12.50"), coerce_quantity(Decimal("1E+3"))
        (12, Decimal('12.50'), Decimal('1000'))
    """
    if isinstance(value, (bool, float)):
        raise ValueError(
            f"{field} must be an int or a Decimal, not {type(value).__name__} ({value!r}): "
            "floats are inexact; pass Decimal('1.5') or the string '1.5'"
        )
    if isinstance(value, int):
        if not 0 <= value <= QUANTITY_MAX:
            shown = str(value) if abs(value) < 10**30 else f"an int of {value.bit_length()} bits"
            raise ValueError(f"{field} must be 0..{QUANTITY_MAX} as an int, got {shown}")
        return value
    if isinstance(value, str) and len(value) > MAX_QUANTITY_TEXT:
        raise ValueError(
            f"{field} must be a decimal string of at most {MAX_QUANTITY_TEXT} characters "
            f"(10 integer digits and 6 decimals), got {len(value)} characters"
        )
    if isinstance(value, (str, Decimal)):
        return Decimal(decimal_quantity_text(parse_decimal(value, what=field), field=field))
    raise ValueError(f"{field} must be an int or a Decimal, not {type(value).__name__}")


def decimal_quantity_text(value: Decimal, *, field: str = "quantity") -> str:
    """The ``QuantityAsDecimal`` string for ``value``: plain, at most 6 decimals.

    Trailing zeros beyond the sixth decimal are dropped (the value is unchanged);
    anything else that does not fit the service pattern is refused.

    Example:
        >>> decimal_quantity_text(Decimal("17.4200000"))
        '17.42'
    """
    if not value.is_finite() or value < 0:
        raise ValueError(f"{field} must be a finite, non-negative number, got {_brief(value)}")
    # Check the magnitude before expanding: Decimal("1E+200000000") would otherwise
    # become a 200-million-digit string (seconds, hundreds of MB, and in the message).
    if value and (value.adjusted() > 9 or _last_digit_exponent(value) < -6):
        hint = ""
        if value.adjusted() <= 9:
            hint = "; round it first, e.g. agentcore_billing.quantize_quantity(value)"
        raise ValueError(
            f"{field} must match {DECIMAL_QUANTITY.pattern} (at most 10 integer digits "
            f"and 6 decimals, no exponent), got {_brief(value)}{hint}"
        )
    text = canonical_decimal(value)
    if "." in text and len(text.partition(".")[2]) > 6:
        text = text.rstrip("0").rstrip(".")
    if not DECIMAL_QUANTITY.match(text):
        hint = ""
        if "." in text and len(text.partition(".")[2]) > 6:
            hint = "; round it first, e.g. agentcore_billing.quantize_quantity(value)"
        raise ValueError(
            f"{field} must match {DECIMAL_QUANTITY.pattern} (at most 10 integer digits "
            f"and 6 decimals, no exponent), got {_brief(value)}{hint}"
        )
    return text


def _last_digit_exponent(value: Decimal) -> int:
    """The power of ten of ``value``'s last non-zero digit (no expansion, no rounding)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values only
    zeros = 0
    for digit in reversed(digits):
        if digit:
            break
        zeros += 1
    return exponent + zeros


def _brief(value: Decimal) -> str:
    """A Decimal for a message: plain when short, else in exponent form (bounded)."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def check_product_code(value: object, *, field: str = "product_code") -> str:
    """Return a valid product code or raise :class:`InvalidInputError` naming ``field``.

    Example:
        >>> check_product_code("prod-abc123")
        'prod-abc123'
    """
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a string", type(value).__name__)
    if not 1 <= len(value) <= 255 or not PRODUCT_CODE.match(value):
        raise InvalidInputError(
            field, f"1..255 characters matching {PRODUCT_CODE.pattern}", repr(value)
        )
    return value


def _check_tag_text(text: str, what: str, limit: int) -> None:
    if not 1 <= len(text) <= limit:
        raise ValueError(f"tag {what} must be 1..{limit} characters, got {len(text)}")
    if not TAG_TEXT.match(text):
        raise ValueError(f"tag {what} {text!r} must match {TAG_TEXT.pattern}")


class UsageAllocation(InputModel):
    """One tagged bucket of a record's quantity (vendor-metered tagging).

    Example:
        >>> UsageAllocation(quantity=3, tags={"team": "a"}).to_wire()
        {'AllocatedUsageQuantity': 3, 'Tags': [{'Key': 'team', 'Value': 'a'}]}
    """

    quantity: int | Decimal
    """Same type as the record's quantity; all allocations sum to it exactly."""
    tags: dict[str, str] | None = None
    """1..5 tags; ``None`` (or ``{}``) for the untagged bucket."""

    @field_validator("quantity", mode="plain")
    @classmethod
    def _quantity(cls, value: object) -> int | Decimal:
        return coerce_quantity(value, field="allocation quantity")

    @field_validator("tags", mode="after")
    @classmethod
    def _tags(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if not value:
            return None
        if len(value) > MAX_TAGS:
            raise ValueError(f"at most {MAX_TAGS} tags per allocation, got {len(value)}")
        for key, text in value.items():
            _check_tag_text(key, "key", 100)
            _check_tag_text(text, "value", 256)
        return value

    def to_wire(self) -> dict[str, Any]:
        """The ``UsageAllocation`` wire shape."""
        wire = quantity_wire(
            self.quantity, "AllocatedUsageQuantity", "AllocatedUsageQuantityAsDecimal"
        )
        if self.tags:
            wire["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags.items()]
        return wire


def quantity_wire(quantity: int | Decimal, int_key: str, decimal_key: str) -> dict[str, Any]:
    """``{int_key: n}`` for an int, ``{decimal_key: "n.nn"}`` for a Decimal."""
    if isinstance(quantity, int):
        return {int_key: quantity}
    return {decimal_key: decimal_quantity_text(quantity)}


def check_allocations(quantity: int | Decimal, allocations: Sequence[UsageAllocation]) -> None:
    """Raise ValueError unless the allocations use ``quantity``'s type and sum to it."""
    want_int = isinstance(quantity, int)
    for position, allocation in enumerate(allocations):
        if isinstance(allocation.quantity, int) != want_int:
            kinds = ("int", "Decimal") if want_int else ("Decimal", "int")
            raise ValueError(
                f"allocations[{position}]: quantity must be {kinds[0]} like the record's "
                f"quantity (AllocatedUsageQuantity pairs with Quantity, "
                f"AllocatedUsageQuantityAsDecimal with QuantityAsDecimal), got {kinds[1]}"
            )
    with localcontext() as ctx:
        ctx.prec = 60
        total = sum((Decimal(a.quantity) for a in allocations), Decimal(0))
    if total != quantity:
        raise ValueError(
            f"allocations: quantities sum to {canonical_decimal(total)}, "
            f"must equal the quantity {quantity}"
        )


class UsageRecord(InputModel):
    """One BatchMeterUsage usage record.

    Identify the buyer with ``customer_aws_account_id`` + ``license_arn`` (new
    integrations; no product code is sent) or ``customer_identifier`` (legacy; the
    product code comes from the call or the client). Exactly one style per record.

    Example:
        >>> from datetime import datetime, timezone
        >>> rec = UsageRecord(
        ...     timestamp=datetime(2026, 11, 23, 10, tzinfo=timezone.utc),
        ...     dimension="tokens", quantity=Decimal("12.5"), customer_identifier="cust-1")
        >>> rec.to_wire()["QuantityAsDecimal"], rec.is_legacy
        ('12.5', True)
    """

    model_config = ConfigDict(loc_by_alias=False)  # errors name the Python field

    timestamp: AwareDatetime = Field(validation_alias="Timestamp", serialization_alias="Timestamp")
    """When the usage happened; timezone-aware, normalised to UTC."""
    dimension: str = Field(
        validation_alias="Dimension", serialization_alias="Dimension", min_length=1, max_length=255
    )
    """The product dimension (1..255 characters)."""
    quantity: int | Decimal
    """int 0..2147483647 (``Quantity``) or Decimal with at most 6 decimals
    (``QuantityAsDecimal``); a decimal string is read as Decimal."""
    customer_aws_account_id: str | None = Field(
        default=None,
        validation_alias="CustomerAWSAccountId",
        serialization_alias="CustomerAWSAccountId",
        min_length=1,
        max_length=255,
        pattern=ACCOUNT_ID_PATTERN,
    )
    """The buyer's AWS account id (digits; new integrations)."""
    license_arn: str | None = Field(
        default=None,
        validation_alias="LicenseArn",
        serialization_alias="LicenseArn",
        pattern=LICENSE_ARN_PATTERN,
    )
    """The buyer's license (new integrations); it also names the product."""
    customer_identifier: str | None = Field(
        default=None,
        validation_alias="CustomerIdentifier",
        serialization_alias="CustomerIdentifier",
        min_length=1,
        max_length=255,
    )
    """The legacy buyer id from ResolveCustomer."""
    allocations: list[UsageAllocation] | None = Field(
        default=None,
        validation_alias="UsageAllocations",
        serialization_alias="UsageAllocations",
        min_length=1,
        max_length=MAX_ALLOCATIONS,
    )
    """1..2500 tagged buckets summing exactly to ``quantity``."""

    @field_validator("quantity", mode="plain")
    @classmethod
    def _quantity(cls, value: object) -> int | Decimal:
        return coerce_quantity(value)

    @model_validator(mode="after")
    def _consistent(self) -> UsageRecord:
        _check_buyer(self.customer_identifier, self.customer_aws_account_id, self.license_arn)
        if self.allocations is not None:
            check_allocations(self.quantity, self.allocations)
        return self

    @property
    def is_legacy(self) -> bool:
        """True for a ``customer_identifier`` record (sent with a request ProductCode)."""
        return self.customer_identifier is not None

    @property
    def hour(self) -> datetime:
        """The start of the UTC hour the usage belongs to."""
        return self.timestamp.replace(minute=0, second=0, microsecond=0)

    def to_wire(self) -> dict[str, Any]:
        """The ``UsageRecord`` wire shape, exactly as it is sent.

        Example:
            >>> from datetime import datetime, timezone
            >>> UsageRecord(timestamp=datetime(2026, 11, 23, tzinfo=timezone.utc),
            ...             dimension="d", quantity=2, customer_identifier="c").to_wire()
            ... # doctest: +NORMALIZE_WHITESPACE
            {'Timestamp': datetime.datetime(2026, 11, 23, 0, 0, tzinfo=datetime.timezone.utc),
             'Dimension': 'd', 'Quantity': 2, 'CustomerIdentifier': 'c'}
        """
        wire: dict[str, Any] = {"Timestamp": self.timestamp, "Dimension": self.dimension}
        wire.update(quantity_wire(self.quantity, "Quantity", "QuantityAsDecimal"))
        if self.customer_identifier is not None:
            wire["CustomerIdentifier"] = self.customer_identifier
        else:
            wire["CustomerAWSAccountId"] = self.customer_aws_account_id
            wire["LicenseArn"] = self.license_arn
        if self.allocations:
            wire["UsageAllocations"] = [allocation.to_wire() for allocation in self.allocations]
        return wire


def _check_buyer(legacy: str | None, account: str | None, license_arn: str | None) -> None:
    if legacy is not None and (account is not None or license_arn is not None):
        raise ValueError(
            "customer_identifier (legacy) and customer_aws_account_id/license_arn (new "
            "integrations) are exclusive: use exactly one style per record"
        )
    if legacy is None and (account is None or license_arn is None):
        raise ValueError(
            "buyer: give customer_aws_account_id and license_arn together (new "
            "integrations), or customer_identifier (legacy)"
        )


class MeterUsageInput(InputModel):
    """The checked arguments of one MeterUsage call (timestamp window checked separately).

    Example:
        >>> from datetime import datetime, timezone
        >>> MeterUsageInput(product_code="prod-1", dimension="d", quantity=Decimal("0.5"),
        ...     timestamp=datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
        ... ).to_wire()["UsageQuantityAsDecimal"]
        '0.5'
    """

    model_config = ConfigDict(loc_by_alias=False)

    product_code: str = Field(
        validation_alias="ProductCode",
        serialization_alias="ProductCode",
        min_length=1,
        max_length=255,
        pattern=PRODUCT_CODE.pattern,
    )
    """The product being metered."""
    timestamp: AwareDatetime = Field(validation_alias="Timestamp", serialization_alias="Timestamp")
    """When the usage happened (timezone-aware)."""
    dimension: str = Field(
        validation_alias="UsageDimension",
        serialization_alias="UsageDimension",
        min_length=1,
        max_length=255,
    )
    """The product dimension."""
    quantity: int | Decimal
    """int -> UsageQuantity, Decimal -> UsageQuantityAsDecimal."""
    allocations: list[UsageAllocation] | None = Field(
        default=None,
        validation_alias="UsageAllocations",
        serialization_alias="UsageAllocations",
        min_length=1,
        max_length=MAX_ALLOCATIONS,
    )
    """Tagged buckets summing exactly to ``quantity``."""
    dry_run: bool = Field(
        default=False, validation_alias="DryRun", serialization_alias="DryRun", strict=True
    )
    """Only check permissions."""

    @field_validator("quantity", mode="plain")
    @classmethod
    def _quantity(cls, value: object) -> int | Decimal:
        return coerce_quantity(value)

    @model_validator(mode="after")
    def _sums(self) -> MeterUsageInput:
        if self.allocations is not None:
            check_allocations(self.quantity, self.allocations)
        return self

    def to_wire(self) -> dict[str, Any]:
        """The MeterUsage request parameters (the engine adds the ClientToken)."""
        wire: dict[str, Any] = {
            "ProductCode": self.product_code,
            "Timestamp": self.timestamp,
            "UsageDimension": self.dimension,
        }
        wire.update(quantity_wire(self.quantity, "UsageQuantity", "UsageQuantityAsDecimal"))
        if self.allocations:
            wire["UsageAllocations"] = [allocation.to_wire() for allocation in self.allocations]
        if self.dry_run:
            wire["DryRun"] = True
        return wire
