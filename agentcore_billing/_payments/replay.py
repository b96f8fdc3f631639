"""A replayed ``CreatePaymentSession`` whose session is gone says so.

The service answers a client token it has seen with the stored result, also after
the session was deleted: a replay would hand back a session that no longer exists.
When the caller supplied the token and the session is older than the call (so the
answer may be a stored one), the session is read back once; not finding it raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from agentcore_billing._core.errors import ResourceNotFoundError, ServiceError

from .models.session import PaymentSession

_log = logging.getLogger(__name__)

REPLAY_SLACK = timedelta(seconds=1)
"""How much older than the call a session must be to count as a possible replay
(service timestamps may be truncated to the second)."""


def confirm_replayed_session(
    session: PaymentSession, *, started: datetime, read: Callable[[str], object]
) -> None:
    """Raise ``ResourceNotFoundError`` when a replayed session no longer exists.

    Example:
        >>> from datetime import timezone
        >>> now = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
        >>> fresh = PaymentSession.from_wire({
        ...     "paymentSessionId": "payment-session-abcdefghijklmno",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "userId": "u", "expiryTimeInMinutes": 60,
        ...     "createdAt": now, "updatedAt": now})
        >>> confirm_replayed_session(fresh, started=now, read=print)  # new: not read back
    """
    if session.created_at >= started - REPLAY_SLACK:
        return
    try:
        read(session.payment_session_id)
    except ResourceNotFoundError as err:
        raise _gone(session, err) from err
    except ServiceError as err:  # the session was created: an unsure check changes nothing
        _log.debug("could not read back replayed session %s: %s", session.payment_session_id, err)


def _gone(session: PaymentSession, err: ResourceNotFoundError) -> ResourceNotFoundError:
    return ResourceNotFoundError(
        operation="CreatePaymentSession",
        code=err.code,
        message=(
            f"the client token replays session {session.payment_session_id} "
            f"(created {session.created_at.isoformat()}), which no longer exists "
            "(deleted); create a new session with a new client token"
        ),
        http_status=err.http_status,
        request_id=err.request_id,
        client_token=session.client_token,
    )
