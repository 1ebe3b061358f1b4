"""All SQL of the inventory module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.inventory.models import Product, Reservation, StockLevel, StockMovement
from pulse.platform.bulk import insert_rows
from pulse.platform.db import rowcount

# The largest value of the INTEGER stock columns.
MAX_COUNT = 2_147_483_647


def _stock_query() -> Select[Product, StockLevel]:
    return select(Product, StockLevel).join(StockLevel, StockLevel.sku == Product.sku)


async def get(session: AsyncSession, sku: str) -> tuple[Product, StockLevel] | None:
    row = (await session.execute(_stock_query().where(Product.sku == sku))).one_or_none()
    return (row[0], row[1]) if row else None


async def follow_tax_rate(
    session: AsyncSession, code: str, rate: Decimal, now: datetime
) -> list[str]:
    """Give every product that follows the named rate `code` its rate; the SKUs moved."""
    moved = list(
        (
            await session.scalars(
                select(Product.sku)
                .where(Product.tax_code == code, Product.tax_rate != rate)
                .order_by(Product.sku)
                .with_for_update()
            )
        ).all()
    )
    if moved:
        await session.execute(
            update(Product)
            .where(Product.sku.in_(moved))
            .values(tax_rate=rate, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return moved


async def get_for_update(session: AsyncSession, sku: str) -> tuple[Product, StockLevel] | None:
    row = (
        await session.execute(
            _stock_query().where(Product.sku == sku).with_for_update(of=StockLevel)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def exists(session: AsyncSession, sku: str) -> bool:
    return (
        await session.execute(select(Product.sku).where(Product.sku == sku))
    ).first() is not None


async def search(
    session: AsyncSession,
    *,
    q: str | None,
    low_only: bool,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Product, StockLevel]], int]:
    query = _stock_query()
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(Product.sku).like(pattern), func.lower(Product.name).like(pattern))
        )
    if low_only:
        query = query.where(
            StockLevel.qty_on_hand - StockLevel.reserved_qty <= StockLevel.reorder_point
        )
    if active is not None:
        query = query.where(Product.active.is_(active))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(Product.sku).limit(limit).offset(offset))).all()
    return [(r[0], r[1]) for r in rows], int(total)


_PRODUCTS = Product.__table__
# Columns, not entities: pricing an order reads these on every POST /orders.
_CATALOGUE = select(
    _PRODUCTS.c.sku, _PRODUCTS.c.name, _PRODUCTS.c.price, _PRODUCTS.c.tax_rate, _PRODUCTS.c.active
)


async def catalogue(session: AsyncSession, skus: Sequence[str]) -> list[Any]:
    """(sku, name, price, tax_rate, active) of each SKU that exists."""
    return list(await session.execute(_CATALOGUE.where(_PRODUCTS.c.sku.in_(skus))))


async def add_product(session: AsyncSession, product: Product, stock: StockLevel) -> None:
    session.add(product)
    await session.flush()
    session.add(stock)
    await session.flush()


async def try_reserve(session: AsyncSession, sku: str, qty: int, now: datetime) -> bool:
    """Atomic: reserve only if that many units are available right now."""
    result = await session.execute(
        update(StockLevel)
        .where(StockLevel.sku == sku, StockLevel.qty_on_hand - StockLevel.reserved_qty >= qty)
        .values(reserved_qty=StockLevel.reserved_qty + qty, updated_at=now)
    )
    return rowcount(result) == 1


async def try_unreserve(session: AsyncSession, sku: str, qty: int, now: datetime) -> bool:
    result = await session.execute(
        update(StockLevel)
        .where(StockLevel.sku == sku, StockLevel.reserved_qty >= qty)
        .values(reserved_qty=StockLevel.reserved_qty - qty, updated_at=now)
    )
    return rowcount(result) == 1


async def try_change_on_hand(session: AsyncSession, sku: str, delta: int, now: datetime) -> bool:
    """Add `delta` to on-hand stock unless that would leave less than is reserved or more
    than the column holds. (Written so that no intermediate sum can overflow.)"""
    limit = (
        StockLevel.qty_on_hand <= MAX_COUNT - delta
        if delta > 0
        else StockLevel.qty_on_hand - StockLevel.reserved_qty >= -delta
    )
    result = await session.execute(
        update(StockLevel)
        .where(StockLevel.sku == sku, limit)
        .values(qty_on_hand=StockLevel.qty_on_hand + delta, updated_at=now)
    )
    return rowcount(result) == 1


async def try_ship(session: AsyncSession, sku: str, qty: int, now: datetime) -> bool:
    """Take reserved units out of stock: on hand and reserved both drop by `qty`."""
    result = await session.execute(
        update(StockLevel)
        .where(StockLevel.sku == sku, StockLevel.reserved_qty >= qty)
        .values(
            qty_on_hand=StockLevel.qty_on_hand - qty,
            reserved_qty=StockLevel.reserved_qty - qty,
            updated_at=now,
        )
    )
    return rowcount(result) == 1


async def levels(session: AsyncSession, skus: Sequence[str]) -> dict[str, StockLevel]:
    rows = (await session.execute(select(StockLevel).where(StockLevel.sku.in_(skus)))).scalars()
    return {s.sku: s for s in rows}


async def level_figures(
    session: AsyncSession, skus: Sequence[str], *, latest: bool = False, lock: bool = False
) -> dict[str, tuple[int, int]]:
    """(on hand, reserved) per SKU, read fresh from the database.

    `latest` takes a shared lock so the figures are the latest committed ones even where a
    plain read sees the transaction's snapshot (MariaDB's repeatable read), e.g. to explain
    why a conditional update just failed. `lock` takes the rows for update, in SKU order
    (a locking read sees the latest committed figures too).
    """
    query = select(StockLevel.sku, StockLevel.qty_on_hand, StockLevel.reserved_qty).where(
        StockLevel.sku.in_(skus)
    )
    if lock:
        query = query.order_by(StockLevel.sku).with_for_update()
    elif latest:
        query = query.with_for_update(read=True)
    rows = await session.execute(query)
    return {sku: (int(on_hand), int(reserved)) for sku, on_hand, reserved in rows}


_ADD_RESERVED = (
    update(StockLevel.__table__)
    .where(StockLevel.__table__.c.sku == bindparam("s_sku"))
    .values(
        reserved_qty=StockLevel.__table__.c.reserved_qty + bindparam("s_qty"),
        updated_at=bindparam("s_now"),
    )
)
RESERVATION_COLUMNS = ("order_id", "sku", "qty", "status", "source", "created_at", "updated_at")
MOVEMENT_COLUMNS = (
    "sku",
    "kind",
    "qty",
    "on_hand_after",
    "reserved_after",
    "reason",
    "actor",
    "order_id",
    "created_at",
)


async def add_reserved(session: AsyncSession, added: dict[str, int], now: datetime) -> None:
    """Add to the reserved units of many SKUs in one executemany (the table's checks keep
    reserved within on hand)."""
    await session.execute(
        _ADD_RESERVED, [{"s_sku": sku, "s_qty": qty, "s_now": now} for sku, qty in added.items()]
    )


async def orders_with_reservations(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await session.execute(
        select(Reservation.order_id).where(Reservation.order_id.in_(set(order_ids))).distinct()
    )
    return set(rows.scalars())


async def add_reservation_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(
        session,
        Reservation.__table__,
        RESERVATION_COLUMNS,
        [tuple(row[c] for c in RESERVATION_COLUMNS) for row in rows],
    )


async def add_movement_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await insert_rows(
        session,
        StockMovement.__table__,
        MOVEMENT_COLUMNS,
        [tuple(row[c] for c in MOVEMENT_COLUMNS) for row in rows],
    )


async def add_movements(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(StockMovement.__table__.insert(), list(rows))


async def reservations_for(session: AsyncSession, order_id: uuid.UUID) -> list[Reservation]:
    rows = await session.execute(
        select(Reservation).where(Reservation.order_id == order_id).order_by(Reservation.sku)
    )
    return list(rows.scalars())


async def add_reservations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(Reservation.__table__.insert(), list(rows))


async def set_reservation_status(
    session: AsyncSession,
    order_id: uuid.UUID,
    sku: str,
    *,
    expected: str,
    status: str,
    now: datetime,
) -> bool:
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.order_id == order_id, Reservation.sku == sku, Reservation.status == expected
        )
        .values(status=status, updated_at=now)
    )
    return rowcount(result) == 1


async def movements(
    session: AsyncSession, sku: str, *, limit: int, offset: int
) -> tuple[list[StockMovement], int]:
    total = (
        await session.execute(
            select(func.count()).select_from(StockMovement).where(StockMovement.sku == sku)
        )
    ).scalar_one()
    rows = await session.execute(
        select(StockMovement)
        .where(StockMovement.sku == sku)
        .order_by(StockMovement.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def count_low_stock(session: AsyncSession) -> int:
    """Active products whose available stock is at or below their reorder point."""
    query = (
        select(func.count())
        .select_from(Product)
        .join(StockLevel, StockLevel.sku == Product.sku)
        .where(
            Product.active.is_(True),
            StockLevel.qty_on_hand - StockLevel.reserved_qty <= StockLevel.reorder_point,
        )
    )
    return int((await session.execute(query)).scalar_one())
