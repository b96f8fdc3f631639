"""The public emulator: one HTTP server for both services, plus seeding and inspection."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from agentcore_billing._core.clock import Clock, Monotonic, Sleep, monotonic, real_sleep, utc_now

from ._control_routes import ControlPlaneView
from ._customers import Customer, Product
from ._demo import DemoData, seed_demo
from ._engine import Engine, RawRequest
from ._faults import FaultConfig, parse_fault_specs
from ._protocol import HttpResponse
from ._records import (
    AcceptedUsageRecord,
    InstrumentSnapshot,
    PaymentRecord,
    RequestRecord,
    SessionSnapshot,
)
from ._seller import Seller, SellerRequest, paid_resource
from ._server import EmulatorHTTPServer

logger = logging.getLogger(__name__)

_JOIN_TIMEOUT = 5.0
# How often serve_forever checks for shutdown: bounds how long stop() takes.
_POLL_INTERVAL = 0.05


class Emulator:
    """A local, stateful emulator of AgentCore payments and Marketplace Metering.

    Both services answer on one ``http://127.0.0.1:<port>`` endpoint; point real boto3
    clients at it with ``endpoint_url=emu.endpoint_url`` (any region, any credentials:
    signatures are not checked). Requests are validated against the installed
    botocore models and refused the way the services refuse them.

    Args:
        host: Interface to bind (loopback by default).
        port: Port to bind; 0 picks a free one.
        seed: Seeds the fault streams and the identifiers, for reproducible runs.
            ``None`` (the default): seed 0's fault streams, and identifiers (session
            ids, payment ids, signed nonces) that no other emulator mints. ``reset()``
            never replays identifiers either. The demo data's ids are fixed.
        faults: Fault configs per operation name; key ``*`` applies to the others.
        default_faults: Shorthand for ``faults["*"]``.
        quotas: Requests per second per operation, merged over ``DEFAULT_QUOTAS``
            (BatchMeterUsage and MeterUsage 10/s, RegisterUsage 5/s); None removes a
            quota, ``NO_QUOTAS`` removes all.
        clock: Wall clock (timezone-aware) for timestamps, session expiry and the
            metering time windows.
        monotonic: Time source of the quota token buckets; pass the same fake clock
            as the code under test so its fake sleeps refill the buckets.
        sleep: Used for injected latency.
        demo_data: Run ``seed_demo_data()`` on construction.

    Example:
        >>> import boto3
        >>> with Emulator(demo_data=True) as emu:
        ...     client = boto3.client("meteringmarketplace", region_name="us-east-1",
        ...         endpoint_url=emu.endpoint_url, aws_access_key_id="testing",
        ...         aws_secret_access_key="testing")
        ...     client.resolve_customer(RegistrationToken="demo-registration-token-new")[
        ...         "CustomerAWSAccountId"]
        '111122223333'
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | str | None = None,
        faults: Mapping[str, FaultConfig] | None = None,
        default_faults: FaultConfig | None = None,
        quotas: Mapping[str, float | None] | None = None,
        clock: Clock = utc_now,
        monotonic: Monotonic = monotonic,
        sleep: Sleep = real_sleep,
        demo_data: bool = False,
    ) -> None:
        self._host = host
        self._port = port
        self._engine = Engine(
            seed=seed,
            faults=_merge_faults(faults, default_faults),
            quotas=quotas or {},
            clock=clock,
            monotonic=monotonic,
            sleep=sleep,
        )
        self._seller = Seller(self._engine, lambda: self.endpoint_url)
        self._lifecycle_lock = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._demo: DemoData | None = None
        if demo_data:
            self.seed_demo_data()

    # -- lifecycle -------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() or use 'with'")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; returns self."""
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            args=(_POLL_INTERVAL,),
            name="agentcore-billing-emulator",
            daemon=True,
        )
        self._thread.start()
        logger.info("emulator listening on %s", self.endpoint_url)
        return self

    def serve_forever(self, on_ready: Callable[[Emulator], None] | None = None) -> None:
        """Bind and serve in the calling thread until ``stop()`` (from another thread).

        Args:
            on_ready: Called with this emulator once the socket is bound (its
                ``endpoint_url`` is then known).
        """
        server = self._bind()
        try:
            if on_ready is not None:
                on_ready(self)
            server.serve_forever(_POLL_INTERVAL)
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving, close every connection and the socket, and join the thread."""
        server = self._server
        if server is None:
            return
        server.shutdown()
        self._close()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT)
            self._thread = None

    def _bind(self) -> EmulatorHTTPServer:
        with self._lifecycle_lock:
            if self._server is not None:
                raise RuntimeError("the emulator is already running")
            server = EmulatorHTTPServer((self._host, self._port), self._dispatch)
            self._server = server
            return server

    def _dispatch(self, raw: RawRequest) -> HttpResponse | None:
        if self._seller.handles(raw):
            return self._seller.dispatch(raw)
        return self._engine.dispatch(raw)

    def _close(self) -> None:
        with self._lifecycle_lock:
            server, self._server = self._server, None
        if server is not None:
            server.close_connections()
            server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- configuration ---------------------------------------------------------------

    def set_faults(
        self,
        faults: Mapping[str, FaultConfig] | None = None,
        *,
        default: FaultConfig | None = None,
    ) -> None:
        """Replace every fault config at runtime (no arguments: no faults)."""
        self._engine.faults.set_faults(_merge_faults(faults, default))

    def set_quota(self, operation: str, rate: float | None) -> None:
        """Set the requests-per-second quota of ``operation`` (None removes it)."""
        self._engine.faults.set_quota(operation, rate)

    def add_product(
        self,
        product_code: str,
        *,
        dimensions: Iterable[str] | None = None,
        entitled: bool = True,
        public_key_version: int = 1,
    ) -> Product:
        """Register a Marketplace product (see ``Product``)."""
        with self._engine.lock:
            return self._engine.directory.add_product(
                product_code,
                dimensions=dimensions,
                entitled=entitled,
                public_key_version=public_key_version,
            )

    def add_customer(
        self,
        *,
        customer_aws_account_id: str,
        product_code: str,
        license_arn: str | None = None,
        customer_identifier: str | None = None,
        agreement_id: str | None = None,
        dimensions: Iterable[str] | None = None,
        subscribed: bool = True,
    ) -> Customer:
        """Subscribe a customer to a product (registered on first use).

        ``dimensions`` adds valid dimensions to the product (a product without any
        accepts every dimension).

        Example:
            >>> emu = Emulator()
            >>> emu.add_customer(customer_aws_account_id="111122223333", product_code="p1",
            ...     license_arn="arn:aws:license-manager::111122223333:license:l-1").subscribed
            True
        """
        with self._engine.lock:
            customer = self._engine.directory.add_customer(
                customer_aws_account_id=customer_aws_account_id,
                product_code=product_code,
                license_arn=license_arn,
                customer_identifier=customer_identifier,
                agreement_id=agreement_id,
                subscribed=subscribed,
            )
            if dimensions is not None:
                self._engine.directory.widen_dimensions(product_code, dimensions)
            return customer

    def add_registration_token(
        self,
        token: str,
        customer: Customer,
        *,
        expired: bool = False,
        expires_at: datetime | None = None,
        reusable: bool = False,
    ) -> None:
        """Make ResolveCustomer resolve ``token`` to ``customer`` (once, unless ``reusable``)."""
        with self._engine.lock:
            self._engine.directory.add_token(
                token, customer, expired=expired, expires_at=expires_at, reusable=reusable
            )

    def add_payment_instrument(
        self,
        *,
        payment_manager_arn: str,
        payment_connector_id: str,
        user_id: str,
        network: str = "ETHEREUM",
        balance: int | None = None,
    ) -> InstrumentSnapshot:
        """Create an ACTIVE embedded wallet directly (``balance`` in USDC base units)."""
        if network not in ("ETHEREUM", "SOLANA"):
            raise ValueError(f"network must be ETHEREUM or SOLANA, got {network!r}")
        engine = self._engine
        with engine.lock:
            instrument = engine.payments.instruments.add(
                manager_arn=payment_manager_arn,
                connector_id=payment_connector_id,
                user_id=user_id,
                network=network,
                ctx=engine.context(None, {}),
            )
            if balance is not None:
                engine.payments.instruments.set_balance(instrument.instrument_id, balance)
            return instrument.snapshot()

    def set_instrument_balance(self, payment_instrument_id: str, amount: int) -> None:
        """Set the USDC balance (base units, 6 decimals) GetPaymentInstrumentBalance reports."""
        with self._engine.lock:
            self._engine.payments.instruments.set_balance(payment_instrument_id, amount)

    def add_paid_resource(
        self,
        path: str,
        *,
        amount: int,
        asset: str | None = None,
        network: str = "eip155:84532",
        protocols: Sequence[str] = ("x402v2",),
        **options: Any,
    ) -> str:
        """Serve a seller at ``path`` answering 402 until paid; returns the resource URL.

        ``amount`` is in atomic units of ``asset`` (``None``: USDC on ``network``, so
        10000 is 0.01 USD); ``protocols`` are some of ``x402v2``, ``x402v1``, ``mpp``.
        Other keywords (``pay_to``, ``description``, ``reject_payments``,
        ``redirect_to``) are those of ``PaidResource``; see ``_seller`` for the offers.

        Example:
            >>> with Emulator() as emu:
            ...     url = emu.add_paid_resource("/weather", amount=10000)
            >>> url.endswith("/weather")
            True
        """
        resource = paid_resource(
            path, amount=amount, asset=asset, network=network, protocols=protocols, **options
        )
        self._seller.add(resource)
        return self.endpoint_url + resource.path

    def seller_requests(self) -> tuple[SellerRequest, ...]:
        """Every request the paid resources received, in order."""
        return tuple(self._seller.requests)

    @property
    def control_plane(self) -> ControlPlaneView:
        """The payments control plane: fault injection, OAuth consent, inspection."""
        return ControlPlaneView(self._engine)

    @property
    def demo(self) -> DemoData | None:
        """The demo data set, once ``seed_demo_data()`` (or ``demo_data=True``) created it."""
        return self._demo

    def seed_demo_data(self) -> DemoData:
        """Create the demo data set (products, customers, tokens, a funded wallet).

        See ``DemoData`` for its contents; ``reset()`` re-creates its instrument.
        """
        self._demo = seed_demo(self._engine)
        return self._demo

    # -- inspection ------------------------------------------------------------------

    def requests(self) -> tuple[RequestRecord, ...]:
        """Every request received, in arrival order."""
        with self._engine.lock:
            return tuple(self._engine.requests)

    def accepted_usage_records(self) -> tuple[AcceptedUsageRecord, ...]:
        """Usage stored by BatchMeterUsage and MeterUsage, in acceptance order."""
        with self._engine.lock:
            return tuple(self._engine.metering.accepted)

    def sessions(self) -> tuple[SessionSnapshot, ...]:
        """Payment sessions that exist (deleted ones are gone)."""
        with self._engine.lock:
            return tuple(s.snapshot() for s in self._engine.payments.sessions.values())

    def instruments(self) -> tuple[InstrumentSnapshot, ...]:
        """Payment instruments, including soft-deleted ones."""
        with self._engine.lock:
            items = self._engine.payments.instruments.items.values()
            return tuple(i.snapshot() for i in items)

    def payments(self) -> tuple[PaymentRecord, ...]:
        """Processed payments, in order."""
        with self._engine.lock:
            return tuple(self._engine.payments.payments)

    def counts(self) -> dict[str, dict[str, int]]:
        """Requests per operation and outcome (``ok``, an error code, ``reset``, ``dropped``)."""
        table: defaultdict[str, dict[str, int]] = defaultdict(dict)
        with self._engine.lock:
            for (operation, outcome), count in self._engine.counts.items():
                table[operation][outcome] = count
        return dict(table)

    def reset(self, *, clear_seed: bool = False) -> None:
        """Forget requests, usage, sessions, instruments, payments and client tokens.

        Seeded products, customers and registration tokens stay (tokens become
        resolvable again) unless ``clear_seed``; fault streams restart from the seed.
        New identifiers never repeat those minted before the reset (a kept session id
        answers ResourceNotFoundException, it never names a new session).
        """
        self._engine.clear(clear_seed=clear_seed)
        self._seller.clear()
        if self._demo is not None and not clear_seed:
            self._demo = seed_demo(self._engine)
        elif clear_seed:
            self._demo = None


def _merge_faults(
    faults: Mapping[str, FaultConfig] | None, default: FaultConfig | None
) -> dict[str, FaultConfig]:
    merged = dict(faults or {})
    if default is not None:
        merged["*"] = default
    return merged


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int | str | None = None,
    faults: Mapping[str, FaultConfig] | Sequence[str] | None = None,
    quotas: Mapping[str, float | None] | None = None,
    demo_data: bool = True,
    on_ready: Callable[[Emulator], None] | None = None,
) -> None:
    """Run an emulator in the calling thread until interrupted (what the CLI calls).

    Args:
        host: Interface to bind.
        port: Port to bind (0: a free one).
        seed: Seed of the fault streams and identifiers (``None``: as ``Emulator``).
        faults: Fault configs per operation, or specs such as
            ``["BatchMeterUsage:throttle_rate=0.1,latency=0.005", "*:error_rate=0.01"]``.
        quotas: Requests-per-second overrides (see ``Emulator`` and ``parse_quotas``).
        demo_data: Seed the demo data set first.
        on_ready: Called with the running emulator once its socket is bound (print
            ``endpoint_url``; another thread may call ``stop()`` on it).

    Example:
        >>> serve(port=4599, faults=["MeterUsage:error_rate=0.5"])  # doctest: +SKIP
    """
    if faults is None or isinstance(faults, Mapping):
        configs = dict(faults or {})
    else:
        configs = parse_fault_specs(faults)
    emulator = Emulator(
        host=host, port=port, seed=seed, faults=configs, quotas=quotas, demo_data=demo_data
    )
    try:
        emulator.serve_forever(on_ready)
    except KeyboardInterrupt:
        logger.info("emulator interrupted; stopped")
