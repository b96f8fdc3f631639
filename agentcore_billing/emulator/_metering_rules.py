"""Stateless Marketplace Metering rules: errors for invalid input, quantities, time windows.

The metering model has no ValidationException, so a model-constraint violation is
answered with the modelled exception named for the failing member (first
violation in request order):

====================================  ===================================
Failing member (anywhere in the path)  Error code
====================================  ===================================
``Tags`` (count, key, value)           InvalidTagException
``UsageAllocations`` (anything else)   InvalidUsageAllocationsException
``Dimension`` / ``UsageDimension``     InvalidUsageDimensionException
``CustomerIdentifier`` /
``CustomerAWSAccountId``               InvalidCustomerIdentifierException
``LicenseArn``                         InvalidLicenseException
``ProductCode``                        InvalidProductCodeException
``Timestamp``                          TimestampOutOfBoundsException
``PublicKeyVersion``                   InvalidPublicKeyVersionException
``RegistrationToken``                  InvalidTokenException
anything else (quantities, more than
25 records, ``ClientToken``, ``Nonce``)  ValidationException
====================================  ===================================

The last row is AWS's common (unmodelled) 400 ``ValidationException`` that every
JSON service can return; no modelled metering error names quantities or the
record count. Semantic checks follow the same mapping: both ``Quantity`` and
``QuantityAsDecimal`` -> ValidationException; allocation sums, types, and
duplicate tag sets -> InvalidUsageAllocationsException; duplicate tag keys ->
InvalidTagException.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from ._errors import EmulatedError
from ._validation import Violation, summarize

QuantityKind = Literal["integer", "decimal"]

_FIELD_CODES: tuple[tuple[str, str], ...] = (
    ("Tags", "InvalidTagException"),
    ("UsageAllocations", "InvalidUsageAllocationsException"),
    ("Dimension", "InvalidUsageDimensionException"),
    ("UsageDimension", "InvalidUsageDimensionException"),
    ("CustomerIdentifier", "InvalidCustomerIdentifierException"),
    ("CustomerAWSAccountId", "InvalidCustomerIdentifierException"),
    ("LicenseArn", "InvalidLicenseException"),
    ("ProductCode", "InvalidProductCodeException"),
    ("Timestamp", "TimestampOutOfBoundsException"),
    ("PublicKeyVersion", "InvalidPublicKeyVersionException"),
    ("RegistrationToken", "InvalidTokenException"),
)
_BATCH_WINDOW = timedelta(hours=24)
_METER_USAGE_WINDOW = timedelta(hours=6)
_GRACE = timedelta(hours=6)


def violation_error(violations: Sequence[Violation]) -> EmulatedError:
    """The metering error for model violations (see the module table)."""
    members = violations[0].members
    for member, code in _FIELD_CODES:
        if member in members:
            return EmulatedError(code, summarize(list(violations)))
    return EmulatedError("ValidationException", summarize(list(violations)))


def quantity_of(item: Mapping[str, Any], whole: str, decimal: str) -> tuple[Decimal, QuantityKind]:
    """The quantity of a record or request (0 when neither member is sent).

    Example:
        >>> quantity_of({"QuantityAsDecimal": "17.00"}, "Quantity", "QuantityAsDecimal")
        (Decimal('17.00'), 'decimal')
    """
    has_whole, has_decimal = item.get(whole) is not None, item.get(decimal) is not None
    if has_whole and has_decimal:
        raise EmulatedError("ValidationException", f"You can't specify both {whole} and {decimal}")
    if has_decimal:
        return Decimal(item[decimal]), "decimal"
    return Decimal(item.get(whole) or 0), "integer"


def check_allocations(
    allocations: Iterable[Mapping[str, Any]] | None, total: Decimal, kind: QuantityKind
) -> None:
    """Allocations: one quantity each, of the usage's type, unique tag sets, sum ``total``."""
    if allocations is None:
        return
    summed = Decimal(0)
    seen: set[frozenset[tuple[str, str]]] = set()
    for allocation in allocations:
        quantity, allocation_kind = _allocation_quantity(allocation)
        if allocation_kind != kind:
            raise _allocations_error(
                "Allocations must use the same type of quantity (whole number or decimal) "
                "as the usage quantity"
            )
        summed += quantity
        tags = _tag_set(allocation.get("Tags") or [])
        if tags in seen:
            raise _allocations_error("Each usage allocation must have a unique set of tags")
        seen.add(tags)
    if summed != total:
        raise _allocations_error(
            f"Sum of allocated usage quantities ({summed}) is not equal to the usage "
            f"quantity ({total})"
        )


def _allocation_quantity(allocation: Mapping[str, Any]) -> tuple[Decimal, QuantityKind]:
    whole: Any = allocation.get("AllocatedUsageQuantity")
    decimal: Any = allocation.get("AllocatedUsageQuantityAsDecimal")
    if (whole is None) == (decimal is None):
        raise _allocations_error(
            "Each allocation must specify exactly one of AllocatedUsageQuantity or "
            "AllocatedUsageQuantityAsDecimal"
        )
    if decimal is not None:
        return Decimal(decimal), "decimal"
    return Decimal(whole), "integer"


def _tag_set(tags: Sequence[Mapping[str, str]]) -> frozenset[tuple[str, str]]:
    keys = [tag["Key"] for tag in tags]
    if len(set(keys)) != len(keys):
        raise EmulatedError("InvalidTagException", "Tag keys must be unique within an allocation")
    return frozenset((tag["Key"], tag["Value"]) for tag in tags)


def _allocations_error(message: str) -> EmulatedError:
    return EmulatedError("InvalidUsageAllocationsException", message)


def check_record_identity(record: Mapping[str, Any], product_code: str | None) -> None:
    """Who a BatchMeterUsage record bills: legacy (ProductCode) or new (LicenseArn) style."""
    identifier = record.get("CustomerIdentifier") or None
    account = record.get("CustomerAWSAccountId")
    license_arn = record.get("LicenseArn")
    if (identifier is None) == (account is None):
        raise EmulatedError(
            "InvalidCustomerIdentifierException",
            "Each usage record needs exactly one of CustomerIdentifier or CustomerAWSAccountId",
        )
    if license_arn is not None and product_code is not None:
        raise EmulatedError(
            "InvalidProductCodeException",
            "Do not send ProductCode with LicenseArn usage records: the LicenseArn identifies "
            "the product (sending both bills the customer twice)",
        )
    if license_arn is not None and identifier is not None:
        raise EmulatedError(
            "InvalidCustomerIdentifierException",
            "LicenseArn usage records identify the buyer by CustomerAWSAccountId",
        )
    if license_arn is None and product_code is None:
        if identifier is not None:
            raise EmulatedError(
                "InvalidProductCodeException", "CustomerIdentifier records need a ProductCode"
            )
        raise EmulatedError(
            "InvalidLicenseException",
            "CustomerAWSAccountId records need a LicenseArn (or, for existing integrations, "
            "the request-level ProductCode)",
        )


def check_batch_window(timestamps: Iterable[datetime], now: datetime) -> None:
    """BatchMeterUsage window: under 24 h old, not in the future, month grace until 06:00 UTC."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    grace_over = now >= month_start + _GRACE
    for index, timestamp in enumerate(timestamps):
        problem = _future_or_stale(timestamp, now, _BATCH_WINDOW, inclusive=True)
        if problem is None and timestamp < month_start and grace_over:
            problem = "is in the previous billing month and the 06:00 UTC grace period is over"
        if problem is not None:
            raise EmulatedError(
                "TimestampOutOfBoundsException",
                f"UsageRecords[{index}].Timestamp {timestamp.isoformat()} {problem}; "
                "no records of this request were processed",
            )


def check_meter_usage_window(timestamp: datetime, now: datetime) -> None:
    """MeterUsage window: at most six hours in the past, not in the future."""
    problem = _future_or_stale(timestamp, now, _METER_USAGE_WINDOW, inclusive=False)
    if problem is not None:
        raise EmulatedError(
            "TimestampOutOfBoundsException", f"Timestamp {timestamp.isoformat()} {problem}"
        )


def _future_or_stale(
    timestamp: datetime, now: datetime, window: timedelta, *, inclusive: bool
) -> str | None:
    if timestamp > now:
        return "is in the future"
    age = now - timestamp
    if age > window or (inclusive and age == window):
        hours = int(window.total_seconds() // 3600)
        return (
            f"is more than {hours} hours in the past"
            if not inclusive
            else (f"is {hours} hours or more in the past")
        )
    return None


def hour_of(timestamp: datetime) -> datetime:
    """``timestamp`` rounded down to the hour."""
    return timestamp.replace(minute=0, second=0, microsecond=0)
