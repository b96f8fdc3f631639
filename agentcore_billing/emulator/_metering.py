"""AWS Marketplace Metering: BatchMeterUsage, MeterUsage, ResolveCustomer, RegisterUsage.

Semantics (see ``_metering_rules`` for the error mapping):

* BatchMeterUsage: one product per request; any invalid record (identity,
  quantity, allocation, tag, license, dimension, time window) fails the whole
  request. Records are deduplicated per customer, dimension and hour: an
  identical record answers Success with the first MeteringRecordId; a different
  quantity (compared by value, ``17 == 17.00``) answers DuplicateRecord and is not
  billed. Unknown or unsubscribed customers answer CustomerNotSubscribed. Unknown
  product codes are refused (InvalidProductCodeException); a LicenseArn of another
  customer is refused (InvalidLicenseException); an unknown LicenseArn is
  CustomerNotSubscribed. Legacy (ProductCode) and license-based records are
  different billing keys, as on the service (sending both double-bills).
* MeterUsage: once per product, dimension and hour (timestamp rounded down):
  the same quantity answers the first MeteringRecordId, another quantity
  DuplicateRequestException. ``ClientToken`` reuse with other parameters answers
  IdempotencyConflictException. ``DryRun`` runs every check, stores nothing and
  answers the error code ``DryRunOperation`` (HTTP 412), as the documentation says
  ("the request returns DryRunOperation").
  The emulator behaves as outside AgentCore Runtime (where MeterUsage may be
  called several times per hour and is deduplicated by ClientToken only).
* ResolveCustomer: unknown token -> InvalidTokenException; expired or already
  resolved token -> ExpiredTokenException.
* RegisterUsage: unknown product -> InvalidProductCodeException; product not
  entitled -> CustomerNotEntitledException; ``PublicKeyVersion`` above the
  product's latest -> InvalidPublicKeyVersionException; answers a JWT Signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._context import CallContext, fake_jwt
from ._customers import Customer, Directory, Product
from ._errors import EmulatedError
from ._idempotency import IdempotencyCache, fingerprint
from ._metering_rules import (
    check_allocations,
    check_batch_window,
    check_meter_usage_window,
    check_record_identity,
    hour_of,
    quantity_of,
)
from ._records import AcceptedUsageRecord, UsageAllocationRecord

Handler = Callable[[Mapping[str, Any], CallContext], dict[str, Any]]


@dataclass(frozen=True)
class _Target:
    """Who and what a usage record bills."""

    customer: Customer | None
    product_code: str | None
    key: tuple[str, ...]


class MeteringBackend:
    """State and handlers of the metering operations."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.accepted: list[AcceptedUsageRecord] = []
        self._batch_usage: dict[tuple[Any, ...], AcceptedUsageRecord] = {}
        self._hourly: dict[tuple[str, str, datetime], AcceptedUsageRecord] = {}
        self._tokens = IdempotencyCache()
        self._handlers: dict[str, Handler] = {
            "BatchMeterUsage": self._batch_meter_usage,
            "MeterUsage": self._meter_usage,
            "ResolveCustomer": self._resolve_customer,
            "RegisterUsage": self._register_usage,
        }

    def handle(self, operation: str, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        """Run ``operation`` (parameters already validated against the model)."""
        return self._handlers[operation](params, ctx)

    def _batch_meter_usage(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        records: list[dict[str, Any]] = params["UsageRecords"]
        product_code = params.get("ProductCode") or None
        for record in records:
            check_record_identity(record, product_code)
            check_allocations(record.get("UsageAllocations"), *quantity_of(record, *_BATCH_QTY))
        check_batch_window((record["Timestamp"] for record in records), ctx.now)
        targets = [self._target(record, product_code) for record in records]
        self._check_targets(records, targets, product_code)
        results: list[dict[str, Any]] = []
        unprocessed: list[dict[str, Any]] = []
        mask = ctx.unprocessed(len(records))
        for record, target, skip in zip(records, targets, mask, strict=True):
            if skip:
                unprocessed.append(record)
            else:
                results.append(self._meter_record(record, target, ctx))
        return {"Results": results, "UnprocessedRecords": unprocessed}

    def _target(self, record: Mapping[str, Any], product_code: str | None) -> _Target:
        license_arn = record.get("LicenseArn")
        account = record.get("CustomerAWSAccountId")
        if license_arn is not None:
            customer = self.directory.by_license.get(license_arn)
            if customer is not None and customer.customer_aws_account_id != account:
                raise EmulatedError(
                    "InvalidLicenseException",
                    f"LicenseArn {license_arn} does not belong to customer {account}",
                )
            product = customer.product_code if customer is not None else None
            return _Target(customer, product, ("license", license_arn))
        assert product_code is not None  # check_record_identity guarantees it
        identifier = record.get("CustomerIdentifier") or None
        if identifier is not None:
            customer = self.directory.by_identifier.get((product_code, identifier))
        else:
            customer = self.directory.by_account.get((product_code, str(account)))
        who = customer.customer_aws_account_id if customer else f"unknown:{identifier or account}"
        return _Target(customer, product_code, ("product", product_code, who))

    def _check_targets(
        self,
        records: Sequence[Mapping[str, Any]],
        targets: Sequence[_Target],
        product_code: str | None,
    ) -> None:
        if product_code is not None and product_code not in self.directory.products:
            raise _unknown_product(product_code)
        products = sorted({t.product_code for t in targets if t.product_code is not None})
        if len(products) > 1:
            raise EmulatedError(
                "InvalidLicenseException",
                f"A BatchMeterUsage request is for one product; these licenses span {products}",
            )
        for record, target in zip(records, targets, strict=True):
            product = self.directory.products.get(target.product_code or "")
            if product is not None:
                _check_dimension(product, record["Dimension"])

    def _meter_record(
        self, record: dict[str, Any], target: _Target, ctx: CallContext
    ) -> dict[str, Any]:
        customer = target.customer
        if customer is None or not customer.subscribed:
            return {"UsageRecord": record, "Status": "CustomerNotSubscribed"}
        quantity, _ = quantity_of(record, *_BATCH_QTY)
        key = (*target.key, record["Dimension"], hour_of(record["Timestamp"]))
        existing = self._batch_usage.get(key)
        if existing is not None:
            if existing.quantity != quantity:
                return {"UsageRecord": record, "Status": "DuplicateRecord"}
            return _success(record, existing.metering_record_id)
        accepted = AcceptedUsageRecord(
            metering_record_id=ctx.ids.uuid4(),
            operation="BatchMeterUsage",
            product_code=customer.product_code,
            dimension=record["Dimension"],
            timestamp=record["Timestamp"],
            quantity=quantity,
            customer_identifier=record.get("CustomerIdentifier") or customer.customer_identifier,
            customer_aws_account_id=customer.customer_aws_account_id,
            license_arn=record.get("LicenseArn"),
            allocations=_allocations(record.get("UsageAllocations")),
        )
        self._batch_usage[key] = accepted
        self.accepted.append(accepted)
        return _success(record, accepted.metering_record_id)

    def _meter_usage(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        quantity, kind = quantity_of(params, "UsageQuantity", "UsageQuantityAsDecimal")
        check_allocations(params.get("UsageAllocations"), quantity, kind)
        dry_run = params.get("DryRun") is True
        token = None if dry_run else params.get("ClientToken")
        key = fingerprint(
            {**params, "quantity": quantity},
            exclude=("ClientToken", "DryRun", "UsageQuantity", "UsageQuantityAsDecimal"),
        )
        cached = self._tokens.replay("MeterUsage", token, key, _idempotency_conflict)
        if cached is not None:
            result: dict[str, Any] = cached
            return result
        check_meter_usage_window(params["Timestamp"], ctx.now)
        product = self._entitled_product(params["ProductCode"])
        _check_dimension(product, params["UsageDimension"])
        if dry_run:
            raise EmulatedError(
                "DryRunOperation", "Request would have succeeded, but DryRun flag is set."
            )
        result = {"MeteringRecordId": self._meter_hour(params, quantity, ctx)}
        self._tokens.store("MeterUsage", token, key, result)
        return result

    def _meter_hour(self, params: Mapping[str, Any], quantity: Decimal, ctx: CallContext) -> str:
        hour_key = (params["ProductCode"], params["UsageDimension"], hour_of(params["Timestamp"]))
        existing = self._hourly.get(hour_key)
        if existing is not None:
            if existing.quantity != quantity:
                raise EmulatedError(
                    "DuplicateRequestException",
                    f"Usage for dimension {params['UsageDimension']} was already metered for "
                    f"{hour_key[2].isoformat()} with a different quantity",
                )
            return existing.metering_record_id
        accepted = AcceptedUsageRecord(
            metering_record_id=ctx.ids.uuid4(),
            operation="MeterUsage",
            product_code=params["ProductCode"],
            dimension=params["UsageDimension"],
            timestamp=params["Timestamp"],
            quantity=quantity,
            allocations=_allocations(params.get("UsageAllocations")),
        )
        self._hourly[hour_key] = accepted
        self.accepted.append(accepted)
        return accepted.metering_record_id

    def _entitled_product(self, product_code: str) -> Product:
        product = self.directory.products.get(product_code)
        if product is None:
            raise _unknown_product(product_code)
        if not product.entitled:
            raise EmulatedError(
                "CustomerNotEntitledException",
                f"The customer does not have a valid subscription for {product_code}",
            )
        return product

    def _resolve_customer(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        token = self.directory.tokens.get(params["RegistrationToken"])
        if token is None:
            raise EmulatedError("InvalidTokenException", "Registration token is invalid")
        expired = token.expired or (token.expires_at is not None and ctx.now >= token.expires_at)
        if expired or (token.redeemed and not token.reusable):
            raise EmulatedError(
                "ExpiredTokenException",
                "The registration token has expired or was already resolved",
            )
        token.redeemed = True
        customer = token.customer
        return {
            "CustomerIdentifier": customer.customer_identifier or "",
            "CustomerAWSAccountId": customer.customer_aws_account_id,
            "ProductCode": customer.product_code,
            "LicenseArn": customer.license_arn,
            "Metadata": {"AgreementId": customer.agreement_id},
        }

    def _register_usage(self, params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
        product = self._entitled_product(params["ProductCode"])
        version = params["PublicKeyVersion"]
        if version > product.public_key_version:
            raise EmulatedError(
                "InvalidPublicKeyVersionException", f"Public key version {version} is invalid"
            )
        claims = {
            "productCode": product.product_code,
            "publicKeyVersion": version,
            "nonce": params.get("Nonce"),
            "timestamp": ctx.now.isoformat(),
        }
        result: dict[str, Any] = {"Signature": fake_jwt(claims, ctx.ids, alg="PS256")}
        if version < product.public_key_version:
            result["PublicKeyRotationTimestamp"] = ctx.now
        return result


_BATCH_QTY = ("Quantity", "QuantityAsDecimal")


def _check_dimension(product: Product, dimension: str) -> None:
    if product.dimensions is not None and dimension not in product.dimensions:
        raise EmulatedError(
            "InvalidUsageDimensionException",
            f"Dimension {dimension!r} is not a usage dimension of product {product.product_code}",
        )


def _unknown_product(product_code: str) -> EmulatedError:
    return EmulatedError("InvalidProductCodeException", f"Unknown product code {product_code}")


def _success(record: dict[str, Any], record_id: str) -> dict[str, Any]:
    return {"UsageRecord": record, "MeteringRecordId": record_id, "Status": "Success"}


def _idempotency_conflict() -> EmulatedError:
    return EmulatedError(
        "IdempotencyConflictException",
        "The ClientToken is being used for multiple requests with different parameters",
    )


def _allocations(raw: Sequence[Mapping[str, Any]] | None) -> tuple[UsageAllocationRecord, ...]:
    allocations = []
    for allocation in raw or ():
        whole = allocation.get("AllocatedUsageQuantity")
        quantity = Decimal(allocation.get("AllocatedUsageQuantityAsDecimal") or whole or 0)
        tags = {tag["Key"]: tag["Value"] for tag in allocation.get("Tags") or ()}
        allocations.append(UsageAllocationRecord(quantity, tags))
    return tuple(allocations)
