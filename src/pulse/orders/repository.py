"""All SQL of the orders module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, or_, select, update

from pulse.orders.models import Customer, Order, OrderLine, OrderStatusChange
from pulse.platform.bulk import insert_rows
from pulse.platform.db import one_or_none, rowcount
from pulse.platform.uow import Repository

# Column orders of the rows `insert_placed` takes.
ORDER_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "status",
    "subtotal",
    "tax",
    "total",
    "status_reason",
    "created_by",
    "created_at",
    "updated_at",
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "sku",
    "name",
    "qty",
    "unit_price",
    "tax_rate",
    "line_total",
    "line_tax",
)
HISTORY_COLUMNS = ("order_id", "from_status", "to_status", "reason", "actor", "at")


# Hot statements, built once: their compiled form is cached under a key computed once.
_CUSTOMER_EXISTS = select(Customer.__table__.c.id).where(
    Customer.__table__.c.id == bindparam("customer_id")
)


_ORDERS = Order.__table__.c
_SET_STATUS = (
    update(Order.__table__)
    .where(_ORDERS.id == bindparam("o_id"), _ORDERS.status == bindparam("o_from"))
    .values(
        status=bindparam("o_to"),
        status_reason=bindparam("o_reason"),
        updated_at=bindparam("o_now"),
    )
)
_LINES = OrderLine.__table__.c
_HISTORY = OrderStatusChange.__table__.c
ORDER_READ_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "status",
    "status_reason",
    "subtotal",
    "tax",
    "total",
    "created_by",
    "created_at",
    "updated_at",
)
LINE_READ_COLUMNS = LINE_COLUMNS[1:]
HISTORY_READ_COLUMNS = HISTORY_COLUMNS[1:]
_ORDER_WITH_LINES = (
    select(
        *(_ORDERS[name] for name in ORDER_READ_COLUMNS),
        *(_LINES[name].label(f"line_{name}") for name in LINE_READ_COLUMNS),
    )
    .select_from(Order.__table__.outerjoin(OrderLine.__table__))
    .where(_ORDERS.id == bindparam("order_id"))
    .order_by(_LINES.line_no)
)
_HISTORY_OF = (
    select(*(_HISTORY[name] for name in HISTORY_READ_COLUMNS))
    .where(_HISTORY.order_id == bindparam("order_id"))
    .order_by(_HISTORY.id)
)


def _order_filter(
    query: Select[Any],
    *,
    status: str | None,
    customer_id: uuid.UUID | None,
    created_from: datetime | None,
    created_to: datetime | None,
) -> Select[Any]:
    if status:
        query = query.where(Order.status == status)
    if customer_id:
        query = query.where(Order.customer_id == customer_id)
    if created_from:
        query = query.where(Order.created_at >= created_from)
    if created_to:
        query = query.where(Order.created_at < created_to)
    return query


# The columns billing invoices an order from.
_FOR_INVOICE = tuple(
    _ORDERS[n] for n in ("id", "number", "customer_id", "status", "subtotal", "tax", "total")
)
_LINE_FOR_INVOICE = tuple(_LINES[name] for name in LINE_READ_COLUMNS)
SUMMARY_COLUMNS = ("id", "number", "customer_id", "status", "total", "created_at")


class OrdersRepository(Repository):
    """The orders module's statements (customers, orders, their lines and status
    history), on one unit of work's session (`uow.repo(OrdersRepository)`)."""

    __slots__ = ()

    # -- customers ---------------------------------------------------------------------------
    async def get_customer(self, customer_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def customer_exists(self, customer_id: uuid.UUID) -> bool:
        connection = await self.session.connection()
        row = await connection.execute(_CUSTOMER_EXISTS, {"customer_id": customer_id})
        return row.first() is not None

    async def email_taken(self, email: str, *, other_than: uuid.UUID | None = None) -> bool:
        query = select(Customer.id).where(func.lower(Customer.email) == email.lower())
        if other_than is not None:
            query = query.where(Customer.id != other_than)
        return (await self.session.execute(query)).first() is not None

    async def code_taken(self, code: str, *, other_than: uuid.UUID | None = None) -> bool:
        query = select(Customer.id).where(Customer.code == code)
        if other_than is not None:
            query = query.where(Customer.id != other_than)
        return (await self.session.execute(query)).first() is not None

    async def add_customer(self, customer: Customer) -> None:
        self.session.add(customer)
        await self.session.flush()

    async def save(self) -> None:
        """Write the changes made to the customers and orders this work has read."""
        await self.session.flush()

    async def reload(self, order: Order) -> None:
        """Read an order again, after a compare-and-set moved its status."""
        await self.session.refresh(order)

    async def search_customers(
        self, *, q: str | None, limit: int, offset: int
    ) -> tuple[list[Customer], int]:
        query = select(Customer)
        if q:
            pattern = f"%{q.lower()}%"
            query = query.where(
                or_(
                    func.lower(Customer.name).like(pattern),
                    func.lower(Customer.email).like(pattern),
                    func.lower(Customer.code).like(pattern),
                )
            )
        total = (
            await self.session.execute(select(func.count()).select_from(query.subquery()))
        ).scalar_one()
        rows = await self.session.execute(
            query.order_by(Customer.name, Customer.id).limit(limit).offset(offset)
        )
        return list(rows.scalars()), int(total)

    # -- orders ------------------------------------------------------------------------------
    async def insert_placed(
        self,
        order: tuple[Any, ...],
        lines: Sequence[tuple[Any, ...]],
        history: tuple[Any, ...],
    ) -> None:
        """A new order with its lines and first status change, as tuples in `ORDER_COLUMNS`,
        `LINE_COLUMNS` and `HISTORY_COLUMNS` order: three inserts on the bulk fast path."""
        await insert_rows(self.session, Order.__table__, ORDER_COLUMNS, [order])
        await insert_rows(self.session, OrderLine.__table__, LINE_COLUMNS, lines)
        await insert_rows(self.session, OrderStatusChange.__table__, HISTORY_COLUMNS, [history])

    async def get_order(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        query = select(Order).where(Order.id == order_id)
        return await one_or_none(self.session, query, lock=for_update)

    async def order_with_lines(
        self, order_id: uuid.UUID
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
        """(the order's `ORDER_READ_COLUMNS`, its lines' `LINE_READ_COLUMNS` by line number) in
        one statement, or None when there is no such order."""
        connection = await self.session.connection()
        rows = (await connection.execute(_ORDER_WITH_LINES, {"order_id": order_id})).all()
        if not rows:
            return None
        width = len(ORDER_READ_COLUMNS)
        lines = [tuple(row[width:]) for row in rows if row[width] is not None]
        return tuple(rows[0][:width]), lines

    async def history_rows(self, order_id: uuid.UUID) -> list[tuple[Any, ...]]:
        """The order's status changes, oldest first, as `HISTORY_READ_COLUMNS` tuples."""
        connection = await self.session.connection()
        return [tuple(r) for r in await connection.execute(_HISTORY_OF, {"order_id": order_id})]

    async def lines_of(self, order_id: uuid.UUID) -> list[OrderLine]:
        rows = await self.session.execute(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        )
        return list(rows.scalars())

    # -- what billing invoices an order from (queries.py) ------------------------------
    async def order_row(self, order_id: uuid.UUID, *, for_update: bool = False) -> Any:
        """The order's columns as a plain row (cheaper than an ORM object, for other modules)."""
        query = select(*_FOR_INVOICE).where(_ORDERS.id == order_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def line_rows(self, order_id: uuid.UUID) -> list[Any]:
        query = (
            select(*_LINE_FOR_INVOICE).where(_LINES.order_id == order_id).order_by(_LINES.line_no)
        )
        return list((await self.session.execute(query)).all())

    async def order_rows(self, order_ids: Sequence[uuid.UUID], *, lock: bool) -> list[Any]:
        """`order_row` of many orders, in id order (`lock`: locked for update in that order,
        so two batches that share orders cannot deadlock on them)."""
        query = select(*_FOR_INVOICE).where(_ORDERS.id.in_(order_ids)).order_by(_ORDERS.id)
        if lock:
            query = query.with_for_update()
        return list((await self.session.execute(query)).all())

    async def line_rows_of(self, order_ids: Sequence[uuid.UUID]) -> list[Any]:
        """`line_rows` of many orders, each with its order_id, by order and line number."""
        query = (
            select(_LINES.order_id, *_LINE_FOR_INVOICE)
            .where(_LINES.order_id.in_(order_ids))
            .order_by(_LINES.order_id, _LINES.line_no)
        )
        return list(await self.session.execute(query))

    async def billing_parties(self, customer_ids: Collection[uuid.UUID]) -> list[Any]:
        """(id, name, email, billing_address, payment_terms_days) of the customers that exist."""
        query = select(
            Customer.id,
            Customer.name,
            Customer.email,
            Customer.billing_address,
            Customer.payment_terms_days,
        ).where(Customer.id.in_(set(customer_ids)))
        return list(await self.session.execute(query))

    async def move_status(
        self,
        order_id: uuid.UUID,
        *,
        expected: str,
        status: str,
        reason: str,
        actor: str | None,
        now: datetime,
    ) -> bool:
        """Compare-and-set the status, so two concurrent moves cannot both succeed."""
        result = await self.session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == expected)
            .values(status=status, status_reason=reason, updated_at=now)
        )
        if rowcount(result) != 1:
            return False
        await self.add_history(
            order_id,
            from_status=expected,
            to_status=status,
            reason=reason,
            actor=actor,
            now=now,
        )
        return True

    async def lock_for_moves(self, order_ids: Collection[uuid.UUID]) -> list[Any]:
        """(id, number, customer_id, total, status, created_at) of the orders, locked for
        update in id order (so two batches that share orders cannot deadlock)."""
        rows = await self.session.execute(
            select(
                _ORDERS.id,
                _ORDERS.number,
                _ORDERS.customer_id,
                _ORDERS.total,
                _ORDERS.status,
                _ORDERS.created_at,
            )
            .where(_ORDERS.id.in_(sorted(order_ids)))
            .order_by(_ORDERS.id)
            .with_for_update()
        )
        return list(rows)

    async def set_statuses(self, updates: Sequence[dict[str, object]]) -> None:
        """Compare-and-set many statuses in one executemany (`o_id`, `o_from`, `o_to`,
        `o_reason`, `o_now` each)."""
        await self.session.execute(_SET_STATUS, updates)

    async def move_on_from(
        self, expected: str, updates: Sequence[dict[str, object]], now: datetime
    ) -> int | None:
        """Move orders still in status `expected` on (`b_id`, `b_status`, `b_reason` each) in
        one executemany: how many moved where the driver counts an executemany's rows, else
        None."""
        table = Order.__table__
        result = await self.session.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"), table.c.status == expected)
            .values(
                status=bindparam("b_status"), status_reason=bindparam("b_reason"), updated_at=now
            ),
            updates,
        )
        counted = (await self.session.connection()).dialect.supports_sane_multi_rowcount
        return rowcount(result) if counted else None

    async def add_history_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Status changes as `HISTORY_COLUMNS` tuples, in one insert."""
        await insert_rows(self.session, OrderStatusChange.__table__, HISTORY_COLUMNS, rows)

    async def add_history(
        self,
        order_id: uuid.UUID,
        *,
        from_status: str | None,
        to_status: str,
        reason: str,
        actor: str | None,
        now: datetime,
    ) -> None:
        await self.session.execute(
            insert(OrderStatusChange).values(
                order_id=order_id,
                from_status=from_status,
                to_status=to_status,
                reason=reason[:500],
                actor=actor,
                at=now,
            )
        )

    async def search_orders(
        self,
        *,
        status: str | None,
        customer_id: uuid.UUID | None,
        created_from: datetime | None,
        created_to: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[Any, ...]], int]:
        """A page of orders as `SUMMARY_COLUMNS` tuples, newest first, and how many match.

        Two statements, not one with a window count: the count reads an index alone and the
        page stops at its limit, where a window would make the database read every match."""
        filters: dict[str, Any] = {
            "status": status,
            "customer_id": customer_id,
            "created_from": created_from,
            "created_to": created_to,
        }
        connection = await self.session.connection()
        total = (
            await connection.execute(
                _order_filter(select(func.count()).select_from(Order), **filters)
            )
        ).scalar_one()
        if total == 0 or offset >= total:
            return [], int(total)
        page = (
            _order_filter(select(*(_ORDERS[name] for name in SUMMARY_COLUMNS)), **filters)
            .order_by(_ORDERS.created_at.desc(), _ORDERS.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return [tuple(row) for row in await connection.execute(page)], int(total)
