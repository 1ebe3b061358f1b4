"""Demo data: a small camera shop with customers, a catalogue, stock and past orders."""

from __future__ import annotations

import contextlib
import gc
import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy import func, select

from pulse import billing
from pulse.inventory.models import Product
from pulse.inventory.schemas import ProductCreate
from pulse.inventory.service import create_product
from pulse.orders.backfill import PastOrder, import_orders
from pulse.orders.customers import create_customer
from pulse.orders.schemas import CustomerCreate
from pulse.platform.db import Database
from pulse.platform.events import new_event_id, utcnow
from pulse.platform.settings import Settings
from pulse.platform.uow import UnitOfWorkFactory

PRODUCTS = [
    # sku, name, price, tax rate, on hand, reorder point, reorder qty, lead time days
    ("CAM-1001", "Mirrorless camera body", "899.00", "0.20", 40, 10, 20, 7),
    ("CAM-1002", "Compact travel camera", "399.00", "0.20", 60, 15, 30, 5),
    ("LEN-2001", "35mm f/1.8 prime lens", "329.00", "0.20", 35, 8, 16, 10),
    ("LEN-2002", "24-70mm f/2.8 zoom lens", "1149.00", "0.20", 12, 5, 10, 14),
    ("TRI-3001", "Carbon travel tripod", "189.00", "0.20", 25, 6, 12, 7),
    ("BAG-4001", "Weatherproof camera bag", "79.90", "0.20", 80, 20, 40, 4),
    ("SDC-5001", "128 GB SD card", "24.99", "0.20", 300, 100, 200, 3),
    ("BAT-6001", "Spare battery pack", "49.00", "0.20", 8, 25, 50, 6),
    ("FLT-7001", "ND filter kit", "59.00", "0.20", 4, 10, 20, 9),
    ("BOK-8001", "Field guide to photography", "19.50", "0.05", 70, 10, 30, 5),
]
COMPANIES = [
    "Northwind Studio",
    "Blue Fjord Media",
    "Lumen & Co",
    "Harbor Lights Photo",
    "Aperture Club",
    "Red Barn Weddings",
    "Summit Outdoor",
    "City Lens Rentals",
    "Pixel Forge",
    "Golden Hour Ltd",
    "Meadow Events",
    "Silver Screen School",
    "Atlas Travel Blog",
    "Nordic Nature Films",
    "Orchard Portraits",
    "Coastline Drones",
    "Urban Frame",
    "Alpine Adventures",
    "Studio Kontrast",
    "Maple Street Press",
    "Riverbend Real Estate",
    "Night Sky Society",
    "Paper Moon Prints",
    "Cobalt Creative",
    "Evergreen College",
]
STATUS_WEIGHTS = [("completed", 70), ("paid", 8), ("shipped", 8), ("invoiced", 6), ("cancelled", 8)]
LINE_COUNTS = [1, 1, 2, 2, 3, 4]
QUANTITIES = [1, 1, 1, 2, 2, 3, 5]
# Orders imported (with their invoices, payments and events) per transaction.
CHUNK = 20_000


async def has_data(uow_factory: UnitOfWorkFactory) -> bool:
    async with uow_factory(readonly=True) as uow:
        count = (await uow.session.execute(select(func.count()).select_from(Product))).scalar_one()
    return bool(count)


async def load(
    settings: Settings,
    *,
    orders: int = 500,
    seed: int = 7,
    days: int = 90,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    rng = random.Random(seed)
    db = Database(settings.resolved_database_url, pool_size=2)
    # As the running product writes: events numbered for the embedded stream at commit.
    uow_factory = UnitOfWorkFactory(db, sequence_inline=db.is_sqlite and not settings.uses_nats)
    try:
        async with uow_factory(actor="demo") as uow:
            for sku, name, price, rate, on_hand, rop, roq, lead in PRODUCTS:
                await create_product(
                    uow,
                    ProductCreate(
                        sku=sku,
                        name=name,
                        price=Decimal(price),
                        tax_rate=Decimal(rate),
                        qty_on_hand=on_hand,
                        reorder_point=rop,
                        reorder_qty=roq,
                        lead_time_days=lead,
                    ),
                )
            customer_ids = []
            for i, company in enumerate(COMPANIES, start=1):
                slug = company.lower().replace(" & ", "-").replace(" ", "-")
                customer = await create_customer(
                    uow,
                    CustomerCreate(
                        name=company,
                        email=f"orders@{slug}.example.com",
                        code=f"C{i:04d}",
                        phone=f"+44 20 7946 {i:04d}",
                        billing_address=f"{i} High Street, London",
                        payment_terms_days=rng.choice([14, 30, 30, 45]),
                    ),
                )
                customer_ids.append(customer.id)
            await uow.commit()
        with _collector_paused():
            invoices, payments = await _load_past_orders(
                uow_factory, rng, customer_ids, orders=orders, days=days, progress=progress
            )
        return {
            "products": len(PRODUCTS),
            "customers": len(COMPANIES),
            "orders": orders,
            "invoices": invoices,
            "payments": payments,
        }
    finally:
        await db.dispose()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A bulk load allocates millions of rows, none in a reference cycle; the cyclic garbage
    collector would only scan them over and over again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _load_past_orders(
    uow_factory: UnitOfWorkFactory,
    rng: random.Random,
    customer_ids: list[uuid.UUID],
    *,
    orders: int,
    days: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    """ORDERS past orders with their invoices and payments; (invoices, payments)."""
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    cum_weights = list(itertools.accumulate(weights))
    skus = [p[0] for p in PRODUCTS]
    # Orders follow each other in time, as their numbers and invoice numbers do: from `days`
    # ago until an hour ago, each at a random moment of its own slot.
    first = utcnow() - timedelta(days=days)
    slot = (days * 86400 - 3600) / max(orders, 1)
    done = invoices = payments = 0
    while done < orders:
        size = min(CHUNK, orders - done)
        batch = [
            PastOrder(
                customer_id=rng.choice(customer_ids),
                placed_at=first + timedelta(seconds=(i + rng.random()) * slot),
                status=rng.choices(statuses, cum_weights=cum_weights)[0],
                items=tuple(
                    (sku, rng.choice(QUANTITIES))
                    for sku in rng.sample(skus, rng.choice(LINE_COUNTS))
                ),
            )
            for i in range(done, done + size)
        ]
        # Orders, invoices, payments, journal and events of a chunk commit together, and its
        # events share one correlation id (one command), not one each.
        async with uow_factory(actor="demo", correlation_id=str(new_event_id())) as uow:
            imported = await import_orders(uow, batch)
            booked = await billing.book_imported(uow, imported)
            await uow.commit()
        invoices += booked.invoices
        payments += booked.payments
        done += size
        if progress:
            progress(size)
    return invoices, payments


async def load_if_empty(settings: Settings, *, orders: int = 500) -> bool:
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        if await has_data(UnitOfWorkFactory(db)):
            return False
    finally:
        await db.dispose()
    await load(settings, orders=orders)
    return True


demo_app = typer.Typer(no_args_is_help=True, help="Demo data.")


@demo_app.command("load")
def load_command(
    orders: Annotated[int, typer.Option(min=0, max=5_000_000, help="Past orders.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    force: Annotated[bool, typer.Option(help="Load even if products already exist.")] = False,
) -> None:
    """Load customers, products, stock and ORDERS past orders."""
    import asyncio
    import time

    from rich.progress import Progress

    from pulse.platform.migrate import upgrade

    settings = Settings()
    started = time.perf_counter()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)  # as `pulse up` does, so a fresh folder works
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        exists = asyncio.run(has_data(UnitOfWorkFactory(db)))
    finally:
        asyncio.run(db.dispose())
    if exists and not force:
        typer.echo("demo data already present (use --force to load again)")
        raise typer.Exit(0)
    with Progress() as bar:
        task = bar.add_task("past orders", total=orders)
        counts = asyncio.run(
            load(settings, orders=orders, seed=seed, progress=lambda n: bar.advance(task, n))
        )
    typer.echo(f"loaded {counts} in {time.perf_counter() - started:.1f} s")
