"""Demo data: a small camera shop with customers, a catalogue, stock and order history."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy import func, select

from pulse.inventory.models import Product
from pulse.inventory.schemas import ProductCreate
from pulse.inventory.service import create_product
from pulse.orders.customers import create_customer
from pulse.orders.history import HistoricalOrder, import_orders
from pulse.orders.schemas import CustomerCreate
from pulse.platform.db import Database
from pulse.platform.events import utcnow
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
    uow_factory = UnitOfWorkFactory(db)
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
        now = utcnow()
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        skus = [p[0] for p in PRODUCTS]
        done = 0
        chunk = 5000
        while done < orders:
            size = min(chunk, orders - done)
            batch = []
            for _ in range(size):
                placed_at = now - timedelta(seconds=rng.uniform(3600, days * 86400))
                items = tuple(
                    (sku, rng.choice([1, 1, 1, 2, 2, 3, 5]))
                    for sku in rng.sample(skus, rng.choice([1, 1, 2, 2, 3, 4]))
                )
                batch.append(
                    HistoricalOrder(
                        customer_id=rng.choice(customer_ids),
                        placed_at=placed_at,
                        status=rng.choices(statuses, weights)[0],
                        items=items,
                    )
                )
            async with uow_factory(actor="demo") as uow:
                await import_orders(uow, batch)
                await uow.commit()
            done += size
            if progress:
                progress(size)
        return {"products": len(PRODUCTS), "customers": len(COMPANIES), "orders": orders}
    finally:
        await db.dispose()


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
    orders: Annotated[int, typer.Option(min=0, max=5_000_000, help="Historical orders.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    force: Annotated[bool, typer.Option(help="Load even if products already exist.")] = False,
) -> None:
    """Load customers, products, stock and ORDERS historical orders."""
    import asyncio
    import time

    from rich.progress import Progress

    settings = Settings()
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        exists = asyncio.run(has_data(UnitOfWorkFactory(db)))
    finally:
        asyncio.run(db.dispose())
    if exists and not force:
        typer.echo("demo data already present (use --force to load again)")
        raise typer.Exit(0)
    started = time.perf_counter()
    with Progress() as bar:
        task = bar.add_task("historical orders", total=orders)
        counts = asyncio.run(
            load(settings, orders=orders, seed=seed, progress=lambda n: bar.advance(task, n))
        )
    typer.echo(f"loaded {counts} in {time.perf_counter() - started:.1f} s")
