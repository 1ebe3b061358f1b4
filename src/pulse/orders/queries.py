"""Synchronous reads other modules make through the public surface (billing invoicing an
order): plain frozen records, never the ORM rows themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from pulse.orders import repository as repo
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
    customer = await repo.get_customer(uow.session, customer_id)
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
    order = await repo.order_row(uow.session, order_id, for_update=lock)
    if order is None:
        return None
    lines = await repo.line_rows(uow.session, order_id)
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
