"""Payment sessions as the service returns them.

A session caps what an agent may spend within a time window. The models keep the
service's camelCase names as aliases and read the wire shape in ``from_wire`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, PrivateAttr

from agentcore_billing._core.clock import Clock, utc_now
from agentcore_billing._core.errors import InvalidInputError
from agentcore_billing._core.models import ResponseModel, WireDatetime
from agentcore_billing._core.money import Money


class PaymentSessionSummary(ResponseModel):
    """One entry of ``list_payment_sessions()``.

    Example:
        >>> summary = PaymentSessionSummary.from_wire({
        ...     "paymentSessionId": "payment-session-abcdefghijklmno",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "userId": "user-1", "expiryTimeInMinutes": 60,
        ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z"})
        >>> summary.expires_at.isoformat()
        '2026-11-23T11:00:00+00:00'
    """

    payment_session_id: str = Field(
        validation_alias="paymentSessionId", serialization_alias="paymentSessionId"
    )
    """The session id, ``payment-session-`` and 15 more characters."""
    payment_manager_arn: str = Field(
        validation_alias="paymentManagerArn", serialization_alias="paymentManagerArn"
    )
    """The payment manager the session belongs to."""
    user_id: str = Field(validation_alias="userId", serialization_alias="userId")
    """The end user the session was created for."""
    expiry_time_in_minutes: int = Field(
        validation_alias="expiryTimeInMinutes", serialization_alias="expiryTimeInMinutes"
    )
    """Minutes from ``created_at`` until the session expires."""
    created_at: WireDatetime = Field(validation_alias="createdAt", serialization_alias="createdAt")
    """When the session was created (UTC)."""
    updated_at: WireDatetime = Field(validation_alias="updatedAt", serialization_alias="updatedAt")
    """When the session was last updated (UTC)."""

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> PaymentSessionSummary:
        """Read one ``PaymentSessionSummary`` of a ``ListPaymentSessions`` page."""
        return cls.model_validate(wire)

    @property
    def expires_at(self) -> datetime:
        """When the session expires: ``created_at`` plus the expiry time."""
        return self.created_at + timedelta(minutes=self.expiry_time_in_minutes)


class PaymentSession(PaymentSessionSummary):
    """A payment session: a spending window for one user, with an optional cap.

    It has every field of :class:`PaymentSessionSummary`, plus the limits and token.

    Example:
        >>> from datetime import datetime, timezone
        >>> session = PaymentSession.from_wire({
        ...     "paymentSessionId": "payment-session-abcdefghijklmno",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "userId": "user-1", "expiryTimeInMinutes": 60,
        ...     "limits": {"maxSpendAmount": {"value": "5.00", "currency": "USD"}},
        ...     "availableLimits": {"availableSpendAmount": {"value": "3.75", "currency": "USD"}},
        ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:05:00Z"})
        >>> str(session.spent)
        '1.25 USD'
        >>> session.is_expired(datetime(2026, 11, 23, 11, tzinfo=timezone.utc))
        True
    """

    max_spend: Money | None = None
    """The spending cap (wire: ``limits.maxSpendAmount``); ``None`` when uncapped."""
    available_spend: Money | None = None
    """What is left to spend (wire: ``availableLimits.availableSpendAmount``)."""
    available_spend_updated_at: WireDatetime | None = None
    """When ``available_spend`` was last updated (wire: ``availableLimits.updatedAt``)."""
    client_token: str | None = None
    """The client token this library sent when it created the session, else ``None``."""

    _clock: Clock | None = PrivateAttr(default=None)

    @classmethod
    def from_wire(
        cls,
        wire: Mapping[str, Any],
        *,
        client_token: str | None = None,
        clock: Clock | None = None,
    ) -> PaymentSession:
        """Read the service's ``PaymentSession`` shape.

        Args:
            wire: the ``paymentSession`` member of a response.
            client_token: the token sent with the request that created it, if any.
            clock: the wall clock :meth:`is_expired` uses when given no time.
        """
        limits = wire.get("limits") or {}
        available = wire.get("availableLimits") or {}
        max_spend = limits.get("maxSpendAmount")
        available_spend = available.get("availableSpendAmount")
        session = cls.model_validate(
            {
                "payment_session_id": wire.get("paymentSessionId"),
                "payment_manager_arn": wire.get("paymentManagerArn"),
                "user_id": wire.get("userId"),
                "expiry_time_in_minutes": wire.get("expiryTimeInMinutes"),
                "created_at": wire.get("createdAt"),
                "updated_at": wire.get("updatedAt"),
                "max_spend": Money.from_wire(max_spend) if max_spend else None,
                "available_spend": Money.from_wire(available_spend) if available_spend else None,
                "available_spend_updated_at": available.get("updatedAt"),
                "client_token": client_token,
            }
        )
        session._clock = clock
        return session

    @property
    def spent(self) -> Money | None:
        """``max_spend - available_spend``, or ``None`` unless both are known."""
        if self.max_spend is None or self.available_spend is None:
            return None
        return self.max_spend - self.available_spend

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the session has expired at ``now``.

        Args:
            now: a timezone-aware time; by default the clock of the client that
                returned this session, or the current UTC time.

        Example:
            >>> from datetime import datetime, timezone
            >>> session = PaymentSession.from_wire({
            ...     "paymentSessionId": "payment-session-abcdefghijklmno",
            ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
            ...                          "payment-manager/shop-abcdef1234",
            ...     "userId": "u", "expiryTimeInMinutes": 15,
            ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z"})
            >>> session.is_expired(datetime(2026, 11, 23, 10, 14, tzinfo=timezone.utc))
            False
        """
        if now is None:
            now = (self._clock or utc_now)()
        elif now.tzinfo is None or now.utcoffset() is None:
            raise InvalidInputError("now", "must be timezone-aware", repr(now))
        return now >= self.expires_at
