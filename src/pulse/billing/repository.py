"""All SQL of the billing module."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pulse.billing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from pulse.platform.bulk import insert_rows
from pulse.platform.db import one_or_none, rowcount
from pulse.platform.money import ZERO
from pulse.platform.uow import Repository


async def page_of(
    session: AsyncSession, query: Select[Any], *order_by: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of a filtered `select(Model)` and the number of rows across all pages."""
    counting = query.with_only_columns(func.count(), maintain_column_froms=True)
    total = (await session.execute(counting)).scalar_one()
    rows = await session.execute(query.order_by(*order_by).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


# -- invoices --------------------------------------------------------------------------------
INVOICE_COLUMNS = (
    "id",
    "number",
    "order_id",
    "order_number",
    "source",
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
    "balance",
    "notes",
    "created_by",
)
INVOICE_LINE_COLUMNS = (
    "invoice_id",
    "line_no",
    "sku",
    "description",
    "qty",
    "unit_price",
    "tax_rate",
    "line_total",
    "line_tax",
)


def _invoice_filter(
    query: Select[Any],
    *,
    status: str | None,
    customer_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    overdue: bool | None,
    today: date,
    date_from: date | None,
    date_to: date | None,
) -> Select[Any]:
    if order_id:
        query = query.where(Invoice.order_id == order_id)
    if status:
        query = query.where(Invoice.status == status)
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    if overdue is not None:
        late = and_(Invoice.status.in_(("issued", "partially_paid")), Invoice.due_date < today)
        query = query.where(late if overdue else not_(late))
    if date_from:
        query = query.where(Invoice.issue_date >= date_from)
    if date_to:
        query = query.where(Invoice.issue_date <= date_to)
    return query


def _payment_filter(
    query: Select[Any],
    *,
    invoice_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    method: str | None,
    received_from: datetime | None,
    received_to: datetime | None,
) -> Select[Any]:
    if invoice_id:
        query = query.where(Payment.invoice_id == invoice_id)
    if customer_id:
        query = query.where(Payment.customer_id == customer_id)
    if method:
        query = query.where(Payment.method == method)
    if received_from:
        query = query.where(Payment.received_at >= received_from)
    if received_to:
        query = query.where(Payment.received_at < received_to)
    return query


class BillingRepository(Repository):
    """The billing module's statements on invoices, payments, refunds and credit notes, on one
    unit of work's session (`uow.repo(BillingRepository)`)."""

    __slots__ = ()

    async def insert_invoices(
        self,
        invoices: Sequence[tuple[Any, ...]],
        lines: Sequence[tuple[Any, ...]],
        *,
        now: datetime,
    ) -> None:
        """New invoices (rows in `INVOICE_COLUMNS` order, nothing paid or credited yet) and
        their lines (in `INVOICE_LINE_COLUMNS` order, nothing credited): one executemany each."""
        same = {
            "amount_paid": ZERO,
            "amount_credited": ZERO,
            "refund_due": ZERO,
            "amount_refunded": ZERO,
            "void_reason": "",
            "revision": 1,
            "created_at": now,
            "updated_at": now,
        }
        await insert_rows(self.session, Invoice.__table__, INVOICE_COLUMNS, invoices, same=same)
        await insert_rows(
            self.session,
            InvoiceLine.__table__,
            INVOICE_LINE_COLUMNS,
            lines,
            same={"credited_qty": Decimal("0")},
        )

    async def get_invoice(
        self, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> Invoice | None:
        # Fresh from the database: an earlier UPDATE in this transaction is not mirrored into
        # already loaded objects (the sessions do not synchronise).
        query = select(Invoice).where(Invoice.id == invoice_id)
        return await one_or_none(
            self.session, query.execution_options(populate_existing=True), lock=for_update
        )

    async def orders_invoiced(self, order_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of the orders that have an invoice."""
        if not order_ids:
            return set()
        rows = await self.session.execute(
            select(Invoice.order_id).where(Invoice.order_id.in_(set(order_ids)))
        )
        return {order_id for order_id in rows.scalars() if order_id is not None}

    async def invoice_for_order(self, order_id: uuid.UUID) -> Invoice | None:
        query = (
            select(Invoice)
            .where(Invoice.order_id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def invoices_by_id(self, invoice_ids: Collection[uuid.UUID]) -> list[Invoice]:
        """The invoices of these ids that exist, in no particular order."""
        if not invoice_ids:
            return []
        query = select(Invoice).where(Invoice.id.in_(set(invoice_ids)))
        rows = await self.session.execute(query.execution_options(populate_existing=True))
        return list(rows.scalars())

    async def lines_of_invoices(
        self, invoice_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[InvoiceLine]]:
        """Each invoice's lines in their order, for many invoices in one statement."""
        lines: dict[uuid.UUID, list[InvoiceLine]] = {i: [] for i in invoice_ids}
        if not lines:
            return lines
        rows = await self.session.execute(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id.in_(set(lines)))
            .order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)
        )
        for line in rows.scalars():
            lines[line.invoice_id].append(line)
        return lines

    async def invoice_lines(self, invoice_id: uuid.UUID) -> list[InvoiceLine]:
        rows = await self.session.execute(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(InvoiceLine.line_no)
        )
        return list(rows.scalars())

    async def update_invoice(self, invoice_id: uuid.UUID, *, revision: int, **values: Any) -> bool:
        """Compare-and-set on the revision, so two concurrent changes cannot both apply."""
        result = await self.session.execute(
            update(Invoice)
            .where(Invoice.id == invoice_id, Invoice.revision == revision)
            .values(revision=revision + 1, **values)
        )
        return rowcount(result) == 1

    async def credit_line_qty(self, invoice_id: uuid.UUID, line_no: int, qty: Decimal) -> None:
        await self.session.execute(
            update(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id, InvoiceLine.line_no == line_no)
            .values(credited_qty=InvoiceLine.credited_qty + qty)
        )

    async def search_invoices(
        self,
        *,
        status: str | None,
        customer_id: uuid.UUID | None,
        order_id: uuid.UUID | None = None,
        overdue: bool | None,
        today: date,
        date_from: date | None,
        date_to: date | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Invoice], int]:
        filters: dict[str, Any] = {
            "status": status,
            "customer_id": customer_id,
            "order_id": order_id,
            "overdue": overdue,
            "today": today,
            "date_from": date_from,
            "date_to": date_to,
        }
        query = _invoice_filter(select(Invoice), **filters)
        order = (Invoice.issue_date.desc(), Invoice.number.desc())
        return await page_of(self.session, query, *order, limit=limit, offset=offset)

    async def invoice_labels(self, invoice_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """Number and customer name of each invoice, for lists of things that point at invoices."""
        if not invoice_ids:
            return {}
        rows = await self.session.execute(
            select(Invoice.id, Invoice.number, Invoice.customer_name).where(
                Invoice.id.in_(invoice_ids)
            )
        )
        return {id_: (number, name) for id_, number, name in rows}

    # -- payments ------------------------------------------------------------------------------
    async def insert_payment(self, payment: dict[str, Any]) -> None:
        await self.session.execute(Payment.__table__.insert(), [payment])

    async def payments_of(self, invoice_id: uuid.UUID) -> list[Payment]:
        rows = await self.session.execute(
            select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.received_at)
        )
        return list(rows.scalars())

    async def insert_refund(self, refund: dict[str, Any]) -> None:
        await self.session.execute(Refund.__table__.insert(), [refund])

    async def refunds_of(self, invoice_id: uuid.UUID) -> list[Refund]:
        rows = await self.session.execute(
            select(Refund).where(Refund.invoice_id == invoice_id).order_by(Refund.paid_at)
        )
        return list(rows.scalars())

    async def search_payments(
        self, *, limit: int, offset: int, **filters: Any
    ) -> tuple[list[Payment], int]:
        query = _payment_filter(select(Payment), **filters)
        order = (Payment.received_at.desc(), Payment.id)
        return await page_of(self.session, query, *order, limit=limit, offset=offset)

    # -- credit notes --------------------------------------------------------------------------
    async def insert_credit_note(
        self, note: dict[str, Any], lines: Sequence[dict[str, Any]]
    ) -> None:
        await self.session.execute(CreditNote.__table__.insert(), [note])
        await self.session.execute(CreditNoteLine.__table__.insert(), list(lines))

    async def get_credit_note(self, credit_note_id: uuid.UUID) -> CreditNote | None:
        return await self.session.get(CreditNote, credit_note_id)

    async def credit_notes_of(self, invoice_id: uuid.UUID) -> list[CreditNote]:
        rows = await self.session.execute(
            select(CreditNote)
            .where(CreditNote.invoice_id == invoice_id)
            .order_by(CreditNote.number)
        )
        return list(rows.scalars())

    async def credit_note_lines(self, credit_note_id: uuid.UUID) -> list[CreditNoteLine]:
        rows = await self.session.execute(
            select(CreditNoteLine)
            .where(CreditNoteLine.credit_note_id == credit_note_id)
            .order_by(CreditNoteLine.line_no)
        )
        return list(rows.scalars())

    async def credited_per_line(self, invoice_id: uuid.UUID) -> dict[int, tuple[Decimal, Decimal]]:
        """Net and tax already credited against each invoice line."""
        rows = await self.session.execute(
            select(
                CreditNoteLine.invoice_line_no,
                func.sum(CreditNoteLine.line_total),
                func.sum(CreditNoteLine.line_tax),
            )
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .where(CreditNote.invoice_id == invoice_id, CreditNoteLine.invoice_line_no.is_not(None))
            .group_by(CreditNoteLine.invoice_line_no)
        )
        return {line_no: (net, tax) for line_no, net, tax in rows if line_no is not None}

    async def search_credit_notes(
        self,
        *,
        invoice_id: uuid.UUID | None,
        customer_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[CreditNote], int]:
        query = select(CreditNote)
        if invoice_id:
            query = query.where(CreditNote.invoice_id == invoice_id)
        if customer_id:
            query = query.where(CreditNote.customer_id == customer_id)
        order = (CreditNote.issue_date.desc(), CreditNote.number.desc())
        return await page_of(self.session, query, *order, limit=limit, offset=offset)
