"""All SQL of the inventory module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.inventory.models import Product, Reservation, StockLevel, StockMovement
from pulse.platform.bulk import insert_rows
from pulse.platform.db import rowcount
from pulse.platform.uow import Repository

# The largest value of the INTEGER stock columns.
MAX_COUNT = 2_147_483_647


def _stock_query() -> Select[Product, StockLevel]:
    return select(Product, StockLevel).join(StockLevel, StockLevel.sku == Product.sku)


_PRODUCTS = Product.__table__
# Columns, not entities: pricing an order reads these on every POST /orders.
_CATALOGUE = select(
    _PRODUCTS.c.sku, _PRODUCTS.c.name, _PRODUCTS.c.price, _PRODUCTS.c.tax_rate, _PRODUCTS.c.active
)

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


async def _insert_dicts(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """`insert_rows` of rows given as dicts by column name."""
    await insert_rows(session, table, columns, [tuple(row[c] for c in columns) for row in rows])


class InventoryRepository(Repository):
    """The inventory module's statements, on one unit of work's session
    (`uow.repo(InventoryRepository)`)."""

    __slots__ = ()

    async def get(self, sku: str) -> tuple[Product, StockLevel] | None:
        row = (await self.session.execute(_stock_query().where(Product.sku == sku))).one_or_none()
        return (row[0], row[1]) if row else None

    async def follow_tax_rate(self, code: str, rate: Decimal, now: datetime) -> list[str]:
        """Give every product that follows the named rate `code` its rate; the SKUs moved."""
        moved = list(
            (
                await self.session.scalars(
                    select(Product.sku)
                    .where(Product.tax_code == code, Product.tax_rate != rate)
                    .order_by(Product.sku)
                    .with_for_update()
                )
            ).all()
        )
        if moved:
            await self.session.execute(
                update(Product)
                .where(Product.sku.in_(moved))
                .values(tax_rate=rate, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        return moved

    async def get_for_update(self, sku: str) -> tuple[Product, StockLevel] | None:
        row = (
            await self.session.execute(
                _stock_query().where(Product.sku == sku).with_for_update(of=StockLevel)
            )
        ).one_or_none()
        return (row[0], row[1]) if row else None

    async def exists(self, sku: str) -> bool:
        return (
            await self.session.execute(select(Product.sku).where(Product.sku == sku))
        ).first() is not None

    async def search(
        self,
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
        total = (
            await self.session.execute(select(func.count()).select_from(query.subquery()))
        ).scalar_one()
        rows = (
            await self.session.execute(query.order_by(Product.sku).limit(limit).offset(offset))
        ).all()
        return [(r[0], r[1]) for r in rows], int(total)

    async def catalogue(self, skus: Sequence[str]) -> list[Any]:
        """(sku, name, price, tax_rate, active) of each SKU that exists."""
        return list(await self.session.execute(_CATALOGUE.where(_PRODUCTS.c.sku.in_(skus))))

    async def add_product(self, product: Product, stock: StockLevel) -> None:
        """Store a new product and its stock level; `product` is read back (its defaults)."""
        self.session.add(product)
        await self.session.flush()
        self.session.add(stock)
        await self.session.flush()
        await self.session.refresh(product)

    async def save(self) -> None:
        """Write the changes made to the products and stock levels this work has read."""
        await self.session.flush()

    async def reload(self, stock: StockLevel) -> None:
        """Read a stock level again, after conditional updates moved its figures."""
        await self.session.refresh(stock)

    async def try_reserve(self, sku: str, qty: int, now: datetime) -> bool:
        """Atomic: reserve only if that many units are available right now."""
        result = await self.session.execute(
            update(StockLevel)
            .where(StockLevel.sku == sku, StockLevel.qty_on_hand - StockLevel.reserved_qty >= qty)
            .values(reserved_qty=StockLevel.reserved_qty + qty, updated_at=now)
        )
        return rowcount(result) == 1

    async def try_unreserve(self, sku: str, qty: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(StockLevel)
            .where(StockLevel.sku == sku, StockLevel.reserved_qty >= qty)
            .values(reserved_qty=StockLevel.reserved_qty - qty, updated_at=now)
        )
        return rowcount(result) == 1

    async def try_change_on_hand(self, sku: str, delta: int, now: datetime) -> bool:
        """Add `delta` to on-hand stock unless that would leave less than is reserved or more
        than the column holds. (Written so that no intermediate sum can overflow.)"""
        limit = (
            StockLevel.qty_on_hand <= MAX_COUNT - delta
            if delta > 0
            else StockLevel.qty_on_hand - StockLevel.reserved_qty >= -delta
        )
        result = await self.session.execute(
            update(StockLevel)
            .where(StockLevel.sku == sku, limit)
            .values(qty_on_hand=StockLevel.qty_on_hand + delta, updated_at=now)
        )
        return rowcount(result) == 1

    async def try_ship(self, sku: str, qty: int, now: datetime) -> bool:
        """Take reserved units out of stock: on hand and reserved both drop by `qty`."""
        result = await self.session.execute(
            update(StockLevel)
            .where(StockLevel.sku == sku, StockLevel.reserved_qty >= qty)
            .values(
                qty_on_hand=StockLevel.qty_on_hand - qty,
                reserved_qty=StockLevel.reserved_qty - qty,
                updated_at=now,
            )
        )
        return rowcount(result) == 1

    async def level_figures(
        self, skus: Sequence[str], *, latest: bool = False, lock: bool = False
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
        rows = await self.session.execute(query)
        return {sku: (int(on_hand), int(reserved)) for sku, on_hand, reserved in rows}

    async def add_reserved(self, added: dict[str, int], now: datetime) -> None:
        """Add to the reserved units of many SKUs in one executemany (the table's checks keep
        reserved within on hand)."""
        await self.session.execute(
            _ADD_RESERVED,
            [{"s_sku": sku, "s_qty": qty, "s_now": now} for sku, qty in added.items()],
        )

    async def orders_with_reservations(self, order_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.session.execute(
            select(Reservation.order_id).where(Reservation.order_id.in_(set(order_ids))).distinct()
        )
        return set(rows.scalars())

    async def add_reservation_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        await _insert_dicts(self.session, Reservation.__table__, RESERVATION_COLUMNS, rows)

    async def add_movement_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        await _insert_dicts(self.session, StockMovement.__table__, MOVEMENT_COLUMNS, rows)

    async def add_movements(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(StockMovement.__table__.insert(), list(rows))

    async def reservations_for(self, order_id: uuid.UUID) -> list[Reservation]:
        rows = await self.session.execute(
            select(Reservation).where(Reservation.order_id == order_id).order_by(Reservation.sku)
        )
        return list(rows.scalars())

    async def add_reservations(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(Reservation.__table__.insert(), list(rows))

    async def set_reservation_status(
        self,
        order_id: uuid.UUID,
        sku: str,
        *,
        expected: str,
        status: str,
        now: datetime,
    ) -> bool:
        result = await self.session.execute(
            update(Reservation)
            .where(
                Reservation.order_id == order_id,
                Reservation.sku == sku,
                Reservation.status == expected,
            )
            .values(status=status, updated_at=now)
        )
        return rowcount(result) == 1

    async def movements(
        self, sku: str, *, limit: int, offset: int
    ) -> tuple[list[StockMovement], int]:
        total = (
            await self.session.execute(
                select(func.count()).select_from(StockMovement).where(StockMovement.sku == sku)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(StockMovement)
            .where(StockMovement.sku == sku)
            .order_by(StockMovement.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.scalars()), int(total)

    async def count_low_stock(self) -> int:
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
        return int((await self.session.execute(query)).scalar_one())
