"""Events the billing module publishes, with the amounts the analytics side needs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pulse.platform.events import Event, EventData


class InvoiceLineData(EventData):
    line_no: int
    sku: str | None
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


class _InvoiceEvent(Event):
    aggregate_type = "invoice"
    aggregate_field = "invoice_id"
    invoice_id: uuid.UUID


class _InvoiceIssuedFields(_InvoiceEvent):
    number: str
    order_id: uuid.UUID | None
    customer_id: uuid.UUID
    issue_date: date
    due_date: date
    lines: tuple[InvoiceLineData, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    # `paid` when there is nothing to pay (a zero total); otherwise `issued`.
    status: str
    # "order", "manual" or "import" (a past order imported in bulk, invoiced on its date).
    source: str = "order"


class InvoiceIssued(_InvoiceIssuedFields):
    type = "invoice.issued"


class InvoiceImported(_InvoiceIssuedFields):
    """The invoice a past order imported in bulk had (source "import"), booked in bulk.

    Its own type, so live reactions to `invoice.issued` (moving the order along, rendering
    the PDF) pass imports by; readers of the whole event stream treat it as `invoice.issued`."""

    type = "invoice.imported"


class InvoiceVoided(_InvoiceEvent):
    type = "invoice.voided"
    number: str
    order_id: uuid.UUID | None
    customer_id: uuid.UUID
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    reason: str


class _PaymentReceivedFields(_InvoiceEvent):
    payment_id: uuid.UUID
    invoice_number: str
    order_id: uuid.UUID | None
    customer_id: uuid.UUID
    amount: Decimal
    method: str
    received_at: datetime
    balance_after: Decimal
    invoice_status: str


class PaymentReceived(_PaymentReceivedFields):
    type = "payment.received"


class PaymentImported(_PaymentReceivedFields):
    """The payment of an invoice imported in bulk, as `payment.received` tells it."""

    type = "payment.imported"


class CreditNoteIssued(_InvoiceEvent):
    type = "credit_note.issued"
    credit_note_id: uuid.UUID
    number: str
    invoice_number: str
    order_id: uuid.UUID | None
    customer_id: uuid.UUID
    issue_date: date
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    applied_to_balance: Decimal
    refund_due: Decimal
    invoice_status: str
    reason: str


class RefundPaid(_InvoiceEvent):
    type = "refund.paid"
    refund_id: uuid.UUID
    invoice_number: str
    order_id: uuid.UUID | None
    customer_id: uuid.UUID
    amount: Decimal
    method: str
    paid_at: datetime
    refund_due_after: Decimal


EVENTS: tuple[type[Event], ...] = (
    InvoiceIssued,
    InvoiceVoided,
    PaymentReceived,
    CreditNoteIssued,
    RefundPaid,
    InvoiceImported,
    PaymentImported,
)
