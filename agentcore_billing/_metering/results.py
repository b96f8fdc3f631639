"""What the metering facade returns: per-record outcomes, the batch report, call results."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from enum import Enum
from typing import Any, Generic

from pydantic import Field, SerializeAsAny, SkipValidation
from typing_extensions import Self, TypeVar

from agentcore_billing._core.errors import MeteringFailuresError
from agentcore_billing._core.models import ResponseModel, WireDatetime

from .records import UsageRecord

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """``enum.StrEnum`` for Python 3.10."""

        def __str__(self) -> str:
            return str(self.value)


class MeteringOutcome(StrEnum):
    """What became of one usage record.

    The first three are the service's statuses (same spelling as on the wire).

    Example:
        >>> MeteringOutcome("DuplicateRecord") is MeteringOutcome.DUPLICATE_RECORD
        True
    """

    SUCCESS = "Success"
    """Accepted and billed (an identical resend also answers Success)."""
    DUPLICATE_RECORD = "DuplicateRecord"
    """Same customer, dimension and time already metered with another quantity: not billed."""
    CUSTOMER_NOT_SUBSCRIBED = "CustomerNotSubscribed"
    """The buyer has no active agreement: not billed."""
    REJECTED = "Rejected"
    """Refused before sending, or refused by the service for this record (see ``reason``)."""
    UNPROCESSED = "Unprocessed"
    """Not settled (retry budget, breaker, deadline or abort; see ``reason`` and
    ``maybe_billed``); safe to send again."""


SERVICE_STATUSES = frozenset(
    {
        MeteringOutcome.SUCCESS,
        MeteringOutcome.DUPLICATE_RECORD,
        MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED,
    }
)


InputRecord = UsageRecord | Mapping[str, Any]
"""What batch metering takes: a ``UsageRecord`` or a dict of its fields."""

RecordT_co = TypeVar("RecordT_co", bound=InputRecord, covariant=True, default=InputRecord)
"""The type of the records the caller handed in (``UsageRecord``, dicts, or both)."""


class UsageRecordResult(ResponseModel, Generic[RecordT_co]):
    """The outcome of one input record.

    Example:
        >>> r = UsageRecordResult(record={"dimension": ""}, outcome=MeteringOutcome.REJECTED,
        ...                       reason="dimension: too short", index=0)
        >>> r.ok, r.reason
        (False, 'dimension: too short')
    """

    # Kept as given, never validated or copied: the input's identity is the correlation.
    record: SerializeAsAny[SkipValidation[RecordT_co]]
    """The very object you passed in (a ``UsageRecord``, or the dict or other value),
    so ``is`` / ``id()`` correlate results with inputs. Typed as what you passed:
    ``batch_meter_usage(list_of_usage_records)`` gives ``UsageRecordResult[UsageRecord]``."""
    outcome: MeteringOutcome
    """What became of it."""
    metering_record_id: str | None = None
    """The service's MeteringRecordId, when it answered with one."""
    reason: str | None = None
    """Why it was not a success (a rule, an error code or a status), else ``None``."""
    index: int = Field(default=0, ge=0)
    """The record's position in the input."""
    maybe_billed: bool = False
    """True only for an UNPROCESSED record an attempt of which went unanswered: the
    service may have billed it. Resending the identical record settles it (an identical
    record is idempotent)."""

    @property
    def ok(self) -> bool:
        """True when the record was metered (``SUCCESS``)."""
        return self.outcome is MeteringOutcome.SUCCESS


class BatchMeterReport(ResponseModel, Generic[RecordT_co]):
    """Every input record's result, in input order: partial failure as data.

    Example:
        >>> report = BatchMeterReport(results=[])
        >>> report.ok, report.counts[MeteringOutcome.SUCCESS]
        (True, 0)
    """

    results: list[UsageRecordResult[RecordT_co]]
    """One result per input record, in input order."""

    def _having(self, outcome: MeteringOutcome) -> list[UsageRecordResult[RecordT_co]]:
        return [result for result in self.results if result.outcome is outcome]

    @property
    def succeeded(self) -> list[UsageRecordResult[RecordT_co]]:
        """Results with outcome ``SUCCESS``."""
        return self._having(MeteringOutcome.SUCCESS)

    @property
    def duplicates(self) -> list[UsageRecordResult[RecordT_co]]:
        """Results with outcome ``DUPLICATE_RECORD``."""
        return self._having(MeteringOutcome.DUPLICATE_RECORD)

    @property
    def not_subscribed(self) -> list[UsageRecordResult[RecordT_co]]:
        """Results with outcome ``CUSTOMER_NOT_SUBSCRIBED``."""
        return self._having(MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED)

    @property
    def rejected(self) -> list[UsageRecordResult[RecordT_co]]:
        """Results with outcome ``REJECTED``."""
        return self._having(MeteringOutcome.REJECTED)

    @property
    def unprocessed(self) -> list[UsageRecordResult[RecordT_co]]:
        """Results with outcome ``UNPROCESSED``."""
        return self._having(MeteringOutcome.UNPROCESSED)

    @property
    def failed(self) -> list[UsageRecordResult[RecordT_co]]:
        """Every result that is not a success."""
        return [result for result in self.results if not result.ok]

    @property
    def counts(self) -> dict[MeteringOutcome, int]:
        """How many results have each outcome (every outcome present, zeros included)."""
        counts = dict.fromkeys(MeteringOutcome, 0)
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when every record succeeded (an empty report is ok)."""
        return all(result.ok for result in self.results)

    def __len__(self) -> int:
        return len(self.results)

    def raise_for_failures(self) -> Self:
        """Raise :class:`MeteringFailuresError` unless every record succeeded.

        Returns the report itself when all succeeded, for chaining.

        Example:
            >>> BatchMeterReport(results=[]).raise_for_failures().ok
            True
        """
        if self.ok:
            return self
        summary = ", ".join(
            f"{outcome.name.lower()}={count}"
            for outcome, count in self.counts.items()
            if count and outcome is not MeteringOutcome.SUCCESS
        )
        raise MeteringFailuresError(
            f"BatchMeterUsage: {len(self.failed)} of {len(self.results)} records were not "
            f"metered ({summary})",
            self,
        )


class MeterUsageResult(ResponseModel):
    """The answer to one MeterUsage call.

    Example:
        >>> MeterUsageResult(metering_record_id="mr-1", client_token="t-1").metering_record_id
        'mr-1'
    """

    metering_record_id: str | None = None
    """The service's MeteringRecordId (``None`` for a dry run)."""
    client_token: str
    """The ClientToken sent on every attempt; replay with it to stay idempotent."""
    dry_run: bool = False
    """True when this was a permissions check (``dry_run=True``) that would have succeeded."""


class ResolvedCustomer(ResponseModel):
    """Who a registration token belongs to.

    Example:
        >>> ResolvedCustomer.from_wire({"CustomerIdentifier": "", "ProductCode": "p",
        ...     "CustomerAWSAccountId": "123456789012", "Metadata": {"AgreementId": "agmt-1"}}
        ... ).agreement_id
        'agmt-1'
    """

    customer_identifier: str | None = None
    """The legacy buyer id (``None`` for new integrations, where the service sends "")."""
    customer_aws_account_id: str | None = None
    """The buyer's AWS account id."""
    product_code: str | None = None
    """The product the buyer subscribed to."""
    license_arn: str | None = None
    """The buyer's license (new integrations)."""
    agreement_id: str | None = None
    """The Marketplace agreement the buyer accepted."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ResolvedCustomer:
        """Read a ResolveCustomer response."""
        metadata = wire.get("Metadata") or {}
        return cls(
            customer_identifier=wire.get("CustomerIdentifier") or None,
            customer_aws_account_id=wire.get("CustomerAWSAccountId") or None,
            product_code=wire.get("ProductCode") or None,
            license_arn=wire.get("LicenseArn") or None,
            agreement_id=metadata.get("AgreementId") or None,
        )


class RegisterUsageResult(ResponseModel):
    """The answer to RegisterUsage.

    Example:
        >>> RegisterUsageResult.from_wire({"Signature": "eyJ..."}).public_key_rotation_timestamp
    """

    signature: str = Field(repr=False)
    """The JWT to verify with the AWS Marketplace public key (kept out of repr)."""
    public_key_rotation_timestamp: WireDatetime | None = None
    """Present only when the public key version has expired."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> RegisterUsageResult:
        """Read a RegisterUsage response (timestamps raw or parsed)."""
        return cls(
            signature=wire.get("Signature") or "",
            public_key_rotation_timestamp=wire.get("PublicKeyRotationTimestamp"),
        )
