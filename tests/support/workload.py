"""A seeded batch-metering workload with a known expected outcome for every record.

Customers (license-based and legacy, a few unsubscribed) times dimensions times hours
give unique usage cells; into those go exact duplicates, same-hour conflicts, records
the library refuses locally, and *poison* records that pass the client's checks but
that the service refuses as out of window (the whole request fails, so the library
must bisect to isolate them):

* stale poison: 24h..24h30m old. The client is given a 25-hour window, as a client
  whose clock runs slow would effectively have, so they are sent;
* future poison: 1..4 minutes ahead, inside the client's default clock-skew allowance
  but refused by the service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from agentcore_billing import MeteringOutcome, UsageAllocation, UsageRecord
from agentcore_billing.emulator import Emulator
from tests.support.emulated import NOW

SAAS_PRODUCT = "rely-saas-product"
LEGACY_PRODUCT = "rely-legacy-product"
DIMENSIONS = ("tokens", "requests", "gb_hours", "calls", "seats")
GOOD_HOURS = range(1, 24)  # hour starts 1..23 hours before NOW's hour: all under 24h old
HOUR_START = NOW.replace(minute=0, second=0, microsecond=0)

Identity = tuple[str, str, datetime]
"""(buyer, dimension, timestamp): who, what and when one record bills."""


@dataclass(frozen=True)
class Buyer:
    """One customer of the workload."""

    account: str
    license_arn: str | None
    identifier: str | None
    subscribed: bool

    @property
    def key(self) -> str:
        """How the emulator's accepted records name this buyer."""
        return self.identifier or self.account

    def fields(self) -> dict[str, Any]:
        """The buyer fields of a UsageRecord."""
        if self.identifier is not None:
            return {"customer_identifier": self.identifier}
        return {"customer_aws_account_id": self.account, "license_arn": self.license_arn}


@dataclass
class Workload:
    """Inputs in order, what each must become, and the poison records among them."""

    inputs: list[Any] = field(default_factory=list)
    expected: list[MeteringOutcome] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    buyers: list[Buyer] = field(default_factory=list)

    def indices(self, kind: str) -> list[int]:
        """Input positions of one kind (``good``, ``poison``, ``duplicate``, ...)."""
        return [index for index, k in enumerate(self.kinds) if k == kind]


def identity_of(record: UsageRecord) -> Identity:
    """The identity of an input record."""
    buyer = record.customer_identifier or str(record.customer_aws_account_id)
    return buyer, record.dimension, record.timestamp


def wire_identity(wire: dict[str, Any]) -> Identity:
    """The identity of a record as the emulator received it."""
    buyer = wire.get("CustomerIdentifier") or wire["CustomerAWSAccountId"]
    return str(buyer), str(wire["Dimension"]), wire["Timestamp"]


def make_buyers(licensed: int, legacy: int, unsubscribed_every: int) -> list[Buyer]:
    """License-based then legacy buyers; every ``unsubscribed_every``-th is not subscribed."""
    buyers = []
    for n in range(licensed + legacy):
        account = f"{900000000000 + n:012d}"
        subscribed = n % unsubscribed_every != unsubscribed_every - 1
        if n < licensed:
            arn = f"arn:aws:license-manager::{account}:license:l-{n:032x}"
            buyers.append(Buyer(account, arn, None, subscribed))
        else:
            buyers.append(Buyer(account, None, f"rely-legacy-{n}", subscribed))
    return buyers


def seed_customers(emu: Emulator, buyers: list[Buyer]) -> None:
    """Subscribe the buyers to the workload's products in the emulator."""
    for buyer in buyers:
        emu.add_customer(
            customer_aws_account_id=buyer.account,
            product_code=LEGACY_PRODUCT if buyer.identifier else SAAS_PRODUCT,
            license_arn=buyer.license_arn,
            customer_identifier=buyer.identifier,
            dimensions=DIMENSIONS,
            subscribed=buyer.subscribed,
        )


def _quantity(rng: random.Random) -> int | Decimal:
    if rng.random() < 0.2:
        return Decimal(rng.randrange(1, 10**9)) / Decimal(1000)
    return rng.randrange(0, 100_000)


def _allocations(quantity: int | Decimal, rng: random.Random) -> list[UsageAllocation] | None:
    if rng.random() >= 0.05 or not isinstance(quantity, int) or quantity < 2:
        return None
    first = rng.randrange(1, quantity)
    return [
        UsageAllocation(quantity=first, tags={"team": "a", "env": "prod"}),
        UsageAllocation(quantity=quantity - first, tags={"team": "b"}),
    ]


def _record(
    buyer: Buyer, dimension: str, when: datetime, quantity: int | Decimal, rng: random.Random
) -> UsageRecord:
    return UsageRecord(
        timestamp=when,
        dimension=dimension,
        quantity=quantity,
        allocations=_allocations(quantity, rng),
        **buyer.fields(),
    )


_LOCALLY_INVALID: tuple[dict[str, Any], ...] = (
    {"dimension": "", "quantity": 1},
    {"dimension": "tokens", "quantity": -1},
    {"dimension": "tokens", "quantity": 2**31},
    {"dimension": "tokens", "quantity": 1.5},
    {"dimension": "tokens", "quantity": "1e3"},
    {"dimension": "tokens", "quantity": Decimal("NaN")},
    {"dimension": "tokens", "quantity": 1, "naive": True},
    {"dimension": "tokens", "quantity": 1, "age": timedelta(hours=26)},
    {"dimension": "tokens", "quantity": 1, "ahead": timedelta(minutes=6)},
    {"dimension": "tokens", "quantity": 1, "extra": "field"},
)


def _invalid(buyer: Buyer, n: int) -> dict[str, Any]:
    spec = dict(_LOCALLY_INVALID[n % len(_LOCALLY_INVALID)])
    when = HOUR_START - timedelta(hours=2)
    if spec.pop("naive", False):
        when = when.replace(tzinfo=None)
    when = when - spec.pop("age", timedelta(0))
    if "ahead" in spec:
        when = NOW + spec.pop("ahead")
    return {"timestamp": when, **spec, **buyer.fields()}


def build(
    seed: int, *, licensed: int, legacy: int, extras: int = 100, poison: int = 20
) -> Workload:
    """The workload: every (buyer, dimension, good hour) cell once, plus the extras.

    ``extras`` of each kind (exact duplicates, conflicts, locally invalid records) and
    ``poison`` poison records are mixed in; the order is shuffled with ``seed``.
    """
    rng = random.Random(seed)
    buyers = make_buyers(licensed, legacy, unsubscribed_every=25)
    entries: list[tuple[Any, str, Buyer]] = []
    for buyer in buyers:
        for dimension in DIMENSIONS:
            for hours in GOOD_HOURS:
                when = HOUR_START - timedelta(hours=hours, minutes=-rng.randrange(0, 30))
                record = _record(buyer, dimension, when, _quantity(rng), rng)
                entries.append((record, "good", buyer))
    subscribed = [entry for entry in entries if entry[2].subscribed]
    for original, _, buyer in rng.sample(subscribed, extras):
        entries.append((original.model_copy(), "duplicate", buyer))
    for original, _, buyer in rng.sample(subscribed, extras):
        later = original.timestamp.replace(minute=45)
        other = 8 if original.quantity == 7 else 7
        entries.append((_record(buyer, original.dimension, later, other, rng), "conflict", buyer))
    for n in range(extras):
        buyer = rng.choice(buyers)
        entries.append((_invalid(buyer, n), "invalid", buyer))
    poison_buyers = rng.sample([b for b in buyers if b.subscribed], poison)
    for n, buyer in enumerate(poison_buyers):
        if n % 2:
            when = HOUR_START - timedelta(hours=24, minutes=-rng.randrange(0, 29))
        else:
            when = NOW + timedelta(minutes=rng.randrange(1, 5))
        record = _record(buyer, rng.choice(DIMENSIONS), when, rng.randrange(1, 100), rng)
        entries.append((record, "poison", buyer))
    rng.shuffle(entries)
    workload = Workload(buyers=buyers)
    for item, kind, _ in entries:
        workload.inputs.append(item)
        workload.kinds.append(kind)
    return workload


def expected_outcomes(workload: Workload, chunk_size: int) -> list[MeteringOutcome]:
    """What each input must become, whatever the chunking (``chunk_size`` is unused).

    The first record of a buyer, dimension and hour is metered; a true repeat of it
    (identical, timestamp included) shares its outcome; any other record for that hour
    is refused locally as a same-hour conflict, equal quantity or not.
    """
    del chunk_size
    buyers = {buyer.key: buyer for buyer in workload.buyers}
    first_in_hour: dict[tuple[str, str, datetime], Any] = {}
    outcomes: list[MeteringOutcome] = []
    for item, kind in zip(workload.inputs, workload.kinds, strict=True):
        if kind in ("invalid", "poison"):
            outcomes.append(MeteringOutcome.REJECTED)
            continue
        buyer, dimension, when = identity_of(item)
        hour = (buyer, dimension, when.replace(minute=0, second=0, microsecond=0))
        first = first_in_hour.setdefault(hour, item)
        if first is not item and first != item:
            outcomes.append(MeteringOutcome.REJECTED)
        elif not buyers[buyer].subscribed:
            outcomes.append(MeteringOutcome.CUSTOMER_NOT_SUBSCRIBED)
        else:
            outcomes.append(MeteringOutcome.SUCCESS)
    return outcomes
