"""The composition root: settings → database → unit of work → consumers → bus.

Nothing is built at import time; `build_container` wires one process.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pulse import billing, inventory, orders
from pulse.analytics.service import Analytics, build_analytics
from pulse.analytics.sources import OutboxSource
from pulse.billing import handlers as billing_handlers
from pulse.billing.documents import Documents, stored_company
from pulse.inventory import handlers as inventory_handlers
from pulse.orders import handlers as orders_handlers
from pulse.platform.audit.checkpoints import Checkpointer
from pulse.platform.auth import events as auth_events
from pulse.platform.auth import factor_events
from pulse.platform.auth.addresses import trusted_networks
from pulse.platform.auth.keys import load_key_ring
from pulse.platform.auth.oidc import OidcConfig, OidcVerifier
from pulse.platform.auth.passwords import HashPool
from pulse.platform.auth.revocation import TokenStates
from pulse.platform.auth.sessions import SessionActivity
from pulse.platform.auth.sso import SingleSignOn
from pulse.platform.auth.tokens import TokenCodec
from pulse.platform.bus.base import EventBus
from pulse.platform.bus.bell import Bell, bell_key
from pulse.platform.bus.embedded import EmbeddedBus
from pulse.platform.company import events as company_events
from pulse.platform.consumers import Consumer, ConsumerRunner, per_event
from pulse.platform.db import Database
from pulse.platform.events import Event, EventRegistry
from pulse.platform.observability import set_currency
from pulse.platform.settings import Settings
from pulse.platform.storage import ObjectStore, object_store
from pulse.platform.tracing import configure_tracing
from pulse.platform.uow import UnitOfWork, UnitOfWorkFactory

SWITCH_INTERVAL_SECONDS = 0.001
# Every consumer, by name (analytics is the projector of the analytics store).
CONSUMER_NAMES = ("inventory", "orders", "billing", "documents", "analytics")
EVENT_CLASSES: tuple[type[Event], ...] = (
    *auth_events.EVENTS,
    *factor_events.EVENTS,  # sessions and the second factor
    *company_events.EVENTS,
    *inventory.EVENTS,
    *orders.EVENTS,
    *billing.EVENTS,
)


def consumers(documents: Documents) -> list[Consumer]:
    """Every consumer of this product and the events each one handles."""
    return [
        Consumer(
            "inventory",
            {
                orders.OrderPlaced: inventory_handlers.reserve_orders,
                orders.OrderCancelled: per_event(inventory_handlers.release_for_order),
                orders.OrderShipped: per_event(inventory_handlers.ship_order),
                company_events.TaxRateChanged: per_event(inventory_handlers.follow_tax_rate),
            },
        ),
        Consumer(
            "orders",
            {
                inventory.StockReserved: orders_handlers.confirm_orders,
                inventory.StockReservationFailed: orders_handlers.reject_orders,
                billing.InvoiceIssued: orders_handlers.mark_invoiced,
                billing.PaymentReceived: orders_handlers.mark_paid,
                billing.CreditNoteIssued: orders_handlers.mark_paid,
            },
        ),
        Consumer(
            "billing",
            {
                orders.OrderConfirmed: billing_handlers.invoice_orders,
                orders.OrderCancelled: per_event(billing_handlers.settle_cancelled_order),
                # Past orders imported in bulk are booked with them (billing.book_imported).
            },
        ),
        Consumer(
            "documents",
            {
                # Issued documents are rendered when the order flow has nothing left to do,
                # or at once when someone asks for one; a later version of an invoice (paid,
                # credited, void) when someone asks for it.
                billing.InvoiceIssued: documents.render_invoices,
                billing.CreditNoteIssued: per_event(documents.render_credit_note),
            },
            reads_only=True,
            when_idle=True,
        ),
    ]


@dataclass
class Container:
    settings: Settings
    db: Database
    registry: EventRegistry
    uow: UnitOfWorkFactory
    tokens: TokenCodec
    bus: EventBus
    store: ObjectStore
    documents: Documents
    hashing: HashPool
    token_states: TokenStates
    session_activity: SessionActivity
    consumers: list[Consumer] = field(default_factory=list)
    # Read into their gauges when /metrics is scraped (a read-only unit of work each time).
    metric_readers: list[Callable[[UnitOfWork], Awaitable[None]]] = field(default_factory=list)
    # Set in the one process that owns the analytics store (the `analytics` consumer).
    analytics: Analytics | None = None
    # Signs checkpoints of the audit chain (audit/checkpoints.py).
    audit: Checkpointer | None = None
    # Set when an OpenID Connect provider is configured (PULSE_OIDC_ISSUER).
    sso: SingleSignOn | None = None
    started: bool = False

    async def start(self) -> None:
        if not self.started:
            await self.bus.start()
            # After the bus: its first connection has put SQLite in WAL mode, so the
            # projector's own connections never race it for that.
            if self.analytics is not None:
                # The projector's thread holds the interpreter lock for its batches; a
                # request waiting for it waits up to the switch interval (5 ms by default)
                # each time, so hand the lock over sooner.
                sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
                await self.analytics.start()
            self.token_states.start()
            if self.audit is not None:
                self.audit.start()
            self.started = True

    async def stop(self) -> None:
        if self.started:
            await self.bus.stop()
            if self.analytics is not None:
                await self.analytics.stop()
            await self.token_states.stop()
            if self.audit is not None:
                await self.audit.stop()
            self.started = False
        if self.sso is not None:
            await self.sso.close()
        self.documents.close()
        self.hashing.close()
        await self.session_activity.stop()
        await self.db.dispose()


def build_container(settings: Settings | None = None, *, run_consumers: bool = True) -> Container:
    settings = settings or Settings()
    trusted_networks(settings.trusted_proxies)  # a malformed entry stops the start, not a login
    configure_tracing(settings)
    set_currency(settings.currency)
    oidc = OidcConfig.from_settings(settings)  # so does a malformed role map
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    registry = EventRegistry()
    registry.register(*EVENT_CLASSES)
    bus_ref: list[EventBus] = []
    uow_factory = UnitOfWorkFactory(
        db,
        notify=lambda types: bus_ref[0].wake(types) if bus_ref else None,
        # SQLite serialises writers, so the embedded stream can be numbered at commit.
        sequence_inline=db.is_sqlite and not settings.uses_nats,
    )
    store = object_store(settings)
    documents = Documents(
        store,
        stored_company(store, settings),
        render_processes=settings.render_processes,
        idle_seconds=settings.render_idle_seconds,
    )
    enabled = [
        c for c in consumers(documents) if run_consumers and settings.consumer_enabled(c.name)
    ]
    runners = [ConsumerRunner(c, uow_factory, registry) for c in enabled]
    bus: EventBus
    if settings.uses_nats:
        from pulse.platform.bus.nats import NatsBus

        bus = NatsBus(settings, uow_factory, runners, relay=settings.relay)
    else:
        bus = EmbeddedBus(
            uow_factory,
            runners,
            relay=settings.relay,
            batch_size=settings.consumer_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            gather_seconds=settings.consumer_gather_seconds,
            bell=Bell(settings.data_dir / "bells", bell_key(settings.resolved_database_url)),
        )
    bus_ref.append(bus)
    analytics = None
    if run_consumers and settings.consumer_enabled("analytics"):
        analytics = build_analytics(settings)
        if isinstance(analytics.source, OutboxSource) and isinstance(bus, EmbeddedBus):
            bus.add_listener(analytics.source.notify)
    tokens = TokenCodec(
        load_key_ring(settings),
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    container = Container(
        settings=settings,
        db=db,
        registry=registry,
        uow=uow_factory,
        tokens=tokens,
        bus=bus,
        store=store,
        documents=documents,
        hashing=HashPool(
            workers=settings.password_hash_workers,
            queue=settings.password_hash_queue,
            per_client=settings.password_hash_per_client,
        ),
        token_states=TokenStates(
            uow_factory,
            ttl_seconds=settings.token_check_seconds,
            listen_url=settings.resolved_database_url if db.dialect == "postgresql" else None,
        ),
        session_activity=SessionActivity(uow_factory),
        consumers=enabled,
        analytics=analytics,
        metric_readers=[inventory.read_stock_metrics],
        audit=Checkpointer(uow_factory, settings),
    )
    if oidc is not None:
        container.sso = SingleSignOn(OidcVerifier(oidc), uow_factory, container.token_states)
    return container
