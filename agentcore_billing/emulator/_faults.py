"""Seeded, per-operation fault injection and request-rate quotas.

Each operation owns one ``random.Random`` seeded from ``(seed, operation)``, and
every request draws the same number of values from it in the same order, so a run
with the same seed and the same request sequence injects the same faults.

Precedence for one request: connection reset, then quota throttling, then random
throttling, then a 5xx; otherwise the request runs, and may then be dropped after
commit. ``unprocessed_rate`` only applies to BatchMeterUsage (per record).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from enum import Enum
from types import MappingProxyType

from agentcore_billing._core.clock import Monotonic

from ._models import ALL_OPERATIONS

DEFAULT_QUOTAS: Mapping[str, float | None] = MappingProxyType(
    {"BatchMeterUsage": 10.0, "MeterUsage": 10.0, "RegisterUsage": 5.0}
)
"""Documented request-rate quotas (requests per second, per account and Region)."""

NO_QUOTAS: Mapping[str, float | None] = MappingProxyType(dict.fromkeys(DEFAULT_QUOTAS))
"""Pass as ``quotas=`` to switch every quota off."""

_RATE_FIELDS = (
    "throttle_rate",
    "error_rate",
    "unprocessed_rate",
    "reset_rate",
    "drop_after_commit_rate",
)


class FaultKind(str, Enum):
    """Which fault the emulator injected into a request."""

    THROTTLE = "throttle"
    QUOTA = "quota"
    ERROR = "error"
    RESET = "reset"
    DROP_AFTER_COMMIT = "drop_after_commit"
    UNPROCESSED = "unprocessed"


@dataclass(frozen=True)
class FaultConfig:
    """Fault probabilities for one operation (all zero by default).

    Attributes:
        throttle_rate: Chance of answering ThrottlingException.
        error_rate: Chance of answering a 5xx (InternalServerException /
            InternalServiceErrorException).
        unprocessed_rate: BatchMeterUsage only: chance, per record, that the record
            comes back in ``UnprocessedRecords`` (HTTP 200) and is not stored.
        reset_rate: Chance of closing the connection (RST) without applying the request.
        drop_after_commit_rate: Chance of applying the request, then closing the
            connection without an answer.
        latency: Seconds added to every request (through the injected ``sleep``).

    Example:
        >>> FaultConfig.parse("throttle_rate=0.1,latency=0.005")
        FaultConfig(throttle_rate=0.1, error_rate=0.0, unprocessed_rate=0.0, reset_rate=0.0, \
drop_after_commit_rate=0.0, latency=0.005)
    """

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    unprocessed_rate: float = 0.0
    reset_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        for name in _RATE_FIELDS:
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"FaultConfig.{name} must be within [0, 1], got {rate!r}")
        if not (math.isfinite(self.latency) and self.latency >= 0.0):
            raise ValueError(f"FaultConfig.latency must be >= 0, got {self.latency!r}")

    @classmethod
    def parse(cls, text: str) -> FaultConfig:
        """Build a config from ``"name=value,name=value"`` (empty text: no faults)."""
        known = {field.name for field in fields(cls)}
        values: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(f"unknown fault setting {item!r}; expected one of {sorted(known)}")
            try:
                values[name] = float(raw)
            except ValueError as err:
                raise ValueError(f"fault setting {name!r} needs a number, got {raw!r}") from err
        return replace(cls(), **values)


def parse_fault_specs(specs: Iterable[str]) -> dict[str, FaultConfig]:
    """Parse ``"Operation:name=value,..."`` specs (``*`` names the default for all).

    Specs may also be joined with ``;`` in one string, as a CLI flag would pass them.

    Example:
        >>> parse_fault_specs(["BatchMeterUsage:throttle_rate=0.5", "*:latency=0.01"])["*"].latency
        0.01
    """
    parsed: dict[str, FaultConfig] = {}
    for spec in (part.strip() for text in specs for part in text.split(";")):
        if not spec:
            continue
        operation, sep, settings = spec.partition(":")
        operation = operation.strip()
        if not sep:
            raise ValueError(f"fault spec {spec!r} must look like 'Operation:name=value,...'")
        check_operation(operation, allow_default=True)
        parsed[operation] = FaultConfig.parse(settings)
    return parsed


def parse_quotas(specs: Iterable[str]) -> dict[str, float | None]:
    """Parse ``"Operation=rate"`` quota overrides (``none`` removes a quota).

    Example:
        >>> parse_quotas(["BatchMeterUsage=25", "MeterUsage=none"])
        {'BatchMeterUsage': 25.0, 'MeterUsage': None}
    """
    quotas: dict[str, float | None] = {}
    for spec in (part.strip() for text in specs for part in text.split(",")):
        if not spec:
            continue
        operation, sep, raw = (item.strip() for item in spec.partition("="))
        if not sep:
            raise ValueError(f"quota {spec!r} must look like 'Operation=rate' or 'Operation=none'")
        check_operation(operation)
        try:
            rate = None if raw.lower() == "none" else float(raw)
        except ValueError as err:
            raise ValueError(f"quota {spec!r} needs a number or 'none'") from err
        if rate is not None and not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"quota {spec!r} must be a positive rate")
        quotas[operation] = rate
    return quotas


def check_operation(name: str, *, allow_default: bool = False) -> None:
    """Raise ValueError unless ``name`` is an emulated operation (or ``*``)."""
    if name == "*" and allow_default:
        return
    if name not in ALL_OPERATIONS:
        raise ValueError(f"unknown operation {name!r}; expected one of {sorted(ALL_OPERATIONS)}")


class TokenBucket:
    """A token bucket refilled at ``rate`` tokens per second, holding at most one second's worth.

    Example:
        >>> now = [0.0]
        >>> bucket = TokenBucket(2.0, lambda: now[0])
        >>> [bucket.try_acquire() for _ in range(3)]
        [True, True, False]
        >>> now[0] = 0.5
        >>> bucket.try_acquire()
        True
    """

    def __init__(self, rate: float, monotonic: Monotonic) -> None:
        if rate <= 0:
            raise ValueError(f"quota rate must be > 0, got {rate!r}")
        self._rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._monotonic = monotonic
        self._last = monotonic()

    def try_acquire(self) -> bool:
        """Take one token if available."""
        now = self._monotonic()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class FaultDecision:
    """What the injector decided for one request."""

    latency: float = 0.0
    reset: bool = False
    quota_exceeded: bool = False
    throttle: bool = False
    error: bool = False
    drop_after_commit: bool = False

    @property
    def before_commit(self) -> FaultKind | None:
        """The fault that replaces the request entirely, if any."""
        if self.reset:
            return FaultKind.RESET
        if self.quota_exceeded:
            return FaultKind.QUOTA
        if self.throttle:
            return FaultKind.THROTTLE
        if self.error:
            return FaultKind.ERROR
        return None


class FaultInjector:
    """Thread-safe holder of fault configs, quotas and the per-operation random streams."""

    def __init__(
        self,
        *,
        seed: int | str | None,
        faults: Mapping[str, FaultConfig],
        quotas: Mapping[str, float | None],
        monotonic: Monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._monotonic = monotonic
        self._faults: dict[str, FaultConfig] = {}
        self._rates: dict[str, float] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._rngs: dict[str, random.Random] = {}
        self.set_faults(faults)
        for operation, rate in {**DEFAULT_QUOTAS, **quotas}.items():
            self.set_quota(operation, rate)
        self.reset()

    def set_faults(self, faults: Mapping[str, FaultConfig]) -> None:
        """Replace every fault config (key ``*`` is the default for other operations)."""
        for operation in faults:
            check_operation(operation, allow_default=True)
        with self._lock:
            self._faults = dict(faults)

    def set_quota(self, operation: str, rate: float | None) -> None:
        """Set (or with None remove) the request-rate quota of ``operation``."""
        check_operation(operation)
        with self._lock:
            self._rates.pop(operation, None)
            self._buckets.pop(operation, None)
            if rate is not None:
                self._buckets[operation] = TokenBucket(rate, self._monotonic)
                self._rates[operation] = rate

    def config_for(self, operation: str) -> FaultConfig:
        """The config that applies to ``operation``."""
        with self._lock:
            return self._faults.get(operation) or self._faults.get("*") or FaultConfig()

    def reset(self) -> None:
        """Restart every random stream from the seed and refill every bucket."""
        with self._lock:
            self._rngs = {op: random.Random(f"{self._seed}:{op}") for op in ALL_OPERATIONS}
            self._buckets = {
                op: TokenBucket(rate, self._monotonic) for op, rate in self._rates.items()
            }

    def decide(self, operation: str) -> FaultDecision:
        """Draw the faults for one request of ``operation``."""
        config = self.config_for(operation)
        with self._lock:
            draws = [self._rngs[operation].random() for _ in range(4)]
            reset = draws[0] < config.reset_rate
            bucket = self._buckets.get(operation)
            quota_exceeded = not reset and bucket is not None and not bucket.try_acquire()
        return FaultDecision(
            latency=config.latency,
            reset=reset,
            quota_exceeded=quota_exceeded,
            throttle=draws[1] < config.throttle_rate,
            error=draws[2] < config.error_rate,
            drop_after_commit=draws[3] < config.drop_after_commit_rate,
        )

    def unprocessed_mask(self, operation: str, count: int) -> list[bool]:
        """Per record of a batch: True when the record is to come back unprocessed."""
        rate = self.config_for(operation).unprocessed_rate
        with self._lock:
            rng = self._rngs[operation]
            return [rng.random() < rate for _ in range(count)]
