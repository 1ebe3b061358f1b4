"""Payment use cases: recording a payment against an invoice, listing payments, and paying
back to the customer what a credit note left owed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pulse.billing import invoices, ledger, rules
from pulse.billing.events import PaymentReceived, RefundPaid
from pulse.billing.repository import BillingRepository
from pulse.billing.schemas import (
    PaymentCreate,
    PaymentMethod,
    PaymentPage,
    PaymentRead,
    PaymentReceipt,
    PaymentSummary,
    RefundCreate,
    RefundReceipt,
)
from pulse.platform.errors import Conflict, InvalidInput, PulseError
from pulse.platform.events import new_record_id, utcnow
from pulse.platform.observability import PAYMENTS_FAILED
from pulse.platform.uow import UnitOfWork
from pulse.platform.validation import as_utc

# Clocks of tills and banks drift; a payment stamped a little ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def _moment(value: datetime | None, field: str, *, not_before: date) -> datetime:
    """When money moved: now if not given; never in the future nor before the invoice."""
    now = utcnow()
    moment = as_utc(value, field) if value else now
    if moment > now + CLOCK_SKEW:
        raise InvalidInput(f"{field} is in the future", field=field)
    if moment.date() < not_before:
        raise InvalidInput(
            f"{field} is before the invoice's issue date ({not_before})", field=field
        )
    return moment


async def record_payment(
    uow: UnitOfWork, invoice_id: uuid.UUID, data: PaymentCreate
) -> PaymentReceipt:
    """Record a payment on an invoice; a refusal is counted (`pulse_payments_failed_total`,
    by its code) before it is answered."""
    try:
        return await _record_payment(uow, invoice_id, data)
    except PulseError as refused:
        PAYMENTS_FAILED.labels(refused.code).inc()
        raise


async def _record_payment(
    uow: UnitOfWork, invoice_id: uuid.UUID, data: PaymentCreate
) -> PaymentReceipt:
    invoice = await invoices.locked(uow, invoice_id)
    if invoice.status == "void":
        raise Conflict(
            f"invoice {invoice.number} is void and takes no payment", code="invoice_void"
        )
    if invoice.balance == 0:
        raise Conflict(
            f"invoice {invoice.number} is '{invoice.status}' with nothing left to pay",
            code="nothing_to_pay",
        )
    if data.amount > invoice.balance:
        raise InvalidInput(
            f"{data.amount} is more than the {invoice.balance} left to pay on invoice "
            f"{invoice.number}",
            code="overpayment",
            field="amount",
            extra={"balance": str(invoice.balance)},
        )
    received_at = _moment(data.received_at, "received_at", not_before=invoice.issue_date)
    paid = invoice.amount_paid + data.amount
    balance = invoice.balance - data.amount
    status = rules.status_after(
        total=invoice.total, paid=paid, credited=invoice.amount_credited, balance=balance
    )
    payment_id = new_record_id()
    await uow.repo(BillingRepository).insert_payment(
        {
            "id": payment_id,
            "invoice_id": invoice.id,
            "customer_id": invoice.customer_id,
            "amount": data.amount,
            "method": data.method.value,
            "reference": data.reference,
            "received_at": received_at,
            "created_by": uow.actor,
        },
    )
    await invoices.save(uow, invoice, amount_paid=paid, balance=balance, status=status)
    await ledger.post(
        uow,
        entry_date=received_at.date(),
        description=f"Payment on invoice {invoice.number} ({data.method.value})"
        + (f" ref {data.reference}" if data.reference else ""),
        source_type="payment",
        source_id=str(payment_id),
        postings=[
            ledger.debit(ledger.METHOD_ACCOUNT[data.method.value], data.amount),
            ledger.credit(ledger.RECEIVABLES, data.amount),
        ],
    )
    uow.emit(
        PaymentReceived(
            invoice_id=invoice.id,
            payment_id=payment_id,
            invoice_number=invoice.number,
            order_id=invoice.order_id,
            customer_id=invoice.customer_id,
            amount=data.amount,
            method=data.method.value,
            received_at=received_at,
            balance_after=balance,
            invoice_status=status,
        )
    )
    return PaymentReceipt(
        id=payment_id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        amount=data.amount,
        method=data.method,
        reference=data.reference,
        received_at=received_at,
        created_by=uow.actor,
        invoice_number=invoice.number,
        invoice_status=status,
        invoice_balance=balance,
    )


async def list_payments(
    uow: UnitOfWork,
    *,
    invoice_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    method: PaymentMethod | None,
    received_from: datetime | None,
    received_to: datetime | None,
    limit: int,
    offset: int,
) -> PaymentPage:
    start = as_utc(received_from, "from") if received_from else None
    end = as_utc(received_to, "to") if received_to else None
    if start and end and start > end:
        raise InvalidInput("'from' is after 'to'", field="from")
    rows, total = await uow.repo(BillingRepository).search_payments(
        invoice_id=invoice_id,
        customer_id=customer_id,
        method=method.value if method else None,
        received_from=start,
        received_to=end,
        limit=limit,
        offset=offset,
    )
    labels = await uow.repo(BillingRepository).invoice_labels({p.invoice_id for p in rows})
    items = [
        PaymentSummary(
            **PaymentRead.model_validate(p).model_dump(),
            invoice_number=labels[p.invoice_id][0],
            customer_name=labels[p.invoice_id][1],
        )
        for p in rows
    ]
    return PaymentPage(items=items, total=total, limit=limit, offset=offset)


async def pay_refund(uow: UnitOfWork, invoice_id: uuid.UUID, data: RefundCreate) -> RefundReceipt:
    """Pay back (part of) what credit notes left owed to the customer on this invoice."""
    invoice = await invoices.locked(uow, invoice_id)
    if invoice.refund_due == 0:
        raise Conflict(
            f"nothing is owed back to the customer on invoice {invoice.number}",
            code="nothing_to_refund",
        )
    if data.amount > invoice.refund_due:
        raise InvalidInput(
            f"{data.amount} is more than the {invoice.refund_due} owed back on invoice "
            f"{invoice.number}",
            code="over_refund",
            field="amount",
            extra={"refund_due": str(invoice.refund_due)},
        )
    paid_at = _moment(data.paid_at, "paid_at", not_before=invoice.issue_date)
    refund_id = new_record_id()
    due = invoice.refund_due - data.amount
    await uow.repo(BillingRepository).insert_refund(
        {
            "id": refund_id,
            "invoice_id": invoice.id,
            "customer_id": invoice.customer_id,
            "amount": data.amount,
            "method": data.method.value,
            "reference": data.reference,
            "paid_at": paid_at,
            "created_by": uow.actor,
        },
    )
    await invoices.save(
        uow, invoice, refund_due=due, amount_refunded=invoice.amount_refunded + data.amount
    )
    await ledger.post(
        uow,
        entry_date=paid_at.date(),
        description=f"Refund on invoice {invoice.number} ({data.method.value})"
        + (f" ref {data.reference}" if data.reference else ""),
        source_type="refund",
        source_id=str(refund_id),
        postings=[
            ledger.debit(ledger.REFUNDS_PAYABLE, data.amount),
            ledger.credit(ledger.METHOD_ACCOUNT[data.method.value], data.amount),
        ],
    )
    uow.emit(
        RefundPaid(
            invoice_id=invoice.id,
            refund_id=refund_id,
            invoice_number=invoice.number,
            order_id=invoice.order_id,
            customer_id=invoice.customer_id,
            amount=data.amount,
            method=data.method.value,
            paid_at=paid_at,
            refund_due_after=due,
        )
    )
    return RefundReceipt(
        id=refund_id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        amount=data.amount,
        method=data.method,
        reference=data.reference,
        paid_at=paid_at,
        created_by=uow.actor,
        invoice_number=invoice.number,
        refund_due=due,
    )
