"""Orders' repository in memory, for the use cases the unit tests run: customers that
exist, and orders written as the real repository writes them (rows in its column order),
with the customer's foreign key checked as the database checks it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
