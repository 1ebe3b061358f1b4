"""Invoice use cases: issuing (for a confirmed order or by hand) and voiding; reading is in
`invoice_queries`.

Every change books its journal entry and emits its event in the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from pulse import orders
from pulse.billing import invoice_queries, ledger
from pulse.billing import repository as repo
from pulse.billing.events import InvoiceIssued, InvoiceLineData, InvoiceVoided
from pulse.billing.models import Invoice
from pulse.billing.rules import Line
from pulse.billing.schemas import (
    InvoiceCreate,
    InvoiceRead,
    InvoiceStatus,
)
from pulse.inventory import catalogue_lines
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import new_record_id, utcnow
from pulse.platform.money import MAX_AMOUNT, ZERO
from pulse.platform.numbering import next_number
from pulse.platform.uow import UnitOfWork

EARLIEST_DATE = date(2000, 1, 1)
CONFIRMED = "confirmed"  # the order status billing invoices


class Issued(NamedTuple):
    invoice_id: uuid.UUID
    number: str
    settled: bool  # nothing to pay: issued as paid


# -- issuing ---------------------------------------------------------------------------------
async def _issue(
    uow: UnitOfWork,
    *,
    party: orders.BillingParty,
    lines: list[Line],
    issue_date: date,
    order_id: uuid.UUID | None = None,
    order_number: str | None = None,
    notes: str = "",
    source: str = "order",
) -> Issued:
    subtotal = sum((x.line_total for x in lines), ZERO)
    tax = sum((x.line_tax for x in lines), ZERO)
    total = subtotal + tax
    if total > MAX_AMOUNT:
        raise InvalidInput(
            f"the invoice total {total} is more than the largest amount, {MAX_AMOUNT}",
            code="amount_too_large",
            field="lines",
        )
    invoice_id = new_record_id()
    number = await next_number(uow, "invoices")
    due_date = issue_date + timedelta(days=party.payment_terms_days)
    status = InvoiceStatus.PAID if total == 0 else InvoiceStatus.ISSUED
    now = utcnow()
    await repo.insert_invoice(
        uow.session,
        {
            "id": invoice_id,
            "number": number,
            "order_id": order_id,
            "order_number": order_number,
            "source": source,
            "customer_id": party.customer_id,
            "customer_name": party.name,
            "customer_email": party.email,
            "billing_address": party.billing_address,
            "status": status.value,
            "issue_date": issue_date,
            "due_date": due_date,
            "subtotal": subtotal,
            "tax": tax,
            "total": total,
            "amount_paid": ZERO,
            "amount_credited": ZERO,
            "balance": total,
            "refund_due": ZERO,
            "amount_refunded": ZERO,
            "notes": notes,
            "void_reason": "",
            "revision": 1,
            "created_by": uow.actor,
            "created_at": now,
            "updated_at": now,
        },
        [
            {
                "invoice_id": invoice_id,
                "line_no": index,
                "sku": x.sku,
                "description": x.description[:300],
                "qty": x.qty,
                "unit_price": x.unit_price,
                "tax_rate": x.tax_rate,
                "line_total": x.line_total,
                "line_tax": x.line_tax,
                "credited_qty": Decimal("0"),
            }
            for index, x in enumerate(lines, start=1)
        ],
    )
    await ledger.post(
        uow,
        entry_date=issue_date,
        description=f"Invoice {number} to {party.name}",
        source_type="invoice",
        source_id=str(invoice_id),
        postings=[
            ledger.debit(ledger.RECEIVABLES, total),
            ledger.credit(ledger.REVENUE, subtotal),
            ledger.credit(ledger.TAX_PAYABLE, tax),
        ],
    )
    uow.emit(
        InvoiceIssued(
            invoice_id=invoice_id,
            number=number,
            order_id=order_id,
            customer_id=party.customer_id,
            issue_date=issue_date,
            due_date=due_date,
            lines=tuple(
                InvoiceLineData(
                    line_no=index,
                    sku=x.sku,
                    qty=x.qty,
                    unit_price=x.unit_price,
                    tax_rate=x.tax_rate,
                    line_total=x.line_total,
                    line_tax=x.line_tax,
                )
                for index, x in enumerate(lines, start=1)
            ),
            subtotal=subtotal,
            tax=tax,
            total=total,
            status=status.value,
            source=source,
        )
    )
    return Issued(invoice_id, number, settled=status == InvoiceStatus.PAID)


async def issue_for_order(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    *,
    issue_date: date | None = None,
    source: str = "order",
) -> uuid.UUID | None:
    """The invoice of a confirmed order, issued once: None if it already exists, or if the
    order is no longer confirmed (cancelled before billing got to it).

    The order's row stays locked to the end of the transaction, and the order moves to
    `invoiced` in it: a cancel either comes first (no invoice) or sees the invoiced order
    (and needs the permission to void or credit it)."""
    if await repo.order_invoiced(uow.session, order_id):
        return None
    order = await orders.order_for_invoice(uow, order_id, lock=True)
    if order is None or order.status != CONFIRMED:
        return None
    party = await orders.billing_party(uow, order.customer_id)
    if party is None:
        return None
    lines = [
        Line(
            sku=x.sku,
            description=x.name,
            qty=Decimal(x.qty),
            unit_price=x.unit_price,
            tax_rate=x.tax_rate,
        )
        for x in order.lines
    ]
    issued = await _issue(
        uow,
        party=party,
        lines=lines,
        issue_date=issue_date or utcnow().date(),
        order_id=order.order_id,
        order_number=order.number,
        source=source,
    )
    await orders.invoice_issued(
        uow, order.order_id, invoice_number=issued.number, settled=issued.settled
    )
    return issued.invoice_id


async def create_invoice(uow: UnitOfWork, data: InvoiceCreate) -> InvoiceRead:
    """A manual invoice (services, fees, goods sold outside an order)."""
    party = await orders.billing_party(uow, data.customer_id)
    if party is None:
        raise InvalidInput(
            f"no customer {data.customer_id}", code="unknown_customer", field="customer_id"
        )
    today = utcnow().date()
    issue_date = data.issue_date or today
    if issue_date > today or issue_date < EARLIEST_DATE:
        raise InvalidInput(
            f"issue_date must be between {EARLIEST_DATE} and today ({today})",
            field="issue_date",
        )
    catalogue = await catalogue_lines(uow, (x.sku for x in data.lines if x.sku))
    lines = []
    for index, item in enumerate(data.lines):
        if item.sku is None:
            assert item.description and item.unit_price is not None and item.tax_rate is not None
            lines.append(Line(None, item.description, item.qty, item.unit_price, item.tax_rate))
            continue
        entry = catalogue.get(item.sku)
        if entry is None:
            raise InvalidInput(
                f"unknown SKU '{item.sku}'", code="unknown_sku", field=f"lines.{index}.sku"
            )
        if not entry.active:
            raise InvalidInput(
                f"SKU '{item.sku}' is not for sale",
                code="inactive_sku",
                field=f"lines.{index}.sku",
            )
        lines.append(
            Line(
                sku=item.sku,
                description=item.description or entry.name,
                qty=item.qty,
                unit_price=item.unit_price if item.unit_price is not None else entry.price,
                tax_rate=item.tax_rate if item.tax_rate is not None else entry.tax_rate,
            )
        )
    issued = await _issue(
        uow, party=party, lines=lines, issue_date=issue_date, notes=data.notes, source="manual"
    )
    return await invoice_queries.get_invoice(uow, issued.invoice_id)


# -- voiding ---------------------------------------------------------------------------------
async def locked(uow: UnitOfWork, invoice_id: uuid.UUID) -> Invoice:
    invoice = await repo.get_invoice(uow.session, invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", field="invoice_id")
    return invoice


async def save(uow: UnitOfWork, invoice: Invoice, **values: object) -> None:
    if not await repo.update_invoice(
        uow.session, invoice.id, revision=invoice.revision, updated_at=utcnow(), **values
    ):
        raise Conflict(
            f"invoice {invoice.number} changed meanwhile; try again", code="concurrent_change"
        )


async def void_invoice(uow: UnitOfWork, invoice_id: uuid.UUID, *, reason: str) -> InvoiceRead:
    invoice = await locked(uow, invoice_id)
    await void(uow, invoice, reason=reason)
    return await invoice_queries.get_invoice(uow, invoice_id)


async def void(uow: UnitOfWork, invoice: Invoice, *, reason: str) -> None:
    """Void an unpaid, uncredited invoice: its journal entry is reversed."""
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(f"invoice {invoice.number} is already void", code="invoice_void")
    if (
        invoice.amount_paid > 0
        or invoice.amount_credited > 0
        or invoice.status not in (InvoiceStatus.ISSUED,)
    ):
        raise Conflict(
            f"invoice {invoice.number} is '{invoice.status}' with {invoice.amount_paid} paid and "
            f"{invoice.amount_credited} credited; only an unpaid invoice can be voided — "
            "issue a credit note instead",
            code="invoice_not_voidable",
            extra={"invoice_status": invoice.status},
        )
    await save(uow, invoice, status=InvoiceStatus.VOID.value, balance=ZERO, void_reason=reason)
    await ledger.reverse(
        uow,
        original_type="invoice",
        original_id=str(invoice.id),
        entry_date=utcnow().date(),
        description=f"Void of invoice {invoice.number}" + (f": {reason}" if reason else ""),
        source_type="invoice_void",
        source_id=str(invoice.id),
    )
    uow.emit(
        InvoiceVoided(
            invoice_id=invoice.id,
            number=invoice.number,
            order_id=invoice.order_id,
            customer_id=invoice.customer_id,
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            reason=reason,
        )
    )
