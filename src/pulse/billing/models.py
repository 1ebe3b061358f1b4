"""Billing tables: the chart of accounts, the journal, invoices, payments and credit notes.

Journal rows are only ever inserted; a correction is a new, reversing entry.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, ExactDecimal, Money, PricedLine, UtcDateTime
from pulse.platform.outbox import BigIntPK


def Quantity() -> ExactDecimal:  # noqa: N802 - reads like a type in model declarations
    return ExactDecimal(12, 3)


class Account(Base):
    __tablename__ = "accounts"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # asset, liability, equity, revenue or expense: decides the side a balance is shown on.
    type: Mapped[str] = mapped_column(String(20))
    # What the account is used for by the postings (receivables, revenue, …); unique.
    role: Mapped[str | None] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class JournalEntry(Base):
    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    # What the entry books (invoice, payment, credit_note, invoice_void, payroll …) and its id.
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(64))
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_by: Mapped[str | None] = mapped_column(String(100))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        # A document is booked once; the unique key makes a second posting fail loudly.
        UniqueConstraint("source_type", "source_id", name="uq_journal_entries_source"),
        Index("ix_journal_entries_entry_date", "entry_date"),
    )


class JournalLine(Base):
    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_code: Mapped[str] = mapped_column(ForeignKey("accounts.code"))
    debit: Mapped[Decimal] = mapped_column(Money())
    credit: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        CheckConstraint(
            "debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)", name="one_side"
        ),
        Index("ix_journal_lines_account_entry", "account_code", "entry_id"),
    )


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # One invoice per order: the unique key is what makes issuing on `order.confirmed` once.
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    order_number: Mapped[str | None] = mapped_column(String(20))
    # How it came about: "order" (a confirmed order), "manual" or "import" (a past order
    # imported in bulk).
    source: Mapped[str] = mapped_column(String(10), default="order")
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The customer as billed: an invoice keeps the name and address it was issued to.
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_email: Mapped[str] = mapped_column(String(254))
    billing_address: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    amount_paid: Mapped[Decimal] = mapped_column(Money())
    amount_credited: Mapped[Decimal] = mapped_column(Money())
    # What the customer still owes (in receivables) and what is owed back (credited after paying).
    balance: Mapped[Decimal] = mapped_column(Money())
    refund_due: Mapped[Decimal] = mapped_column(Money())
    # Refunds paid out to the customer (from what was owed back).
    amount_refunded: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    notes: Mapped[str] = mapped_column(String(1000), default="")
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    # Bumped by every change a document shows (payment, credit, void): names the PDF version.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name="paid_within_total"),
        CheckConstraint(
            "amount_credited >= 0 AND amount_credited <= total", name="credited_within_total"
        ),
        CheckConstraint("balance >= 0 AND refund_due >= 0", name="balances_not_negative"),
        CheckConstraint("amount_refunded >= 0", name="refunded_not_negative"),
        Index("ix_invoices_status_due", "status", "due_date"),
        Index("ix_invoices_customer_issue", "customer_id", "issue_date"),
        Index("ix_invoices_issue_date", "issue_date"),
    )


class InvoiceLine(PricedLine, Base):
    __tablename__ = "invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    # After the priced line's columns.
    credited_qty: Mapped[Decimal] = mapped_column(Quantity(), sort_order=1)

    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("credited_qty >= 0 AND credited_qty <= qty", name="credited_within_qty"),
    )


class _MoneyMoved:
    """The columns a payment and a refund start with: an amount of money that moved between
    the customer and the business for an invoice, how, and under what reference."""

    # Before the table's own columns.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, sort_order=-1)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id"), index=True, sort_order=-1
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, sort_order=-1)
    amount: Mapped[Decimal] = mapped_column(Money(), sort_order=-1)
    method: Mapped[str] = mapped_column(String(20), sort_order=-1)
    reference: Mapped[str] = mapped_column(String(200), default="", sort_order=-1)


class Payment(_MoneyMoved, Base):
    __tablename__ = "payments"

    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payments_received_at", "received_at"),
        Index("ix_payments_customer_received", "customer_id", "received_at"),
    )


class Refund(_MoneyMoved, Base):
    """Money paid back to a customer out of what a credit note left owed to them."""

    __tablename__ = "refunds"

    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class CreditNote(Base):
    __tablename__ = "credit_notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issue_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    # How the credit was settled: off the open balance, and the rest owed back to the customer.
    applied_to_balance: Mapped[Decimal] = mapped_column(Money())
    refund_due: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("total > 0", name="total_positive"),
        Index("ix_credit_notes_issue_date", "issue_date"),
    )


class CreditNoteLine(PricedLine, Base):
    __tablename__ = "credit_note_lines"

    credit_note_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("credit_notes.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The invoice line credited, or None for a credit by amount.
    invoice_line_no: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    qty: Mapped[Decimal] = mapped_column(Quantity())
