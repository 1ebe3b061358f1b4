"""Credit note use cases: crediting all or part of an invoice, by line or by amount.

A credit first reduces what the customer still owes; what it credits beyond that (the
invoice was already paid) is owed back to the customer (refunds payable).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from pulse.billing import invoices, ledger, rules
from pulse.billing.events import CreditNoteIssued
from pulse.billing.models import Invoice
from pulse.billing.repository import BillingRepository
from pulse.billing.schemas import (
    CreditLine,
    CreditNoteCreate,
    CreditNoteLineRead,
    CreditNotePage,
    CreditNoteRead,
    CreditNoteSummary,
    InvoiceStatus,
)
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import new_record_id, utcnow
from pulse.platform.money import ZERO, money
from pulse.platform.numbering import next_number
from pulse.platform.uow import UnitOfWork


@dataclass(frozen=True)
class CreditPiece:
    invoice_line_no: int | None
    sku: str | None
    description: str
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


async def _pieces_by_line(
    uow: UnitOfWork, invoice: Invoice, wanted: list[CreditLine]
) -> list[CreditPiece]:
    lines = {x.line_no: x for x in await uow.repo(BillingRepository).invoice_lines(invoice.id)}
    already = await uow.repo(BillingRepository).credited_per_line(invoice.id)
    pieces = []
    seen: set[int] = set()
    for index, item in enumerate(wanted):
        field = f"lines.{index}"
        line = lines.get(item.line_no)
        if line is None:
            raise InvalidInput(
                f"invoice {invoice.number} has no line {item.line_no}",
                code="unknown_line",
                field=f"{field}.line_no",
            )
        if item.line_no in seen:
            raise InvalidInput(
                f"line {item.line_no} is given twice", code="duplicate_line", field=field
            )
        seen.add(item.line_no)
        left = line.qty - line.credited_qty
        if item.qty > left:
            raise InvalidInput(
                f"line {item.line_no} has {left} left to credit, not {item.qty}",
                code="over_credit",
                field=f"{field}.qty",
            )
        if item.qty == left:
            # The last of a line: credit exactly what is left, so rounding never drifts.
            net_done, tax_done = already.get(item.line_no, (ZERO, ZERO))
            net, tax = line.line_total - net_done, line.line_tax - tax_done
        else:
            net = money(line.unit_price * item.qty)
            tax = money(net * line.tax_rate)
        pieces.append(
            CreditPiece(
                item.line_no,
                line.sku,
                line.description,
                item.qty,
                line.unit_price,
                line.tax_rate,
                net,
                tax,
            )
        )
    return pieces


async def _pieces_by_amount(
    uow: UnitOfWork, invoice: Invoice, amount: Decimal
) -> list[CreditPiece]:
    """Split an amount (tax included) over the invoice's tax rates in proportion to them."""
    groups = rules.tax_lines(await uow.repo(BillingRepository).invoice_lines(invoice.id))
    groups = [g for g in groups if g.base + g.tax > 0]
    pieces = []
    remaining = amount
    for index, group in enumerate(groups):
        gross = group.base + group.tax
        last = index == len(groups) - 1
        share = remaining if last else min(remaining, money(amount * gross / invoice.total))
        remaining -= share
        net = money(share / (1 + group.rate))
        pieces.append(
            CreditPiece(
                None,
                None,
                f"Credit on invoice {invoice.number} ({(group.rate * 100).normalize():f}% tax)",
                Decimal("1"),
                net,
                group.rate,
                net,
                share - net,
            )
        )
    return [p for p in pieces if p.line_total + p.line_tax > 0]


async def issue_credit_note(
    uow: UnitOfWork, invoice_id: uuid.UUID, data: CreditNoteCreate
) -> CreditNoteRead:
    invoice = await invoices.locked(uow, invoice_id)
    credit_note_id = await credit(
        uow, invoice, lines=data.lines, amount=data.amount, reason=data.reason
    )
    return await get_credit_note(uow, credit_note_id)


async def credit(
    uow: UnitOfWork,
    invoice: Invoice,
    *,
    lines: list[CreditLine] | None = None,
    amount: Decimal | None = None,
    reason: str = "",
) -> uuid.UUID:
    """Credit an invoice (locked by the caller) by lines or by an amount including tax."""
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(f"invoice {invoice.number} is void", code="invoice_void")
    left = invoice.total - invoice.amount_credited
    if left <= 0:
        raise Conflict(
            f"invoice {invoice.number} is already credited in full", code="fully_credited"
        )
    if lines is not None:
        pieces = await _pieces_by_line(uow, invoice, lines)
    else:
        assert amount is not None
        if amount > left:
            raise InvalidInput(
                f"{amount} is more than the {left} of invoice {invoice.number} not yet credited",
                code="over_credit",
                field="amount",
            )
        pieces = await _pieces_by_amount(uow, invoice, amount)
    subtotal = sum((p.line_total for p in pieces), ZERO)
    tax = sum((p.line_tax for p in pieces), ZERO)
    total = subtotal + tax
    if total <= 0:
        raise InvalidInput("the credit comes to nothing", code="empty_credit", field="lines")
    if total > left:
        raise InvalidInput(
            f"the credit of {total} is more than the {left} of invoice {invoice.number} "
            "not yet credited",
            code="over_credit",
            field="lines" if lines is not None else "amount",
        )
    applied = min(total, invoice.balance)
    refund = total - applied
    credited = invoice.amount_credited + total
    balance = invoice.balance - applied
    status = rules.status_after(
        total=invoice.total, paid=invoice.amount_paid, credited=credited, balance=balance
    )
    credit_note_id = new_record_id()
    number = await next_number(uow, "credit_notes")
    today = utcnow().date()
    await uow.repo(BillingRepository).insert_credit_note(
        {
            "id": credit_note_id,
            "number": number,
            "invoice_id": invoice.id,
            "customer_id": invoice.customer_id,
            "issue_date": today,
            "reason": reason,
            "subtotal": subtotal,
            "tax": tax,
            "total": total,
            "applied_to_balance": applied,
            "refund_due": refund,
            "created_by": uow.actor,
            "created_at": utcnow(),
        },
        [
            {
                "credit_note_id": credit_note_id,
                "line_no": index,
                "invoice_line_no": p.invoice_line_no,
                "sku": p.sku,
                "description": p.description[:300],
                "qty": p.qty,
                "unit_price": p.unit_price,
                "tax_rate": p.tax_rate,
                "line_total": p.line_total,
                "line_tax": p.line_tax,
            }
            for index, p in enumerate(pieces, start=1)
        ],
    )
    for p in pieces:
        if p.invoice_line_no is not None:
            await uow.repo(BillingRepository).credit_line_qty(invoice.id, p.invoice_line_no, p.qty)
    await invoices.save(
        uow,
        invoice,
        amount_credited=credited,
        balance=balance,
        refund_due=invoice.refund_due + refund,
        status=status,
    )
    await ledger.post(
        uow,
        entry_date=today,
        description=f"Credit note {number} on invoice {invoice.number}"
        + (f": {reason}" if reason else ""),
        source_type="credit_note",
        source_id=str(credit_note_id),
        postings=[
            ledger.debit(ledger.SALES_RETURNS, subtotal),
            ledger.debit(ledger.TAX_PAYABLE, tax),
            ledger.credit(ledger.RECEIVABLES, applied),
            ledger.credit(ledger.REFUNDS_PAYABLE, refund),
        ],
    )
    uow.emit(
        CreditNoteIssued(
            invoice_id=invoice.id,
            credit_note_id=credit_note_id,
            number=number,
            invoice_number=invoice.number,
            order_id=invoice.order_id,
            customer_id=invoice.customer_id,
            issue_date=today,
            subtotal=subtotal,
            tax=tax,
            total=total,
            applied_to_balance=applied,
            refund_due=refund,
            invoice_status=status,
            reason=reason,
        )
    )
    return credit_note_id


async def credit_remainder(uow: UnitOfWork, invoice: Invoice, *, reason: str) -> uuid.UUID | None:
    """Credit every line quantity not yet credited (an order cancelled after invoicing)."""
    lines = [
        CreditLine(line_no=x.line_no, qty=x.qty - x.credited_qty)
        for x in await uow.repo(BillingRepository).invoice_lines(invoice.id)
        if x.qty > x.credited_qty
    ]
    left = invoice.total - invoice.amount_credited
    if left <= 0:
        return None
    if not lines:
        return await credit(uow, invoice, amount=left, reason=reason)
    pieces_total = sum(
        (p.line_total + p.line_tax for p in await _pieces_by_line(uow, invoice, lines)), ZERO
    )
    if pieces_total > left:
        # Earlier credits by amount already covered part of these lines.
        return await credit(uow, invoice, amount=left, reason=reason)
    return await credit(uow, invoice, lines=lines, reason=reason)


# -- reading ---------------------------------------------------------------------------------
async def get_credit_note(uow: UnitOfWork, credit_note_id: uuid.UUID) -> CreditNoteRead:
    note = await uow.repo(BillingRepository).get_credit_note(credit_note_id)
    if note is None:
        raise NotFound(f"no credit note {credit_note_id}", field="credit_note_id")
    invoice = await uow.repo(BillingRepository).get_invoice(note.invoice_id)
    assert invoice is not None
    lines = await uow.repo(BillingRepository).credit_note_lines(credit_note_id)
    return CreditNoteRead(
        **CreditNoteSummary.model_validate(note).model_dump(),
        invoice_number=invoice.number,
        invoice_status=InvoiceStatus(invoice.status),
        invoice_balance=invoice.balance,
        lines=[CreditNoteLineRead.model_validate(x) for x in lines],
        pdf_url=f"/billing/credit-notes/{credit_note_id}/pdf",
        created_by=note.created_by,
        created_at=note.created_at,
    )


async def list_credit_notes(
    uow: UnitOfWork,
    *,
    invoice_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> CreditNotePage:
    rows, total = await uow.repo(BillingRepository).search_credit_notes(
        invoice_id=invoice_id, customer_id=customer_id, limit=limit, offset=offset
    )
    return CreditNotePage(
        items=[CreditNoteSummary.model_validate(x) for x in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
