"""Billing's reactions to orders: invoice confirmed orders (once each, a whole batch at a
time), and void or credit the invoice of a cancelled one. (Past orders imported in bulk are
booked in bulk by whoever loads them, through `pulse.billing.backfill.book_imported`.)"""

from __future__ import annotations

from collections.abc import Sequence

from pulse.billing import credit_notes, invoices
from pulse.billing.repository import BillingRepository
from pulse.billing.schemas import InvoiceStatus
from pulse.orders import OrderCancelled, OrderConfirmed
from pulse.platform.consumers import Delivery
from pulse.platform.events import Envelope
from pulse.platform.uow import UnitOfWork


async def invoice_orders(uow: UnitOfWork, batch: Sequence[Delivery[OrderConfirmed]]) -> None:
    """Issue the invoices of a batch of confirmed orders in one go, numbered in event order;
    each invoice and order move is written as its own event asked (actor, causation)."""
    await invoices.issue_for_orders(
        uow, [invoices.ToInvoice(d.event.order_id, d.envelope) for d in batch]
    )


async def settle_cancelled_order(
    uow: UnitOfWork, event: OrderCancelled, envelope: Envelope
) -> None:
    """An unpaid, uncredited invoice is voided; otherwise what is left is credited."""
    invoice = await uow.repo(BillingRepository).invoice_for_order(event.order_id)
    if invoice is None or invoice.status in (InvoiceStatus.VOID, InvoiceStatus.CREDITED):
        return
    reason = f"order {event.number} cancelled" + (f": {event.reason}" if event.reason else "")
    if invoice.status == InvoiceStatus.ISSUED and invoice.amount_credited == 0:
        await invoices.void(uow, invoice, reason=reason[:500])
    else:
        await credit_notes.credit_remainder(uow, invoice, reason=reason[:500])
