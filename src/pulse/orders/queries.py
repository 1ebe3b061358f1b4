"""Synchronous reads other modules make through the public surface (billing invoicing an
order): plain frozen records, never the ORM rows themselves."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from pulse.orders.repository import OrdersRepository
from pulse.platform.uow import UnitOfWork


@dataclass(frozen=True)
class BillingParty:
    customer_id: uuid.UUID
    name: str
    email: str
    billing_address: str
    payment_terms_days: int


@dataclass(frozen=True)
class OrderLineForInvoice:
    line_no: int
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


@dataclass(frozen=True)
class OrderForInvoice:
    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: str
    lines: tuple[OrderLineForInvoice, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal


async def billing_party(uow: UnitOfWork, customer_id: uuid.UUID) -> BillingParty | None:
    customer = await uow.repo(OrdersRepository).get_customer(customer_id)
    if customer is None:
        return None
    return BillingParty(
        customer_id=customer.id,
        name=customer.name,
        email=customer.email,
        billing_address=customer.billing_address,
        payment_terms_days=customer.payment_terms_days,
    )


async def order_for_invoice(
    uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False
) -> OrderForInvoice | None:
    """The order as billing invoices it. `lock` holds its row to the end of the transaction,
    so its status cannot change (a cancel waits) between reading it and invoicing it."""
    order = await uow.repo(OrdersRepository).order_row(order_id, for_update=lock)
    if order is None:
        return None
    lines = await uow.repo(OrdersRepository).line_rows(order_id)
    return OrderForInvoice(
        order_id=order.id,
        number=order.number,
        customer_id=order.customer_id,
        status=order.status,
        lines=tuple(OrderLineForInvoice(**x._mapping) for x in lines),
        subtotal=order.subtotal,
        tax=order.tax,
        total=order.total,
    )


# -- the same reads for a batch: a constant number of statements, however many orders ----------
async def billing_parties(
    uow: UnitOfWork, customer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, BillingParty]:
    """The billing party of each customer that exists, by customer id (one query)."""
    if not customer_ids:
        return {}
    rows = await uow.repo(OrdersRepository).billing_parties(customer_ids)
    return {row.id: BillingParty(*row) for row in rows}


async def orders_for_invoice(
    uow: UnitOfWork, order_ids: Collection[uuid.UUID], *, lock: bool = False
) -> dict[uuid.UUID, OrderForInvoice]:
    """The orders that exist among `order_ids` as billing invoices them, by id (two queries).

    `lock` holds their rows to the end of the transaction, as `order_for_invoice` does; they
    are locked in id order, so two batches that share orders cannot deadlock on them."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return {}
    repo = uow.repo(OrdersRepository)
    heads = await repo.order_rows(wanted, lock=lock)
    if not heads:
        return {}
    lines = await repo.line_rows_of([head.id for head in heads])
    lines_of: defaultdict[uuid.UUID, list[OrderLineForInvoice]] = defaultdict(list)
    for row in lines:
        lines_of[row.order_id].append(
            OrderLineForInvoice(
                row.line_no,
                row.sku,
                row.name,
                row.qty,
                row.unit_price,
                row.tax_rate,
                row.line_total,
                row.line_tax,
            )
        )
    return {
        head.id: OrderForInvoice(
            order_id=head.id,
            number=head.number,
            customer_id=head.customer_id,
            status=head.status,
            lines=tuple(lines_of[head.id]),
            subtotal=head.subtotal,
            tax=head.tax,
            total=head.total,
        )
        for head in heads
    }
