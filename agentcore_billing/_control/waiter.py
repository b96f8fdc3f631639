"""Waiting for a control-plane resource to become READY (or to be gone).

botocore ships no waiters for payment managers and connectors. This one polls with
capped exponential back-off through the facade's injected ``sleep`` and
``monotonic`` and stops at the first status that settles the question: READY
returns; every other status that is not in progress raises
:class:`ResourceNotReadyError` at once (failures, authentication problems, a
missing Marketplace subscription, a connector waiting for OAuth consent). A status
the library does not know is treated as final too, so nothing spins until the
timeout on a state the service added later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from agentcore_billing._core.clock import Monotonic, Sleep
from agentcore_billing._core.errors import InvalidInputError, ResourceNotReadyError

READY = "READY"

IN_PROGRESS: frozenset[str] = frozenset({"CREATING", "UPDATING", "PROVISIONING"})
"""Statuses that are on their way somewhere: keep polling."""

TERMINAL_REASONS: dict[str, str] = {
    "CREATE_FAILED": "the service could not create it",
    "UPDATE_FAILED": "the service could not apply the last update",
    "DELETE_FAILED": "the service could not delete it",
    "DELETING": "it is being deleted",
    "AUTHENTICATION_FAILED": (
        "the wallet provider refused the connector's credentials; correct them "
        "(update_payment_credential_provider) and update the connector"
    ),
    "AUTHENTICATION_EXPIRED": (
        "the connector's provider authentication expired; authenticate it again"
    ),
    "AWS_MARKETPLACE_SUBSCRIPTION_REQUIRED": (
        "the account needs an AWS Marketplace subscription for this provider; "
        "subscribe, then update or re-create the connector"
    ),
    "PENDING_AUTHENTICATION": (
        "waiting for OAuth consent: open the connector's authorization_url, then wait again"
    ),
}
"""Every known final status other than READY, with what it means for the caller."""

TERMINAL: frozenset[str] = frozenset(TERMINAL_REASONS)
"""The known statuses ``wait_until_ready`` raises on at once."""


class HasStatus(Protocol):
    """Anything with a ``status`` (managers, connectors and their summaries)."""

    @property
    def status(self) -> str: ...


R = TypeVar("R", bound=HasStatus)


@dataclass(frozen=True)
class Backoff:
    """Polling intervals: ``initial`` seconds, times ``factor`` each poll, at most ``cap``.

    Example:
        >>> list(Backoff(initial=1.0, factor=2.0, cap=5.0).delays(5))
        [1.0, 2.0, 4.0, 5.0, 5.0]
    """

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 10.0

    def delays(self, count: int) -> list[float]:
        """The first ``count`` intervals."""
        out: list[float] = []
        delay = self.initial
        for _ in range(count):
            out.append(delay)
            delay = min(delay * self.factor, self.cap)
        return out


def reason_for(status: str) -> str:
    """What a final status means (statuses the library does not know say so).

    Example:
        >>> reason_for("CREATE_FAILED")
        'the service could not create it'
    """
    return TERMINAL_REASONS.get(status, "the service reports a status this library does not know")


def check_timeout(timeout: float) -> float:
    """``timeout`` if it is a finite number of seconds >= 0, else InvalidInputError."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidInputError("timeout", "must be a number of seconds", type(timeout).__name__)
    if not 0 <= timeout < float("inf"):
        raise InvalidInputError("timeout", "must be a finite number of seconds >= 0", repr(timeout))
    return float(timeout)


def poll_until_ready(
    read: Callable[[], R],
    *,
    timeout: float,
    sleep: Sleep,
    monotonic: Monotonic,
    backoff: Backoff = Backoff(),
    on_poll: Callable[[R], None] | None = None,
) -> R:
    """Read until READY; raise ResourceNotReadyError on a final status or at ``timeout``."""
    started = monotonic()
    delay = backoff.initial
    while True:
        resource = read()
        if on_poll is not None:
            on_poll(resource)
        status = resource.status
        if status == READY:
            return resource
        if status not in IN_PROGRESS:
            raise ResourceNotReadyError(status, resource, reason_for(status))
        remaining = timeout - (monotonic() - started)
        if remaining <= 0:
            raise ResourceNotReadyError(
                status, resource, f"still {status} after the {timeout:g} s timeout"
            )
        sleep(min(delay, remaining))
        delay = min(delay * backoff.factor, backoff.cap)


def poll_until_gone(
    read: Callable[[], R | None],
    *,
    timeout: float,
    sleep: Sleep,
    monotonic: Monotonic,
    backoff: Backoff = Backoff(),
) -> None:
    """Read until the resource is gone (``read`` returns None); raise if deletion fails."""
    started = monotonic()
    delay = backoff.initial
    while True:
        resource = read()
        if resource is None:
            return
        status = resource.status
        if status == "DELETE_FAILED":
            raise ResourceNotReadyError(status, resource, reason_for(status))
        remaining = timeout - (monotonic() - started)
        if remaining <= 0:
            raise ResourceNotReadyError(
                status, resource, f"still {status} (not deleted) after the {timeout:g} s timeout"
            )
        sleep(min(delay, remaining))
        delay = min(delay * backoff.factor, backoff.cap)
