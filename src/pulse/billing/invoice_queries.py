"""Reading invoices: one with its lines, tax, payments, credit notes and refunds, or a
filtered page of them."""

from __future__ import annotations

import uuid
from datetime import date

from pulse.billing.models import Invoice
from pulse.billing.repository import BillingRepository
from pulse.billing.rules import tax_lines
from pulse.billing.schemas import (
    OPEN_STATUSES,
    CreditNoteSummary,
    InvoiceLineRead,
    InvoicePage,
    InvoiceRead,
    InvoiceStatus,
    InvoiceSummary,
    PaymentRead,
    RefundRead,
)
from pulse.platform.errors import InvalidInput, NotFound
from pulse.platform.events import utcnow
from pulse.platform.uow import UnitOfWork


def is_overdue(invoice: Invoice, today: date) -> bool:
    return invoice.status in OPEN_STATUSES and invoice.due_date < today


def pdf_path(invoice_id: uuid.UUID) -> str:
    return f"/billing/invoices/{invoice_id}/pdf"


async def get_invoice(uow: UnitOfWork, invoice_id: uuid.UUID) -> InvoiceRead:
    invoice = await uow.repo(BillingRepository).get_invoice(invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", field="invoice_id")
    lines = await uow.repo(BillingRepository).invoice_lines(invoice_id)
    payments = await uow.repo(BillingRepository).payments_of(invoice_id)
    credit_notes = await uow.repo(BillingRepository).credit_notes_of(invoice_id)
    refunds = await uow.repo(BillingRepository).refunds_of(invoice_id)
    summary = InvoiceSummary.model_validate(invoice)
    return InvoiceRead(
        **summary.model_dump(exclude={"overdue"}),
        overdue=is_overdue(invoice, utcnow().date()),
        customer_email=invoice.customer_email,
        billing_address=invoice.billing_address,
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        refund_due=invoice.refund_due,
        amount_refunded=invoice.amount_refunded,
        notes=invoice.notes,
        void_reason=invoice.void_reason,
        lines=[InvoiceLineRead.model_validate(x) for x in lines],
        tax_lines=tax_lines(lines),
        payments=[PaymentRead.model_validate(p) for p in payments],
        credit_notes=[CreditNoteSummary.model_validate(c) for c in credit_notes],
        refunds=[RefundRead.model_validate(r) for r in refunds],
        pdf_url=pdf_path(invoice_id),
        created_by=invoice.created_by,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


async def list_invoices(
    uow: UnitOfWork,
    *,
    status: InvoiceStatus | None,
    customer_id: uuid.UUID | None,
    overdue: bool | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
    order_id: uuid.UUID | None = None,
) -> InvoicePage:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("'from' is after 'to'", field="from")
    today = utcnow().date()
    rows, total = await uow.repo(BillingRepository).search_invoices(
        status=status.value if status else None,
        customer_id=customer_id,
        order_id=order_id,
        overdue=overdue,
        today=today,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    items = []
    for invoice in rows:
        item = InvoiceSummary.model_validate(invoice)
        item.overdue = is_overdue(invoice, today)
        items.append(item)
    return InvoicePage(items=items, total=total, limit=limit, offset=offset)
