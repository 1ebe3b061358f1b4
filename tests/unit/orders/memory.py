"""Orders' repository in memory, for the use cases the unit tests run: customers that
exist, and orders written as the real repository writes them (rows in its column order),
with the customer's foreign key checked as the database checks it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import IntegrityError

from pulse.orders.repository import HISTORY_COLUMNS, LINE_COLUMNS, ORDER_COLUMNS


class InMemoryOrders:
    def __init__(self) -> None:
        self.customers: set[uuid.UUID] = set()
        self.orders: dict[uuid.UUID, dict[str, Any]] = {}
        self.lines: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []

    def customer(self) -> uuid.UUID:
        customer_id = uuid.uuid4()
        self.customers.add(customer_id)
        return customer_id

    def order(self, status: str = "placed", *, total: str = "10.00") -> uuid.UUID:
        """Put an order of a new customer in this status."""
        order_id = uuid.uuid4()
        placed_at = datetime(2026, 1, 1, tzinfo=UTC)
        self.orders[order_id] = {
            "id": order_id,
            "number": f"SO-{len(self.orders) + 1:06d}",
            "customer_id": self.customer(),
            "status": status,
            "subtotal": Decimal(total),
            "tax": Decimal("0.00"),
            "total": Decimal(total),
            "status_reason": "",
            "created_by": "test",
            "created_at": placed_at,
            "updated_at": placed_at,
        }
        return order_id

    def status(self, order_id: uuid.UUID) -> str:
        return str(self.orders[order_id]["status"])

    async def customer_exists(self, customer_id: uuid.UUID) -> bool:
        return customer_id in self.customers

    async def insert_placed(
        self,
        order: tuple[Any, ...],
        lines: Sequence[tuple[Any, ...]],
        history: tuple[Any, ...],
    ) -> None:
        row = dict(zip(ORDER_COLUMNS, order, strict=True))
        if row["customer_id"] not in self.customers:
            raise IntegrityError("INSERT INTO orders", None, Exception("FOREIGN KEY failed"))
        self.orders[row["id"]] = row
        self.lines.extend(dict(zip(LINE_COLUMNS, line, strict=True)) for line in lines)
        self.history.append(dict(zip(HISTORY_COLUMNS, history, strict=True)))

    async def lock_for_moves(self, order_ids: Collection[uuid.UUID]) -> list[Any]:
        columns = ("id", "number", "customer_id", "total", "status", "created_at")
        return [
            SimpleNamespace(**{c: self.orders[o][c] for c in columns})
            for o in sorted(order_ids)
            if o in self.orders
        ]

    async def set_statuses(self, updates: Sequence[dict[str, object]]) -> None:
        for u in updates:
            self._compare_and_set(u["o_id"], u["o_from"], u["o_to"], u["o_reason"], u["o_now"])

    async def move_on_from(
        self, expected: str, updates: Sequence[dict[str, object]], now: datetime
    ) -> int | None:
        return sum(
            self._compare_and_set(u["b_id"], expected, u["b_status"], u["b_reason"], now)
            for u in updates
        )

    async def add_history_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.history.extend(dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in rows)

    def _compare_and_set(
        self, order_id: Any, expected: Any, status: Any, reason: Any, now: Any
    ) -> bool:
        row = self.orders.get(order_id)
        if row is None or row["status"] != expected:
            return False
        row.update(status=status, status_reason=reason, updated_at=now)
        return True
