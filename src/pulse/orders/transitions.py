"""Status moves of many orders at once, for consumers that work a batch: one read, one
executemany of compare-and-set updates and one insert of history rows, whatever the number
of orders.

Each move names the status it expects. A move whose order is missing, is no longer in an
expected state, or may not go to the target (TRANSITIONS) changes nothing, exactly as the
one-order moves in `service` behave; the moves of one order in one call apply in turn.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from pulse.orders.events import OrderConfirmed, OrderRejected, OrderStatusChanged
from pulse.orders.repository import OrdersRepository
from pulse.orders.schemas import OrderStatus
from pulse.platform.errors import Conflict
from pulse.platform.events import Envelope, utcnow
from pulse.platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Move:
    order_id: uuid.UUID
    target: OrderStatus
    reason: str
    actor: str | None


@dataclass(frozen=True, slots=True)
class Moved:
    """An order that moved: what its event needs."""

    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    total: Decimal
    from_status: str
    to_status: str
    placed_at: datetime


async def move_many(uow: UnitOfWork, moves: Sequence[Move]) -> list[Moved | None]:
    """Apply `moves` in order; answer, for each, what moved (None: nothing did).

    The orders are read under a row lock (where the database has one) in id order, so two
    batches touching the same orders cannot deadlock, and nothing moves them meanwhile.
    """
    from pulse.orders.service import TRANSITIONS

    if not moves:
        return []
    repo = uow.repo(OrdersRepository)
    current = {row.id: row for row in await repo.lock_for_moves({m.order_id for m in moves})}
    status = {order_id: row.status for order_id, row in current.items()}
    now = utcnow()
    results: list[Moved | None] = []
    updates: list[dict[str, object]] = []
    history: list[tuple[object, ...]] = []
    for move in moves:
        row = current.get(move.order_id)
        before = status.get(move.order_id)
        if row is None or before is None or move.target not in TRANSITIONS[OrderStatus(before)]:
            results.append(None)
            continue
        reason = move.reason[:500]
        status[move.order_id] = move.target.value
        updates.append(
            {
                "o_id": move.order_id,
                "o_from": before,
                "o_to": move.target.value,
                "o_reason": reason,
                "o_now": now,
            }
        )
        history.append((move.order_id, before, move.target.value, reason, move.actor, now))
        results.append(
            Moved(
                order_id=move.order_id,
                number=row.number,
                customer_id=row.customer_id,
                total=row.total,
                from_status=before,
                to_status=move.target.value,
                placed_at=row.created_at,
            )
        )
    if updates:
        # Under the lock every compare-and-set holds; the status guard stays as a backstop.
        await repo.set_statuses(updates)
        await repo.add_history_rows(history)
    return results


async def confirm(
    uow: UnitOfWork, orders: Sequence[tuple[uuid.UUID, Envelope | None]]
) -> list[Moved | None]:
    """Stock was reserved for these orders (each with the event that said so): each one still
    placed is confirmed, and says so in an `order.confirmed` caused by that event."""
    moved = await move_many(
        uow,
        [
            Move(order_id, OrderStatus.CONFIRMED, "stock reserved", _actor(uow, cause))
            for order_id, cause in orders
        ],
    )
    for (_, cause), order in zip(orders, moved, strict=True):
        if order is not None:
            uow.emit(
                OrderConfirmed(
                    order_id=order.order_id,
                    number=order.number,
                    customer_id=order.customer_id,
                    total=order.total,
                ),
                cause=cause,
            )
    return moved


async def reject(
    uow: UnitOfWork, orders: Sequence[tuple[uuid.UUID, str, Envelope | None]]
) -> list[Moved | None]:
    """Stock could not be reserved: each order still placed is rejected, saying why."""
    moved = await move_many(
        uow,
        [
            Move(order_id, OrderStatus.REJECTED, reason, _actor(uow, cause))
            for order_id, reason, cause in orders
        ],
    )
    for (_, reason, cause), order in zip(orders, moved, strict=True):
        if order is not None:
            uow.emit(
                OrderRejected(order_id=order.order_id, number=order.number, reason=reason[:500]),
                cause=cause,
            )
    return moved


def _actor(uow: UnitOfWork, cause: Envelope | None) -> str | None:
    return cause.actor if cause is not None else uow.actor


# -- billing's move: the orders of a batch of invoices -----------------------------------------
class InvoicedOrder(NamedTuple):
    """An order billing has just issued the invoice of, for `invoices_issued`."""

    order_id: uuid.UUID
    number: str  # the order's
    invoice_number: str
    settled: bool  # nothing to pay: the order goes on to `paid`
    cause: Envelope | None = None  # the event billing answered (its actor makes the move)


async def invoices_issued(uow: UnitOfWork, invoiced: Sequence[InvoicedOrder]) -> None:
    """`invoice_issued` for many orders, with a constant number of statements: each order
    (locked and read `confirmed` in this transaction by `orders_for_invoice(..., lock=True)`)
    moves to `invoiced`, and on to `paid` when there is nothing to pay, with the status
    history rows and `OrderStatusChanged` events the single move writes, each caused by
    (and the history's actor taken from) the order's `cause`."""
    if not invoiced:
        return
    if len({x.order_id for x in invoiced}) != len(invoiced):
        raise ValueError("an order appears twice among the invoiced orders")
    now = utcnow()
    confirmed, invoiced_state, paid = (
        OrderStatus.CONFIRMED.value,
        OrderStatus.INVOICED.value,
        OrderStatus.PAID.value,
    )
    updates: list[dict[str, object]] = []
    history: list[tuple[object, ...]] = []
    events: list[tuple[OrderStatusChanged, Envelope | None]] = []
    for x in invoiced:
        actor = x.cause.actor if x.cause is not None else uow.actor
        reason = f"invoice {x.invoice_number} issued"
        moves = [(confirmed, invoiced_state, reason)]
        if x.settled:
            reason = f"invoice {x.invoice_number} has nothing to pay"
            moves.append((invoiced_state, paid, reason))
        updates.append({"b_id": x.order_id, "b_status": moves[-1][1], "b_reason": reason})
        for before, after, why in moves:
            history.append((x.order_id, before, after, why[:500], actor, now))
            event = OrderStatusChanged(
                order_id=x.order_id, number=x.number, from_status=before, to_status=after
            )
            events.append((event, x.cause))
    repo = uow.repo(OrdersRepository)
    moved = await repo.move_on_from(confirmed, updates, now)
    # Where the driver counts the rows of an executemany, a move that did not apply is
    # refused as the single move refuses it; elsewhere the callers' row locks guarantee it.
    if moved is not None and moved != len(updates):
        raise Conflict(
            "an order is no longer confirmed; its invoice was not issued",
            code="illegal_transition",
        )
    await repo.add_history_rows(history)
    for event, cause in events:
        uow.emit(event, cause=cause)
