"""What ``process_payment`` takes and returns: x402 and MPP payments.

x402 payloads and MPP credentials are secrets: they are held as ``pydantic.Secret``
values and never appear in reprs, logs or error messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import ConfigDict, Field, Secret, SecretStr, field_validator
from typing_extensions import Self

from agentcore_billing._core.errors import AgentCoreBillingError
from agentcore_billing._core.models import ResponseModel, WireDatetime

from .enums import (
    AWS_BILLING_INSTRUMENT,
    WWW_AUTHENTICATE,
    PaymentStatus,
    PaymentType,
    Permit2Limit,
    SecretInputModel,
    Version,
    drop_none,
)


class X402Payment(SecretInputModel):
    """An x402 payment: the payment requirements signed into a payload.

    Example:
        >>> payment = X402Payment(version="2", payload={"scheme": "exact"})
        >>> payment
        X402Payment(version='2', payload=Secret('**********'), permit2_allowance_limit=None)
        >>> payment.payment_type
        'CRYPTO_X402'
    """

    payment_type: ClassVar[PaymentType] = "CRYPTO_X402"
    wire_key: ClassVar[str] = "cryptoX402"
    version: Version
    """The x402 protocol version (``x402Version``): an int such as ``2`` or digits ``"2"``."""
    payload: Secret[dict[str, Any]]
    """The x402 payment payload document (secret)."""
    permit2_allowance_limit: Permit2Limit | None = Field(
        default=None,
        validation_alias="permit2AllowanceLimit",
        serialization_alias="permit2AllowanceLimit",
    )
    """Permit2 allowance to approve first, in the asset's smallest unit ("upto" scheme only)."""

    if TYPE_CHECKING:  # a plain dict is accepted and wrapped as a secret

        def __init__(
            self,
            *,
            version: str | int,
            payload: dict[str, Any] | Secret[dict[str, Any]],
            permit2_allowance_limit: str | None = None,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``CryptoX402PaymentInput`` body."""
        return drop_none(
            {
                "version": self.version,
                "payload": self.payload.get_secret_value(),
                "permit2AllowanceLimit": self.permit2_allowance_limit,
            }
        )


class MppPayment(SecretInputModel):
    """An MPP payment: answers one ``WWW-Authenticate: Payment`` challenge of a 402.

    Example:
        >>> payment = MppPayment(version="1", www_authenticate_headers=['Payment id="c1"'])
        >>> payment.payment_type, payment.to_wire()["buyerPaysGasFees"]
        ('MPP', False)
    """

    payment_type: ClassVar[PaymentType] = "MPP"
    wire_key: ClassVar[str] = "mpp"
    version: Version
    """The MPP protocol version, e.g. ``"1"``."""
    www_authenticate_headers: Sequence[str] = Field(
        validation_alias="wwwAuthenticateHeaders", serialization_alias="wwwAuthenticateHeaders"
    )
    """Exactly one raw ``WWW-Authenticate: Payment`` header value, passed verbatim."""
    buyer_pays_gas_fees: bool = Field(
        default=False, validation_alias="buyerPaysGasFees", serialization_alias="buyerPaysGasFees"
    )
    """Allow network (gas) fees the challenge does not sponsor to be charged to the wallet."""

    @field_validator("www_authenticate_headers", mode="after")
    @classmethod
    def _exactly_one(cls, value: Sequence[str]) -> Sequence[str]:
        if isinstance(value, str) or len(value) != 1:
            count = "a str" if isinstance(value, str) else f"{len(value)} headers"
            raise ValueError(f"exactly one WWW-Authenticate header is required (got {count})")
        problem = WWW_AUTHENTICATE.problem(value[0])
        if problem is not None:
            raise ValueError(f"{problem} (got {WWW_AUTHENTICATE.shown(value[0])})")
        return tuple(value)

    def to_wire(self) -> dict[str, Any]:
        """The ``MppPaymentInput`` body."""
        return {
            "version": self.version,
            "wwwAuthenticateHeaders": list(self.www_authenticate_headers),
            "buyerPaysGasFees": self.buyer_pays_gas_fees,
        }


class DpopKey(SecretInputModel):
    """The agent's EC public key (RFC 9449 DPoP) an AWS Billing payment token is bound to.

    Example:
        >>> DpopKey(crv="P-256", x="A" * 43, y="B" * 43).to_wire()["kty"]
        'EC'
    """

    kty: Literal["EC"] = "EC"
    """The key type (only ``EC``)."""
    crv: Literal["P-256", "P-384", "P-521"]
    """The elliptic curve."""
    x: str = Field(min_length=43, max_length=128)
    """The x coordinate, base64url."""
    y: str = Field(min_length=43, max_length=128)
    """The y coordinate, base64url."""

    def to_wire(self) -> dict[str, str]:
        """The ``DpopJwk`` structure."""
        return {"kty": self.kty, "crv": self.crv, "x": self.x, "y": self.y}


class AwsBillingX402Payment(SecretInputModel):
    """An x402 payment billed to the AWS account (``AWS_BILLING_X402``).

    Pay with the service-managed instrument ``aws.agentcorepayments.awsbilling.v1``;
    ``payload`` is the seller's payment requirement, unchanged (its
    ``extra.quoteToken`` is the seller-signed quote).

    Example:
        >>> payment = AwsBillingX402Payment(version=2, payload={"extra": {"quoteToken": "q"}})
        >>> payment.payment_type, payment.to_wire()["version"]
        ('AWS_BILLING_X402', '2')
    """

    payment_type: ClassVar[PaymentType] = "AWS_BILLING_X402"
    wire_key: ClassVar[str] = "awsBillingX402"
    instrument_id: ClassVar[str] = AWS_BILLING_INSTRUMENT
    version: Version
    """The x402 version of the seller's 402 (``x402Version``)."""
    payload: Secret[dict[str, Any]]
    """The seller's payment requirement, passed unchanged (secret)."""
    dpop_key: DpopKey | None = None
    """Bind the payment token to this public key (optional)."""

    if TYPE_CHECKING:

        def __init__(
            self,
            *,
            version: str | int,
            payload: dict[str, Any] | Secret[dict[str, Any]],
            dpop_key: DpopKey | None = None,
        ) -> None: ...

    def to_wire(self) -> dict[str, Any]:
        """The ``AwsBillingX402PaymentInput`` body."""
        wire: dict[str, Any] = {"version": self.version, "payload": self.payload.get_secret_value()}
        if self.dpop_key is not None:
            wire["options"] = {"dpopJwk": self.dpop_key.to_wire()}
        return wire


PaymentInput = X402Payment | MppPayment | AwsBillingX402Payment
"""What ``process_payment`` accepts; the payment type follows from the class."""


class X402PaymentOutput(ResponseModel):
    """The signed x402 payment: send ``payload`` to the seller (secret)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    version: str
    """The x402 protocol version."""
    payload: Secret[dict[str, Any]]
    """The signed x402 payload document (secret)."""


class MppPaymentOutput(ResponseModel):
    """The MPP credential: retry the original request with it as ``Authorization``."""

    model_config = ConfigDict(hide_input_in_errors=True)

    version: str
    """The MPP protocol version."""
    selected_payment_id: str = Field(
        validation_alias="selectedPaymentId", serialization_alias="selectedPaymentId"
    )
    """The id of the challenge that was paid."""
    payment_credential: SecretStr = Field(
        validation_alias="paymentCredential", serialization_alias="paymentCredential"
    )
    """The ``Authorization`` header value, ``Payment <token>`` (secret)."""


class AwsBillingX402PaymentOutput(ResponseModel):
    """The AWS Billing payment token: send it to the seller (a signed JWT, secret)."""

    model_config = ConfigDict(hide_input_in_errors=True)

    version: str
    """The x402 version, as in the request."""
    payment_token: SecretStr = Field(
        validation_alias="paymentToken", serialization_alias="paymentToken"
    )
    """The Marketplace-signed payment token (secret)."""


PaymentOutput = X402PaymentOutput | MppPaymentOutput | AwsBillingX402PaymentOutput
"""What a processed payment produced; the class follows the payment type."""


class PaymentResult(ResponseModel):
    """The outcome of ``process_payment``.

    Example:
        >>> result = PaymentResult.from_wire({
        ...     "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "paymentSessionId": "payment-session-abcdefghijklmno",
        ...     "paymentInstrumentId": "payment-instrument-abcdefghijklmno",
        ...     "paymentType": "MPP", "status": "PROOF_GENERATED",
        ...     "paymentOutput": {"mpp": {"version": "1", "selectedPaymentId": "c1",
        ...                               "paymentCredential": "Payment abc"}},
        ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z"})
        >>> result.mpp.payment_credential
        SecretStr('**********')
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    process_payment_id: str = Field(
        validation_alias="processPaymentId", serialization_alias="processPaymentId"
    )
    """The id of the processed payment."""
    payment_manager_arn: str = Field(
        validation_alias="paymentManagerArn", serialization_alias="paymentManagerArn"
    )
    """The payment manager that processed it."""
    payment_session_id: str = Field(
        validation_alias="paymentSessionId", serialization_alias="paymentSessionId"
    )
    """The session it was charged to."""
    payment_instrument_id: str = Field(
        validation_alias="paymentInstrumentId", serialization_alias="paymentInstrumentId"
    )
    """The instrument that paid."""
    payment_type: PaymentType | str = Field(
        validation_alias="paymentType", serialization_alias="paymentType"
    )
    """How it was paid."""
    status: PaymentStatus | str  # open: the service adds statuses
    """The payment's status."""
    payment_output: PaymentOutput | None = Field(
        default=None, validation_alias="paymentOutput", serialization_alias="paymentOutput"
    )
    """The signed payload or credential; ``None`` for an output kind not known yet."""
    created_at: WireDatetime = Field(validation_alias="createdAt", serialization_alias="createdAt")
    """When the payment was created (UTC)."""
    updated_at: WireDatetime = Field(validation_alias="updatedAt", serialization_alias="updatedAt")
    """When the payment was last updated (UTC)."""
    client_token: str | None = None
    """The client token the request carried; replay with it to repeat exactly once."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any], *, client_token: str | None = None) -> Self:
        """Read a ``ProcessPayment`` response."""
        output = wire.get("paymentOutput") or {}
        data = {key: value for key, value in wire.items() if key != "paymentOutput"}
        data["payment_output"] = _output_from_wire(output)
        data["client_token"] = client_token
        return cls.model_validate(data)

    @property
    def x402(self) -> X402PaymentOutput | None:
        """The x402 output, when the payment was an x402 one."""
        output = self.payment_output
        return output if isinstance(output, X402PaymentOutput) else None

    @property
    def mpp(self) -> MppPaymentOutput | None:
        """The MPP output, when the payment was an MPP one."""
        output = self.payment_output
        return output if isinstance(output, MppPaymentOutput) else None

    @property
    def aws_billing(self) -> AwsBillingX402PaymentOutput | None:
        """The AWS Billing output, when the payment was billed to the AWS account."""
        output = self.payment_output
        return output if isinstance(output, AwsBillingX402PaymentOutput) else None


_OutputT = TypeVar("_OutputT", X402PaymentOutput, MppPaymentOutput, AwsBillingX402PaymentOutput)


def _required(result: PaymentResult, kind: type[_OutputT], wire_key: str) -> _OutputT:
    output = result.payment_output
    if isinstance(output, kind):
        return output
    # The service model requires the output of the payment's type: this is a breach.
    raise AgentCoreBillingError(
        f"ProcessPayment {result.process_payment_id} (paymentType {result.payment_type}) "
        f"answered without the {wire_key} payment output"
    )


class X402PaymentResult(PaymentResult):
    """What ``process_payment`` returns for an :class:`X402Payment`: ``x402`` is set.

    Type checkers see ``result.x402`` as :class:`X402PaymentOutput`, not optional.

    Example:
        >>> result = X402PaymentResult.from_wire({
        ...     "processPaymentId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "paymentSessionId": "payment-session-abcdefghijklmno",
        ...     "paymentInstrumentId": "payment-instrument-abcdefghijklmno",
        ...     "paymentType": "CRYPTO_X402", "status": "PROOF_GENERATED",
        ...     "paymentOutput": {"cryptoX402": {"version": "2", "payload": {"sig": "0x1"}}},
        ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z"})
        >>> result.x402.version
        '2'
    """

    @property
    def x402(self) -> X402PaymentOutput:
        """The signed x402 payment (raises if the service left it out)."""
        return _required(self, X402PaymentOutput, "cryptoX402")


class MppPaymentResult(PaymentResult):
    """What ``process_payment`` returns for an :class:`MppPayment`: ``mpp`` is set.

    Example:
        >>> MppPaymentResult.model_fields.keys() == PaymentResult.model_fields.keys()
        True
    """

    @property
    def mpp(self) -> MppPaymentOutput:
        """The MPP credential (raises if the service left it out)."""
        return _required(self, MppPaymentOutput, "mpp")


class AwsBillingX402PaymentResult(PaymentResult):
    """What ``process_payment`` returns for an :class:`AwsBillingX402Payment`.

    Example:
        >>> AwsBillingX402PaymentResult.aws_billing.__doc__
        'The AWS Billing output (raises if the service left it out).'
    """

    @property
    def aws_billing(self) -> AwsBillingX402PaymentOutput:
        """The AWS Billing output (raises if the service left it out)."""
        return _required(self, AwsBillingX402PaymentOutput, "awsBillingX402")


def result_type_for(payment: object) -> type[PaymentResult]:
    """The result class ``process_payment`` answers ``payment`` with.

    Example:
        >>> result_type_for(MppPayment(version="1", www_authenticate_headers=['Payment id="c"']))
        <class 'agentcore_billing._payments.models.payment.MppPaymentResult'>
    """
    if isinstance(payment, X402Payment):
        return X402PaymentResult
    if isinstance(payment, MppPayment):
        return MppPaymentResult
    if isinstance(payment, AwsBillingX402Payment):
        return AwsBillingX402PaymentResult
    return PaymentResult


def _output_from_wire(output: Mapping[str, Any]) -> PaymentOutput | None:
    x402 = output.get("cryptoX402")
    if isinstance(x402, Mapping):
        return X402PaymentOutput.model_validate(x402)
    mpp = output.get("mpp")
    if isinstance(mpp, Mapping):
        return MppPaymentOutput.model_validate(mpp)
    billing = output.get("awsBillingX402")
    if isinstance(billing, Mapping):
        return AwsBillingX402PaymentOutput.model_validate(billing)
    return None
