"""All SQL of the orders module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.orders.models import Customer, Order, OrderLine, OrderStatusChange
from pulse.platform.bulk import insert_rows
from pulse.platform.db import rowcount

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


# -- customers -------------------------------------------------------------------------------
async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    return await session.get(Customer, customer_id)


# Hot statements, built once: their compiled form is cached under a key computed once.
_CUSTOMER_EXISTS = select(Customer.__table__.c.id).where(
    Customer.__table__.c.id == bindparam("customer_id")
)


async def customer_exists(session: AsyncSession, customer_id: uuid.UUID) -> bool:
    connection = await session.connection()
    row = await connection.execute(_CUSTOMER_EXISTS, {"customer_id": customer_id})
    return row.first() is not None


async def email_taken(
    session: AsyncSession, email: str, *, other_than: uuid.UUID | None = None
) -> bool:
    query = select(Customer.id).where(func.lower(Customer.email) == email.lower())
    if other_than is not None:
        query = query.where(Customer.id != other_than)
    return (await session.execute(query)).first() is not None


async def code_taken(
    session: AsyncSession, code: str, *, other_than: uuid.UUID | None = None
) -> bool:
    query = select(Customer.id).where(Customer.code == code)
    if other_than is not None:
        query = query.where(Customer.id != other_than)
    return (await session.execute(query)).first() is not None


async def add_customer(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()


async def search_customers(
    session: AsyncSession, *, q: str | None, limit: int, offset: int
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
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(Customer.name, Customer.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), int(total)


# -- orders ----------------------------------------------------------------------------------
async def insert_order(
    session: AsyncSession, order: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> None:
    await session.execute(Order.__table__.insert(), [order])
    await session.execute(OrderLine.__table__.insert(), list(lines))


async def insert_placed(
    session: AsyncSession,
    order: tuple[Any, ...],
    lines: Sequence[tuple[Any, ...]],
    history: tuple[Any, ...],
) -> None:
    """A new order with its lines and first status change, as tuples in `ORDER_COLUMNS`,
    `LINE_COLUMNS` and `HISTORY_COLUMNS` order: three inserts on the bulk fast path."""
    await insert_rows(session, Order.__table__, ORDER_COLUMNS, [order])
    await insert_rows(session, OrderLine.__table__, LINE_COLUMNS, lines)
    await insert_rows(session, OrderStatusChange.__table__, HISTORY_COLUMNS, [history])


async def get_order(
    session: AsyncSession, order_id: uuid.UUID, *, for_update: bool = False
) -> Order | None:
    query = select(Order).where(Order.id == order_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


_ORDERS = Order.__table__.c
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


async def order_with_lines(
    session: AsyncSession, order_id: uuid.UUID
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
    """(the order's `ORDER_READ_COLUMNS`, its lines' `LINE_READ_COLUMNS` by line number) in
    one statement, or None when there is no such order."""
    connection = await session.connection()
    rows = (await connection.execute(_ORDER_WITH_LINES, {"order_id": order_id})).all()
    if not rows:
        return None
    width = len(ORDER_READ_COLUMNS)
    lines = [tuple(row[width:]) for row in rows if row[width] is not None]
    return tuple(rows[0][:width]), lines


async def history_rows(session: AsyncSession, order_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """The order's status changes, oldest first, as `HISTORY_READ_COLUMNS` tuples."""
    connection = await session.connection()
    return [tuple(r) for r in await connection.execute(_HISTORY_OF, {"order_id": order_id})]


async def lines_of(session: AsyncSession, order_id: uuid.UUID) -> list[OrderLine]:
    rows = await session.execute(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
    )
    return list(rows.scalars())


async def order_row(session: AsyncSession, order_id: uuid.UUID, *, for_update: bool = False) -> Any:
    """The order's columns as a plain row (cheaper than an ORM object, for other modules)."""
    query = select(
        Order.id,
        Order.number,
        Order.customer_id,
        Order.status,
        Order.subtotal,
        Order.tax,
        Order.total,
    ).where(Order.id == order_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def line_rows(session: AsyncSession, order_id: uuid.UUID) -> list[Any]:
    query = (
        select(
            OrderLine.line_no,
            OrderLine.sku,
            OrderLine.name,
            OrderLine.qty,
            OrderLine.unit_price,
            OrderLine.tax_rate,
            OrderLine.line_total,
            OrderLine.line_tax,
        )
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    )
    return list((await session.execute(query)).all())


async def history_of(session: AsyncSession, order_id: uuid.UUID) -> list[OrderStatusChange]:
    rows = await session.execute(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order_id)
        .order_by(OrderStatusChange.id)
    )
    return list(rows.scalars())


async def move_status(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    expected: str,
    status: str,
    reason: str,
    actor: str | None,
    now: datetime,
) -> bool:
    """Compare-and-set the status, so two concurrent moves cannot both succeed."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == expected)
        .values(status=status, status_reason=reason, updated_at=now)
    )
    if rowcount(result) != 1:
        return False
    await add_history(
        session,
        order_id,
        from_status=expected,
        to_status=status,
        reason=reason,
        actor=actor,
        now=now,
    )
    return True


async def add_history(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    from_status: str | None,
    to_status: str,
    reason: str,
    actor: str | None,
    now: datetime,
) -> None:
    await session.execute(
        insert(OrderStatusChange).values(
            order_id=order_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason[:500],
            actor=actor,
            at=now,
        )
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


SUMMARY_COLUMNS = ("id", "number", "customer_id", "status", "total", "created_at")


async def search_orders(
    session: AsyncSession,
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
    connection = await session.connection()
    total = (
        await connection.execute(_order_filter(select(func.count()).select_from(Order), **filters))
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
