"""Order use cases: placing, reading and the status workflow. Totals are computed here,
never taken from the client."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from pulse.inventory import catalogue_lines, for_sale
from pulse.orders.events import (
    OrderCancelled,
    OrderLineData,
    OrderPlaced,
    OrderShipped,
    OrderStatusChanged,
)
from pulse.orders.models import Order
from pulse.orders.repository import (
    HISTORY_READ_COLUMNS,
    LINE_READ_COLUMNS,
    ORDER_READ_COLUMNS,
    SUMMARY_COLUMNS,
    OrdersRepository,
)
from pulse.orders.schemas import (
    OrderCreate,
    OrderLineRead,
    OrderPage,
    OrderRead,
    OrderStatus,
    OrderSummary,
    StatusChangeRead,
)
from pulse.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from pulse.platform.events import new_record_id, utcnow
from pulse.platform.money import money, require_storable
from pulse.platform.numbering import next_number
from pulse.platform.observability import order_placed
from pulse.platform.uow import UnitOfWork
from pulse.platform.validation import as_utc

# The workflow. `confirmed` and `rejected` come only from the stock reservation, `invoiced`
# and `paid` only from billing (the invoice issued, the last payment received).
TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PLACED: {OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.INVOICED, OrderStatus.CANCELLED},
    OrderStatus.INVOICED: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.COMPLETED},
    OrderStatus.REJECTED: set(),
    OrderStatus.COMPLETED: set(),
    OrderStatus.CANCELLED: set(),
}
SYSTEM_ONLY = {
    OrderStatus.CONFIRMED,
    OrderStatus.REJECTED,
    OrderStatus.INVOICED,
    OrderStatus.PAID,
}
# An order in these states has its invoice (billing moves the order to `invoiced` in the
# transaction that issues it): cancelling it voids or credits the invoice.
INVOICED_STATES = {OrderStatus.INVOICED, OrderStatus.PAID}
SET_BY = {
    OrderStatus.CONFIRMED: "the stock reservation",
    OrderStatus.REJECTED: "the stock reservation",
    OrderStatus.INVOICED: "billing when the invoice is issued",
    OrderStatus.PAID: "billing when the invoice is paid in full",
}


# -- placing ---------------------------------------------------------------------------------
async def place_order(uow: UnitOfWork, data: OrderCreate, *, can_override_price: bool) -> OrderRead:
    """Price and write a new order: the customer and catalogue read, then the order, its
    lines and first status change inserted as they are (nothing read back), its event."""
    catalogue = await catalogue_lines(uow, (item.sku for item in data.items))
    order_id = new_record_id()
    rows: list[tuple[Any, ...]] = []
    subtotal = tax = Decimal("0.00")
    for index, item in enumerate(data.items):
        entry = for_sale(catalogue, item.sku, field=f"items.{index}.sku")
        unit_price = money(item.price) if item.price is not None else entry.price
        if unit_price != entry.price and not can_override_price:
            raise Forbidden(
                f"a price other than the catalogue's {entry.price} for '{item.sku}' needs the "
                "'orders:override_price' permission",
                field=f"items.{index}.price",
            )
        line_total = money(unit_price * item.qty)
        line_tax = money(line_total * entry.tax_rate)
        subtotal += line_total
        tax += line_tax
        # In the repository's LINE_COLUMNS order.
        rows.append(
            (
                order_id,
                index + 1,
                item.sku,
                entry.name,
                item.qty,
                unit_price,
                entry.tax_rate,
                line_total,
                line_tax,
            )
        )
    total = subtotal + tax
    require_storable(total, what=f"the order total {total}", field="items")
    now = utcnow()
    number = await next_number(uow, "orders", gapless=False)
    actor = uow.actor
    placed = OrderStatus.PLACED.value
    try:
        await uow.repo(OrdersRepository).insert_placed(
            (order_id, number, data.customer_id, placed, subtotal, tax, total, "", actor, now, now),
            rows,
            (order_id, None, placed, "", actor, now),
        )
    except IntegrityError:
        # The customer is checked by its foreign key, not by a read of its own: only a
        # refused insert costs the question which constraint it was.
        await uow.rollback()
        if not await uow.repo(OrdersRepository).customer_exists(data.customer_id):
            raise InvalidInput(
                f"no customer {data.customer_id}", code="unknown_customer", field="customer_id"
            ) from None
        raise
    # Built from values computed here, not validated again.
    lines = [
        OrderLineRead.model_construct(**dict(zip(_LINE_FIELDS, r[1:], strict=True))) for r in rows
    ]
    uow.emit(
        OrderPlaced(
            order_id=order_id,
            number=number,
            customer_id=data.customer_id,
            lines=tuple(
                OrderLineData.model_construct(
                    sku=r[2],
                    qty=r[4],
                    unit_price=r[5],
                    tax_rate=r[6],
                    line_total=r[7],
                    line_tax=r[8],
                )
                for r in rows
            ),
            subtotal=subtotal,
            tax=tax,
            total=total,
            placed_at=now,
        )
    )
    uow.after_commit(lambda: order_placed(total))
    return OrderRead.model_construct(
        id=order_id,
        number=number,
        customer_id=data.customer_id,
        status=OrderStatus.PLACED,
        status_reason="",
        lines=lines,
        subtotal=subtotal,
        tax=tax,
        total=total,
        created_by=actor,
        created_at=now,
        updated_at=now,
        history=[
            StatusChangeRead.model_construct(
                from_status=None, to_status=placed, reason="", actor=actor, at=now
            )
        ],
    )


_LINE_FIELDS = LINE_READ_COLUMNS
_HISTORY_FIELDS = HISTORY_READ_COLUMNS


# -- reading ---------------------------------------------------------------------------------
async def _order(uow: UnitOfWork, order_id: uuid.UUID, *, for_update: bool = False) -> Order:
    order = await uow.repo(OrdersRepository).get_order(order_id, for_update=for_update)
    if order is None:
        raise NotFound(f"no order {order_id}", field="order_id")
    return order


async def get_order(uow: UnitOfWork, order_id: uuid.UUID) -> OrderRead:
    """The order with its lines and history: two statements, rows straight into the
    answer (values from the database, not validated again)."""
    found = await uow.repo(OrdersRepository).order_with_lines(order_id)
    if found is None:
        raise NotFound(f"no order {order_id}", field="order_id")
    order, lines = found
    history = await uow.repo(OrdersRepository).history_rows(order_id)
    fields = dict(zip(ORDER_READ_COLUMNS, order, strict=True))
    fields["status"] = OrderStatus(fields["status"])
    return OrderRead.model_construct(
        **fields,
        lines=[
            OrderLineRead.model_construct(**dict(zip(_LINE_FIELDS, line, strict=True)))
            for line in lines
        ],
        history=[
            StatusChangeRead.model_construct(**dict(zip(_HISTORY_FIELDS, h, strict=True)))
            for h in history
        ],
    )


def _as_utc(value: datetime | None, name: str) -> datetime | None:
    return as_utc(value, name) if value is not None else None


async def list_orders(
    uow: UnitOfWork,
    *,
    status: OrderStatus | None,
    customer_id: uuid.UUID | None,
    created_from: datetime | None,
    created_to: datetime | None,
    limit: int,
    offset: int,
) -> OrderPage:
    rows, total = await uow.repo(OrdersRepository).search_orders(
        status=status.value if status else None,
        customer_id=customer_id,
        created_from=_as_utc(created_from, "from"),
        created_to=_as_utc(created_to, "to"),
        limit=limit,
        offset=offset,
    )
    items = []
    for row in rows:
        fields = dict(zip(SUMMARY_COLUMNS, row, strict=True))
        fields["status"] = OrderStatus(fields["status"])
        items.append(OrderSummary.model_construct(**fields))
    return OrderPage.model_construct(items=items, total=total, limit=limit, offset=offset)


# -- the workflow ----------------------------------------------------------------------------
async def _move(uow: UnitOfWork, order: Order, target: OrderStatus, reason: str) -> bool:
    current = OrderStatus(order.status)
    if target not in TRANSITIONS[current]:
        return False
    return await uow.repo(OrdersRepository).move_status(
        order.id,
        expected=current.value,
        status=target.value,
        reason=reason,
        actor=uow.actor,
        now=utcnow(),
    )


def _illegal(order: Order, target: OrderStatus) -> Conflict:
    allowed = sorted(s.value for s in TRANSITIONS[OrderStatus(order.status)] - SYSTEM_ONLY)
    return Conflict(
        f"order {order.number} is '{order.status}' and cannot move to '{target.value}'"
        + (f"; allowed: {', '.join(allowed)}" if allowed else "; it is final"),
        code="illegal_transition",
        field="status",
        extra={"current_status": order.status, "allowed": allowed},
    )


async def change_status(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    target: OrderStatus,
    *,
    reason: str = "",
    can_settle_invoice: bool,
) -> OrderRead:
    if target == OrderStatus.CANCELLED:
        return await cancel_order(
            uow, order_id, reason=reason, can_settle_invoice=can_settle_invoice
        )
    order = await _order(uow, order_id, for_update=True)
    if target in SYSTEM_ONLY:
        raise Conflict(
            f"'{target.value}' is set by {SET_BY[target]}, not by hand",
            code="illegal_transition",
            field="status",
            extra={"current_status": order.status},
        )
    previous = order.status
    if not await _move(uow, order, target, reason):
        raise _illegal(order, target)
    if target == OrderStatus.SHIPPED:
        lines = await uow.repo(OrdersRepository).lines_of(order_id)
        uow.emit(
            OrderShipped(
                order_id=order_id,
                number=order.number,
                lines=tuple(OrderLineData.model_validate(x, from_attributes=True) for x in lines),
            )
        )
    else:
        uow.emit(
            OrderStatusChanged(
                order_id=order_id, number=order.number, from_status=previous, to_status=target.value
            )
        )
    await uow.repo(OrdersRepository).reload(order)
    return await get_order(uow, order_id)


async def cancel_order(
    uow: UnitOfWork, order_id: uuid.UUID, *, reason: str = "", can_settle_invoice: bool
) -> OrderRead:
    """Cancel an order. Once it is invoiced, billing voids or credits the invoice in
    reaction, so the caller needs that permission too (`can_settle_invoice`). The status is
    read under the row lock billing takes to invoice, so the two cannot cross."""
    order = await _order(uow, order_id, for_update=True)
    if OrderStatus(order.status) in INVOICED_STATES and not can_settle_invoice:
        effect = "voids or credits" if order.status == OrderStatus.INVOICED else "credits"
        raise Forbidden(
            f"order {order.number} is '{order.status}': cancelling it {effect} its invoice, "
            "which needs the 'billing:write' permission",
            field="status",
        )
    previous = order.status
    if not await _move(uow, order, OrderStatus.CANCELLED, reason):
        raise Conflict(
            f"order {order.number} is '{order.status}' and can no longer be cancelled",
            code="illegal_transition",
            field="status",
            extra={"current_status": order.status},
        )
    uow.emit(
        OrderCancelled(
            order_id=order_id, number=order.number, previous_status=previous, reason=reason
        )
    )
    await uow.repo(OrdersRepository).reload(order)
    return await get_order(uow, order_id)


async def invoice_issued(
    uow: UnitOfWork, order_id: uuid.UUID, *, invoice_number: str, settled: bool
) -> None:
    """Billing issued the order's invoice: in the same transaction, the order (locked by
    `order_for_invoice(..., lock=True)`) moves to `invoiced`, and to `paid` when there is
    nothing to pay, so no one ever sees a confirmed order with an invoice."""
    if not await billing_moved(
        uow, order_id, OrderStatus.INVOICED, f"invoice {invoice_number} issued"
    ):
        raise Conflict(
            f"order {order_id} is no longer confirmed; invoice {invoice_number} was not issued",
            code="illegal_transition",
        )
    if settled:
        await billing_moved(
            uow, order_id, OrderStatus.PAID, f"invoice {invoice_number} has nothing to pay"
        )


async def billing_moved(
    uow: UnitOfWork, order_id: uuid.UUID, target: OrderStatus, reason: str
) -> bool:
    """Billing moved the order on (invoice issued → invoiced, paid in full → paid).

    A move that no longer applies (the order was cancelled meanwhile, or a redelivered
    event) changes nothing."""
    order = await uow.repo(OrdersRepository).get_order(order_id)
    if order is None or target not in TRANSITIONS[OrderStatus(order.status)]:
        return False
    previous = order.status
    if not await _move(uow, order, target, reason):
        return False
    uow.emit(
        OrderStatusChanged(
            order_id=order_id, number=order.number, from_status=previous, to_status=target.value
        )
    )
    return True
