"""Inventory's repository in memory: the same methods as `InventoryRepository`, the same
conditional updates, and the stock table's checks (on hand and reserved never negative,
reserved within on hand), so a use case that would break them fails here too."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pulse.inventory.models import Product, Reservation, StockLevel, StockMovement
from pulse.inventory.repository import MAX_COUNT


class CheckViolated(Exception):
    """What the database's check constraints would refuse."""


class InMemoryInventory:
    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.levels: dict[str, StockLevel] = {}
        self.reservations: dict[tuple[uuid.UUID, str], Reservation] = {}
        self.movement_rows: list[dict[str, Any]] = []

    # -- set-up for a test ------------------------------------------------------------------
    def stock(
        self,
        sku: str,
        on_hand: int = 0,
        *,
        reserved: int = 0,
        reorder_point: int = 0,
        price: str = "10.00",
        tax_rate: str = "0.2000",
        active: bool = True,
    ) -> StockLevel:
        """Put a product with this stock and price in the catalogue."""
        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.products[sku] = Product(
            sku=sku,
            name=sku.title(),
            description="",
            price=Decimal(price),
            tax_rate=Decimal(tax_rate),
            tax_code=None,
            active=active,
            created_at=now,
            updated_at=now,
        )
        level = StockLevel(
            sku=sku,
            qty_on_hand=on_hand,
            reserved_qty=reserved,
            reorder_point=reorder_point,
            reorder_qty=0,
            lead_time_days=0,
            updated_at=now,
        )
        self.levels[sku] = self._checked(level)
        return level

    def figures(self, sku: str) -> tuple[int, int]:
        level = self.levels[sku]
        return level.qty_on_hand, level.reserved_qty

    @staticmethod
    def _checked(level: StockLevel) -> StockLevel:
        if not 0 <= level.reserved_qty <= level.qty_on_hand:
            raise CheckViolated(
                f"{level.sku}: {level.qty_on_hand} on hand, {level.reserved_qty} reserved"
            )
        return level

    def _move(self, sku: str, now: datetime, *, on_hand: int = 0, reserved: int = 0) -> None:
        level = self.levels[sku]
        level.qty_on_hand += on_hand
        level.reserved_qty += reserved
        level.updated_at = now
        self._checked(level)

    # -- InventoryRepository ----------------------------------------------------------------
    async def get(self, sku: str) -> tuple[Product, StockLevel] | None:
        return (self.products[sku], self.levels[sku]) if sku in self.products else None

    get_for_update = get

    async def exists(self, sku: str) -> bool:
        return sku in self.products

    async def follow_tax_rate(self, code: str, rate: Decimal, now: datetime) -> list[str]:
        moved = sorted(
            s for s, p in self.products.items() if p.tax_code == code and p.tax_rate != rate
        )
        for sku in moved:
            self.products[sku].tax_rate = rate
            self.products[sku].updated_at = now
        return moved

    async def search(
        self, *, q: str | None, low_only: bool, active: bool | None, limit: int, offset: int
    ) -> tuple[list[tuple[Product, StockLevel]], int]:
        rows = [
            (p, self.levels[s])
            for s, p in sorted(self.products.items())
            if (not q or q.lower() in s.lower() or q.lower() in p.name.lower())
            and (not low_only or _low(self.levels[s]))
            and (active is None or p.active is active)
        ]
        return rows[offset : offset + limit], len(rows)

    async def catalogue(self, skus: Sequence[str]) -> list[Any]:
        return [
            (p.sku, p.name, p.price, p.tax_rate, p.active)
            for s in skus
            if (p := self.products.get(s)) is not None
        ]

    async def add_product(self, product: Product, stock: StockLevel) -> None:
        self.products[product.sku] = product
        self.levels[stock.sku] = self._checked(stock)

    async def save(self) -> None:
        for level in self.levels.values():
            self._checked(level)

    async def reload(self, stock: StockLevel) -> None:
        """The objects are the stored rows: nothing to read again."""

    async def try_reserve(self, sku: str, qty: int, now: datetime) -> bool:
        level = self.levels.get(sku)
        if level is None or level.qty_on_hand - level.reserved_qty < qty:
            return False
        self._move(sku, now, reserved=qty)
        return True

    async def try_unreserve(self, sku: str, qty: int, now: datetime) -> bool:
        level = self.levels.get(sku)
        if level is None or level.reserved_qty < qty:
            return False
        self._move(sku, now, reserved=-qty)
        return True

    async def try_change_on_hand(self, sku: str, delta: int, now: datetime) -> bool:
        level = self.levels.get(sku)
        if level is None:
            return False
        if delta > 0 and level.qty_on_hand > MAX_COUNT - delta:
            return False
        if delta <= 0 and level.qty_on_hand - level.reserved_qty < -delta:
            return False
        self._move(sku, now, on_hand=delta)
        return True

    async def try_ship(self, sku: str, qty: int, now: datetime) -> bool:
        level = self.levels.get(sku)
        if level is None or level.reserved_qty < qty:
            return False
        self._move(sku, now, on_hand=-qty, reserved=-qty)
        return True

    async def level_figures(
        self, skus: Sequence[str], *, latest: bool = False, lock: bool = False
    ) -> dict[str, tuple[int, int]]:
        return {s: self.figures(s) for s in skus if s in self.levels}

    async def add_reserved(self, added: dict[str, int], now: datetime) -> None:
        for sku, qty in added.items():
            self._move(sku, now, reserved=qty)

    async def orders_with_reservations(self, order_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {o for o, _ in self.reservations if o in set(order_ids)}

    async def add_reservations(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            key = (row["order_id"], row["sku"])
            if key in self.reservations:
                raise CheckViolated(f"a second reservation of {key}")
            self.reservations[key] = Reservation(**row)

    add_reservation_rows = add_reservations

    async def add_movements(self, rows: Sequence[dict[str, Any]]) -> None:
        self.movement_rows.extend(dict(row) for row in rows)

    add_movement_rows = add_movements

    async def reservations_for(self, order_id: uuid.UUID) -> list[Reservation]:
        return [r for (o, _), r in sorted(self.reservations.items()) if o == order_id]

    async def set_reservation_status(
        self, order_id: uuid.UUID, sku: str, *, expected: str, status: str, now: datetime
    ) -> bool:
        found = self.reservations.get((order_id, sku))
        if found is None or found.status != expected:
            return False
        found.status, found.updated_at = status, now
        return True

    async def movements(
        self, sku: str, *, limit: int, offset: int
    ) -> tuple[list[StockMovement], int]:
        rows = [
            StockMovement(id=n, **row)
            for n, row in enumerate(self.movement_rows, start=1)
            if row["sku"] == sku
        ][::-1]
        return rows[offset : offset + limit], len(rows)

    async def count_low_stock(self) -> int:
        return sum(1 for s, p in self.products.items() if p.active and _low(self.levels[s]))


def _low(level: StockLevel) -> bool:
    return level.qty_on_hand - level.reserved_qty <= level.reorder_point
