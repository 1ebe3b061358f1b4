"""The invoices and payments of past orders imported in bulk, booked on their own dates.

For a chunk of imported orders, what issuing each invoice and recording its payment would
write one order at a time (invoice and lines, payment, journal entries, events), in one
executemany per table. The events are `invoice.imported` and `payment.imported`: live
reactions to issued invoices and payments (moving the order, rendering the PDF) pass
imports by, while readers of the whole event stream see them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from uuid_utils.compat import uuid7

from pulse import orders as orders_module
from pulse.billing import ledger
from pulse.billing.events import InvoiceImported, PaymentImported
from pulse.billing.models import Invoice, InvoiceLine, Payment
from pulse.billing.repository import INVOICE_LINE_COLUMNS
from pulse.billing.rules import Line, status_after
from pulse.billing.schemas import InvoiceStatus, PaymentMethod
from pulse.platform.bulk import insert_rows, json_datetime
from pulse.platform.errors import InvalidInput
from pulse.platform.events import Event, utcnow
from pulse.platform.money import ZERO, require_storable
from pulse.platform.numbering import next_numbers
from pulse.platform.uow import UnitOfWork

# Statuses of a past order that had been invoiced, and those that had been paid too.
INVOICED_BEFORE = frozenset({"invoiced", "paid", "shipped", "completed"})
PAID_BEFORE = frozenset({"paid", "shipped", "completed"})
# When an imported invoice is taken to have been paid, after its issue.
PAID_AFTER = timedelta(days=3)
PAID_BY = PaymentMethod.BANK_TRANSFER.value
ISSUED, NOTHING_TO_PAY = InvoiceStatus.ISSUED.value, InvoiceStatus.PAID.value

INVOICE_COLUMNS = (
    "id",
    "number",
    "order_id",
    "order_number",
    "customer_id",
    "customer_name",
    "customer_email",
    "billing_address",
    "status",
    "issue_date",
    "due_date",
    "subtotal",
    "tax",
    "total",
    "amount_paid",
    "balance",
    "revision",
    # An imported invoice keeps its own time: issued when its order was placed.
    "created_at",
    "updated_at",
)
PAYMENT_COLUMNS = ("id", "invoice_id", "customer_id", "amount", "reference", "received_at")


class ImportedLine(Protocol):
    @property
    def line_no(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def qty(self) -> int: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def tax_rate(self) -> Decimal: ...


class ImportedOrder(Protocol):
    """A past order imported in bulk (`pulse.orders.backfill.ImportedOrder`)."""

    @property
    def order_id(self) -> uuid.UUID: ...
    @property
    def number(self) -> str: ...
    @property
    def customer_id(self) -> uuid.UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def placed_at(self) -> datetime: ...
    @property
    def lines(self) -> Sequence[ImportedLine]: ...


class BookedImport(NamedTuple):
    invoices: int
    payments: int


class _InvoiceLine(NamedTuple):
    line_total: Decimal
    line_tax: Decimal
    values: tuple[Any, ...]  # the invoice_lines row after its invoice id
    payload: dict[str, Any]  # the line as InvoiceLineData dumps it


def _invoice_line(x: ImportedLine) -> _InvoiceLine:
    line = Line(
        sku=x.sku,
        description=x.name,
        qty=Decimal(x.qty),
        unit_price=x.unit_price,
        tax_rate=x.tax_rate,
    )
    total, tax = line.line_total, line.line_tax
    return _InvoiceLine(
        total,
        tax,
        (x.line_no, line.sku, line.description[:300], line.qty, line.unit_price, line.tax_rate)
        + (total, tax),
        {
            "line_no": x.line_no,
            "sku": line.sku,
            "qty": str(line.qty),
            "unit_price": str(line.unit_price),
            "tax_rate": str(line.tax_rate),
            "line_total": str(total),
            "line_tax": str(tax),
        },
    )


class _Priced(NamedTuple):
    order: ImportedOrder
    lines: list[_InvoiceLine]
    subtotal: Decimal
    tax: Decimal
    issue_date: date


def _priced(orders: Sequence[ImportedOrder], now: datetime) -> list[_Priced]:
    """The invoice lines and amounts of each order, refusing what issuing would refuse."""
    known: dict[int, _InvoiceLine] = {}  # by id(): the import shares its line objects
    priced = []
    for order in orders:
        lines = [known.get(id(x)) or known.setdefault(id(x), _invoice_line(x)) for x in order.lines]
        subtotal = sum((x.line_total for x in lines), ZERO)
        tax = sum((x.line_tax for x in lines), ZERO)
        require_storable(
            subtotal + tax,
            what=f"the invoice total {subtotal + tax} of order {order.number}",
            field="lines",
        )
        issue_date = order.placed_at.date()
        if issue_date > now.date():
            # Its payment could not be dated on or after the invoice.
            raise InvalidInput(
                f"order {order.number} is placed in the future ({issue_date})", field="placed_at"
            )
        priced.append(_Priced(order, lines, subtotal, tax, issue_date))
    return priced


class _Books:
    """The rows, journal entries and events of a chunk of imported orders, gathered to be written
    with one executemany per table."""

    def __init__(self, parties: dict[uuid.UUID, orders_module.BillingParty], now: datetime):
        self.parties = parties
        self.terms = {c: timedelta(days=p.payment_terms_days) for c, p in parties.items()}
        self.now = now
        self.invoices: list[tuple[Any, ...]] = []
        self.invoice_lines: list[tuple[Any, ...]] = []
        self.payments: list[tuple[Any, ...]] = []
        self.postings: list[ledger.Posting] = []
        self.events: list[tuple[type[Event], str, dict[str, Any]]] = []
        self._text: dict[Any, str] = {}  # customer ids and dates as payloads write them

    def text(self, value: uuid.UUID | date) -> str:
        return self._text.get(value) or self._text.setdefault(value, str(value))

    def add(self, number: str, priced: _Priced) -> None:
        """The invoice of an order, and its payment if the order had been paid."""
        order, lines, subtotal, tax, issue_date = priced
        party = self.parties[order.customer_id]
        total = subtotal + tax
        invoice_id = uuid7()
        invoice_text = str(invoice_id)
        due_date = issue_date + self.terms[order.customer_id]
        issued_as = NOTHING_TO_PAY if total == 0 else ISSUED
        paid = order.status in PAID_BEFORE and total > 0
        status, balance = issued_as, total
        if paid:
            balance = total - total
            status = str(status_after(total=total, paid=total, credited=ZERO, balance=balance))
        self.invoices.append(
            (
                invoice_id,
                number,
                order.order_id,
                order.number,
                order.customer_id,
                party.name,
                party.email,
                party.billing_address,
                status,
                issue_date,
                due_date,
                subtotal,
                tax,
                total,
                total if paid else ZERO,
                balance,
                2 if paid else 1,  # the payment was a revision
                order.placed_at,
                order.placed_at,
            )
        )
        self.invoice_lines.extend((invoice_id, *x.values) for x in lines)
        self.postings.append(
            ledger.Posting(
                issue_date,
                f"Invoice {number} to {party.name}",
                "invoice",
                invoice_text,
                [
                    ledger.debit(ledger.RECEIVABLES, total),
                    ledger.credit(ledger.REVENUE, subtotal),
                    ledger.credit(ledger.TAX_PAYABLE, tax),
                ],
            )
        )
        payload = {
            "invoice_id": invoice_text,
            "number": number,
            "order_id": str(order.order_id),
            "customer_id": self.text(order.customer_id),
            "issue_date": self.text(issue_date),
            "due_date": self.text(due_date),
            "lines": [x.payload for x in lines],
            "subtotal": str(subtotal),
            "tax": str(tax),
            "total": str(total),
            "status": issued_as,
            "source": "import",
        }
        self.events.append((InvoiceImported, invoice_text, payload))
        if paid:
            self._payment(order, invoice_id, total, payload, balance, status)

    def _payment(
        self,
        order: ImportedOrder,
        invoice_id: uuid.UUID,
        total: Decimal,
        invoice: dict[str, Any],
        balance: Decimal,
        status: str,
    ) -> None:
        """The payment of the whole invoice (`invoice` is its event's payload), `PAID_AFTER`
        its issue and not in the future."""
        payment_id = uuid7()
        payment_text = str(payment_id)
        received_at = min(order.placed_at + PAID_AFTER, self.now)
        reference = f"import {order.number}"
        self.payments.append(
            (payment_id, invoice_id, order.customer_id, total, reference, received_at)
        )
        self.postings.append(
            ledger.Posting(
                received_at.date(),
                f"Payment on invoice {invoice['number']} ({PAID_BY}) ref {reference}",
                "payment",
                payment_text,
                [
                    ledger.debit(ledger.METHOD_ACCOUNT[PAID_BY], total),
                    ledger.credit(ledger.RECEIVABLES, total),
                ],
            )
        )
        payload = {
            "invoice_id": invoice["invoice_id"],
            "payment_id": payment_text,
            "invoice_number": invoice["number"],
            "order_id": invoice["order_id"],
            "customer_id": invoice["customer_id"],
            "amount": invoice["total"],
            "method": PAID_BY,
            "received_at": json_datetime(received_at),
            "balance_after": str(balance),
            "invoice_status": status,
        }
        self.events.append((PaymentImported, invoice["invoice_id"], payload))

    async def write(self, uow: UnitOfWork) -> None:
        session, actor = uow.session, uow.actor
        same: dict[str, Any] = {
            "source": "import",
            "amount_credited": ZERO,
            "refund_due": ZERO,
            "amount_refunded": ZERO,
            "notes": "",
            "void_reason": "",
            "created_by": actor,
        }
        await insert_rows(session, Invoice.__table__, INVOICE_COLUMNS, self.invoices, same=same)
        await insert_rows(
            session,
            InvoiceLine.__table__,
            INVOICE_LINE_COLUMNS,
            self.invoice_lines,
            same={"credited_qty": Decimal("0")},
        )
        same = {"method": PAID_BY, "created_by": actor}
        await insert_rows(session, Payment.__table__, PAYMENT_COLUMNS, self.payments, same=same)
        await ledger.post_many(uow, self.postings)
        uow.emit_payloads(self.events)


async def book_imported(uow: UnitOfWork, orders: Sequence[ImportedOrder]) -> BookedImport:
    """Book the invoice (issued on the order's date) of every order that had been invoiced,
    and the payment (in full, by bank transfer, `PAID_AFTER` later) of every one that had
    been paid: the rules of issuing an invoice and recording a payment, for orders new to
    billing. An order whose customer is unknown gets no invoice, as a live one would not."""
    wanted = [o for o in orders if o.status in INVOICED_BEFORE]
    parties: dict[uuid.UUID, orders_module.BillingParty] = {}
    for customer_id in dict.fromkeys(o.customer_id for o in wanted):
        party = await orders_module.billing_party(uow, customer_id)
        if party is not None:
            parties[customer_id] = party
    wanted = [o for o in wanted if o.customer_id in parties]
    if not wanted:
        return BookedImport(0, 0)
    books = _Books(parties, utcnow())
    priced = _priced(wanted, books.now)
    numbers = await next_numbers(uow, "invoices", len(priced))
    for number, one in zip(numbers, priced, strict=True):
        books.add(number, one)
    await books.write(uow)
    return BookedImport(len(books.invoices), len(books.payments))
