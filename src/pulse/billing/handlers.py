"""Billing's reactions to orders: invoice a confirmed order (once), void or credit the
invoice of a cancelled one, and book the invoices and payments of orders loaded from
history on their own dates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pulse.billing import credit_notes, invoices, payments
from pulse.billing import repository as repo
from pulse.billing.schemas import InvoiceStatus, PaymentCreate, PaymentMethod
from pulse.orders import OrderCancelled, OrderConfirmed, OrderImported
from pulse.platform.events import Envelope, Event, utcnow
from pulse.platform.uow import UnitOfWork


async def invoice_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, OrderConfirmed)
    await invoices.issue_for_order(uow, event.order_id)


async def settle_cancelled_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """An unpaid, uncredited invoice is voided; otherwise what is left is credited."""
    assert isinstance(event, OrderCancelled)
    invoice = await repo.invoice_for_order(uow.session, event.order_id)
    if invoice is None or invoice.status in (InvoiceStatus.VOID, InvoiceStatus.CREDITED):
        return
    reason = f"order {event.number} cancelled" + (f": {event.reason}" if event.reason else "")
    if invoice.status == InvoiceStatus.ISSUED and invoice.amount_credited == 0:
        await invoices.void(uow, invoice, reason=reason[:500])
    else:
        await credit_notes.credit_remainder(uow, invoice, reason=reason[:500])


# Historical statuses that had been invoiced, and those that had been paid too.
INVOICED_BEFORE = {"invoiced", "paid", "shipped", "completed"}
PAID_BEFORE = {"paid", "shipped", "completed"}
# When a historical invoice is taken to have been paid, after its issue.
PAID_AFTER = timedelta(days=3)


async def book_imported_order(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """An order loaded in a final state gets the invoice (and payment) it had, on its dates."""
    assert isinstance(event, OrderImported)
    if event.status not in INVOICED_BEFORE:
        return
    invoice_id = await invoices.issue_for_order(
        uow, event.order_id, issue_date=event.placed_at.date(), source="import"
    )
    if invoice_id is None or event.status not in PAID_BEFORE or event.total <= Decimal(0):
        return
    await payments.record_payment(
        uow,
        invoice_id,
        PaymentCreate(
            amount=event.total,
            method=PaymentMethod.BANK_TRANSFER,
            reference=f"history {event.number}",
            received_at=min(event.placed_at + PAID_AFTER, utcnow()),
        ),
    )
