"""The lifetime of a ``payment_session()`` block: create, yield, always delete.

A session lives up to 480 minutes and holds a spending cap, so the block must not
leave one behind: not when the block raises, and not when the create's answer was
lost (the session may exist although the caller never learnt its id). In that case
the create is replayed once with the same client token, which returns the session
the lost attempt made, and that session is deleted before the error is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agentcore_billing._core.errors import ResourceNotFoundError, ServiceError

from .models.session import PaymentSession

logger = logging.getLogger(__name__)

Create = Callable[[str | None], PaymentSession]
"""Create the session with the given client token (``None`` mints one)."""
Delete = Callable[[str], object]
"""Delete the session with the given id."""


@contextmanager
def deleted_after(
    create: Create, delete: Delete, client_token: str | None
) -> Iterator[PaymentSession]:
    """Create a session, yield it, delete it on leaving (see the module docstring).

    Example:
        >>> made = PaymentSession.model_validate({
        ...     "paymentSessionId": "payment-session-abcdefghij12345",
        ...     "paymentManagerArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:"
        ...                          "payment-manager/shop-abcdef1234",
        ...     "userId": "user-1", "expiryTimeInMinutes": 30,
        ...     "createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z"})
        >>> deleted: list[str] = []
        >>> with deleted_after(lambda token: made, deleted.append, None) as session:
        ...     pass
        >>> deleted == [made.payment_session_id]
        True
    """
    session = _create_or_clean_up(create, delete, client_token)
    try:
        yield session
    except BaseException as body_error:
        _discard(delete, session.payment_session_id, body_error)
        raise
    _discard(delete, session.payment_session_id, None)


def _create_or_clean_up(create: Create, delete: Delete, client_token: str | None) -> PaymentSession:
    try:
        return create(client_token)
    except ServiceError as err:
        if not err.outcome_unknown or err.client_token is None:
            raise
        _clean_up_lost_create(create, delete, err)
        raise


def _clean_up_lost_create(create: Create, delete: Delete, err: ServiceError) -> None:
    # A replay with the same token answers with the session the lost attempt made
    # (or makes it now); either way the block never runs, so delete it.
    try:
        replayed = create(err.client_token)
        delete(replayed.payment_session_id)
    except Exception as cleanup_error:
        logger.warning(
            "a payment session may exist (client token %s) and could not be deleted: %s",
            err.client_token,
            cleanup_error,
        )
        _note(
            err,
            f"a payment session may exist under client token {err.client_token}; "
            f"deleting it failed: {cleanup_error}",
        )
        return
    logger.info(
        "deleted payment session %s whose create answer was lost", replayed.payment_session_id
    )
    _note(err, f"the session the lost attempt created ({replayed.payment_session_id}) was deleted")


def _discard(delete: Delete, payment_session_id: str, body_error: BaseException | None) -> None:
    try:
        delete(payment_session_id)
    except ResourceNotFoundError:
        logger.debug("payment session %s was already gone at exit", payment_session_id)
    except Exception as delete_error:
        if body_error is None:
            raise
        # The block's own exception is the one the caller needs to see.
        logger.warning(
            "could not delete payment session %s after the block raised: %s",
            payment_session_id,
            delete_error,
        )
        _note(
            body_error, f"deleting payment session {payment_session_id} also failed: {delete_error}"
        )


def _note(error: BaseException, text: str) -> None:
    add_note = getattr(error, "add_note", None)  # Python 3.11+
    if callable(add_note):
        add_note(text)
