"""What both facades share: the boto3 seam, the retry layer and the invoker."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar, cast

from .clock import Clock, Monotonic, Sleep, utc_now
from .engine import Invoker
from .errors import InvalidInputError
from .retry import Retrier, RetryPolicy
from .seam import LazyClient

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

    from .bearer import BearerAuth


ClientT = TypeVar("ClientT")
"""The boto3 client type of a facade (from the ``types-boto3-*`` stubs, type-checking only)."""


class FacadeBase(Generic[ClientT]):
    """Holds one lazily built boto3 client and the call path to it.

    Subclasses set ``service_name`` and name their client type, e.g.
    ``FacadeBase["MarketplaceMeteringClient"]``; constructor keywords are the ones
    documented on the public facades.
    """

    service_name: str = ""
    botocore_validates: ClassVar[bool] = True
    """Whether botocore checks parameters again on clients this facade builds."""

    def __init__(
        self,
        *,
        client: ClientT | None = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        retry: RetryPolicy | None = None,
        config: Config | None = None,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        bearer: BearerAuth | None = None,
    ) -> None:
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInputError("retry", "must be a RetryPolicy or None", type(retry).__name__)
        self._lazy = LazyClient(
            self.service_name,
            client=client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
            bearer=bearer,
            validate_params=self.botocore_validates,
        )
        self._retrier = Retrier(retry, sleep=sleep, monotonic=monotonic, rng=rng)
        self._invoker = Invoker(self._lazy, self._retrier)
        self._clock: Clock = clock or utc_now

    @property
    def client(self) -> ClientT:
        """The underlying boto3 client (the escape hatch); built on first access."""
        return cast("ClientT", self._lazy.get())

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy every call of this facade follows."""
        return self._retrier.policy
