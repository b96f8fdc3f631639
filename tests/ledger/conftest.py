"""Fixtures of the ledger tests: a fresh PostgreSQL schema or SQLite file per test.

PostgreSQL comes from AGENTCORE_BILLING_TEST_POSTGRES_URL (default: the local server).
When it cannot be reached the PostgreSQL cases skip with the reason - except under
CI=true, where they fail, so CI always exercises PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from agentcore_billing import MeteringClient
from agentcore_billing.emulator import Emulator
from agentcore_billing.testing import ManualClock

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
ACCOUNT = "111122223333"
LICENSE = "arn:aws:license-manager::111122223333:license:l-1"
ACCOUNT_B = "444455556666"
LICENSE_B = "arn:aws:license-manager::444455556666:license:l-2"
PRODUCT = "prod-ledger"


def _admin_url() -> str:
    return os.environ.get("AGENTCORE_BILLING_TEST_POSTGRES_URL", DEFAULT_PG)


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError as err:  # pragma: no cover - dev extras install it
        _unavailable(f"psycopg is not installed ({err})")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as err:
        _unavailable(f"PostgreSQL at {url} is unreachable: {str(err).strip()[:200]}")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires PostgreSQL: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema (dropped afterwards)."""
    admin = _admin_url()
    schema = f"ledger_{uuid.uuid4().hex[:12]}"
    conn = _connect(admin)
    conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in admin else "?"
    try:
        yield f"{admin}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in tmp_path."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


def seed(emu: Emulator) -> Emulator:
    """Two subscribed license buyers of one product and one legacy buyer."""
    emu.add_customer(customer_aws_account_id=ACCOUNT, product_code=PRODUCT, license_arn=LICENSE)
    emu.add_customer(customer_aws_account_id=ACCOUNT_B, product_code=PRODUCT, license_arn=LICENSE_B)
    emu.add_customer(
        customer_aws_account_id="777788889999", product_code=PRODUCT, customer_identifier="cust-c"
    )
    return emu


@pytest.fixture
def metering_for(clock: ManualClock, boto_session: Any) -> Callable[[Emulator], MeteringClient]:
    """A MeteringClient on the emulator and the fake clock (no real sleeps)."""

    def make(emu: Emulator) -> MeteringClient:
        return MeteringClient(
            session=boto_session,
            region_name="us-east-1",
            endpoint_url=emu.endpoint_url,
            clock=clock.now,
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            max_workers=1,
        )

    return make
