"""Invoice use cases: issuing (for a confirmed order or by hand) and voiding; reading is in
`invoice_queries`.

Every change books its journal entry and emits its event in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from pulse import orders
from pulse.billing import invoice_queries, ledger
from pulse.billing.events import InvoiceIssued, InvoiceLineData, InvoiceVoided
from pulse.billing.models import Invoice
from pulse.billing.repository import BillingRepository
from pulse.billing.rules import Line
from pulse.billing.schemas import (
    InvoiceCreate,
    InvoiceRead,
    InvoiceStatus,
)
from pulse.inventory import catalogue_lines, for_sale
from pulse.platform.errors import Conflict, InvalidInput, NotFound
from pulse.platform.events import Envelope, new_record_id, utcnow
from pulse.platform.money import ZERO, require_storable
from pulse.platform.numbering import next_numbers
from pulse.platform.observability import invoiced
from pulse.platform.uow import UnitOfWork

EARLIEST_DATE = date(2000, 1, 1)
CONFIRMED = "confirmed"  # the order status billing invoices


class Issued(NamedTuple):
    invoice_id: uuid.UUID
    number: str
    settled: bool  # nothing to pay: issued as paid


class _Draft(NamedTuple):
    """An invoice to issue: for whom, what, and the event it answers (None: the caller's)."""

    party: orders.BillingParty
    lines: list[Line]
    issue_date: date
    order_id: uuid.UUID | None = None
    order_number: str | None = None
    notes: str = ""
    source: str = "order"
    cause: Envelope | None = None


# -- issuing ---------------------------------------------------------------------------------
async def _issue(uow: UnitOfWork, drafts: Sequence[_Draft]) -> list[Issued]:
    """Issue the invoices, numbered in the order given: their rows and lines, journal
    entries and `InvoiceIssued` events, a constant number of statements however many.

    Each is written as its `cause` made it (created by that event's actor, the event caused
    by it); without one, as the unit of work's."""
    if not drafts:
        return []
    totals = []
    for draft in drafts:
        subtotal = sum((x.line_total for x in draft.lines), ZERO)
        tax = sum((x.line_tax for x in draft.lines), ZERO)
        total = subtotal + tax
        require_storable(total, what=f"the invoice total {total}", field="lines")
        totals.append((subtotal, tax, total))
    numbers = await next_numbers(uow, "invoices", len(drafts))
    uow.after_commit(lambda: invoiced(total for _, _, total in totals))
    now = utcnow()
    issued: list[Issued] = []
    invoice_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    postings: list[ledger.Posting] = []
    actors: list[str | None] = []
    events: list[tuple[InvoiceIssued, Envelope | None]] = []
    for draft, number, (subtotal, tax, total) in zip(drafts, numbers, totals, strict=True):
        party = draft.party
        invoice_id = new_record_id()
        actor = draft.cause.actor if draft.cause is not None else uow.actor
        due_date = draft.issue_date + timedelta(days=party.payment_terms_days)
        status = InvoiceStatus.PAID if total == 0 else InvoiceStatus.ISSUED
        invoice_rows.append(
            (
                invoice_id,
                number,
                draft.order_id,
                draft.order_number,
                draft.source,
                party.customer_id,
                party.name,
                party.email,
                party.billing_address,
                status.value,
                draft.issue_date,
                due_date,
                subtotal,
                tax,
                total,
                total,  # balance
                draft.notes,
                actor,
            )
        )
        line_rows.extend(
            (
                invoice_id,
                index,
                x.sku,
                x.description[:300],
                x.qty,
                x.unit_price,
                x.tax_rate,
                x.line_total,
                x.line_tax,
            )
            for index, x in enumerate(draft.lines, start=1)
        )
        postings.append(
            ledger.Posting(
                draft.issue_date,
                f"Invoice {number} to {party.name}",
                "invoice",
                str(invoice_id),
                [
                    ledger.debit(ledger.RECEIVABLES, total),
                    ledger.credit(ledger.REVENUE, subtotal),
                    ledger.credit(ledger.TAX_PAYABLE, tax),
                ],
            )
        )
        actors.append(actor)
        event = InvoiceIssued(
            invoice_id=invoice_id,
            number=number,
            order_id=draft.order_id,
            customer_id=party.customer_id,
            issue_date=draft.issue_date,
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
                for index, x in enumerate(draft.lines, start=1)
            ),
            subtotal=subtotal,
            tax=tax,
            total=total,
            status=status.value,
            source=draft.source,
        )
        events.append((event, draft.cause))
        issued.append(Issued(invoice_id, number, settled=status == InvoiceStatus.PAID))
    await uow.repo(BillingRepository).insert_invoices(invoice_rows, line_rows, now=now)
    await ledger.post_many(uow, postings, created_by=actors)
    for event, cause in events:
        uow.emit(event, cause=cause)
    return issued


class ToInvoice(NamedTuple):
    """A confirmed order to invoice, and the event that asks for it (None: the caller's)."""

    order_id: uuid.UUID
    cause: Envelope | None = None


async def issue_for_orders(
    uow: UnitOfWork,
    requests: Sequence[ToInvoice],
    *,
    issue_date: date | None = None,
    source: str = "order",
) -> list[uuid.UUID | None]:
    """The invoices of confirmed orders, each issued once, numbered in the order given,
    with a constant number of statements however many orders. For each request, the id of
    the invoice it issued, or None: the order already has one (or an earlier request here
    issued it), or is no longer confirmed (cancelled before billing got to it), or its
    customer is gone.

    The orders' rows stay locked (taken in id order) to the end of the transaction, and the
    orders move to `invoiced` in it: a cancel either comes first (no invoice) or sees the
    invoiced order (and needs the permission to void or credit it)."""
    wanted = list(dict.fromkeys(r.order_id for r in requests))
    invoiced = await uow.repo(BillingRepository).orders_invoiced(wanted)
    found = await orders.orders_for_invoice(
        uow, [x for x in wanted if x not in invoiced], lock=True
    )
    confirmed = {k: v for k, v in found.items() if v.status == CONFIRMED}
    parties = await orders.billing_parties(uow, {o.customer_id for o in confirmed.values()})
    issue_date = issue_date or utcnow().date()
    drafts: list[_Draft] = []
    issued_for: dict[uuid.UUID, int] = {}  # order id → its draft
    answered: list[int | None] = []  # request → its draft
    for request in requests:
        order = confirmed.get(request.order_id)
        party = parties.get(order.customer_id) if order is not None else None
        if order is None or party is None or order.order_id in issued_for:
            answered.append(None)
            continue
        issued_for[order.order_id] = len(drafts)
        answered.append(len(drafts))
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
        drafts.append(
            _Draft(
                party=party,
                lines=lines,
                issue_date=issue_date,
                order_id=order.order_id,
                order_number=order.number,
                source=source,
                cause=request.cause,
            )
        )
    issued = await _issue(uow, drafts)
    await orders.invoices_issued(
        uow,
        [
            orders.InvoicedOrder(
                draft.order_id,
                draft.order_number,
                invoice.number,
                invoice.settled,
                draft.cause,
            )
            for draft, invoice in zip(drafts, issued, strict=True)
            if draft.order_id is not None and draft.order_number is not None
        ],
    )
    return [None if i is None else issued[i].invoice_id for i in answered]


async def issue_for_order(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    *,
    issue_date: date | None = None,
    source: str = "order",
) -> uuid.UUID | None:
    """The invoice of a confirmed order, issued once (see `issue_for_orders`): None if it
    already exists, or if the order is no longer confirmed."""
    (invoice_id,) = await issue_for_orders(
        uow, [ToInvoice(order_id)], issue_date=issue_date, source=source
    )
    return invoice_id


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
        entry = for_sale(catalogue, item.sku, field=f"lines.{index}.sku")
        lines.append(
            Line(
                sku=item.sku,
                description=item.description or entry.name,
                qty=item.qty,
                unit_price=item.unit_price if item.unit_price is not None else entry.price,
                tax_rate=item.tax_rate if item.tax_rate is not None else entry.tax_rate,
            )
        )
    (issued,) = await _issue(
        uow, [_Draft(party, lines, issue_date, notes=data.notes, source="manual")]
    )
    return await invoice_queries.get_invoice(uow, issued.invoice_id)


# -- voiding ---------------------------------------------------------------------------------
async def locked(uow: UnitOfWork, invoice_id: uuid.UUID) -> Invoice:
    invoice = await uow.repo(BillingRepository).get_invoice(invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", field="invoice_id")
    return invoice


async def save(uow: UnitOfWork, invoice: Invoice, **values: object) -> None:
    if not await uow.repo(BillingRepository).update_invoice(
        invoice.id, revision=invoice.revision, updated_at=utcnow(), **values
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
