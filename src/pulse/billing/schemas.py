"""API shapes of the billing module. Amounts are Decimal in, strings out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from pulse.platform.api import Page
from pulse.platform.money import Amount, Price, TaxRate, plain_decimal
from pulse.platform.validation import JsonInt, NoNul, RequestModel

# More than 0, at most 1,000,000, three places.
LineQuantity = Annotated[
    Decimal,
    plain_decimal(
        r"^([1-9][0-9]{0,5}(\.[0-9]{1,3}0*)?|1000000(\.0+)?|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])0*)$",
        example="2.5",
        gt=0,
        le=1_000_000,
        places=3,
    ),
]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), NoNul]


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    # Settled by credit notes without a payment.
    CREDITED = "credited"
    VOID = "void"


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"


# -- invoices --------------------------------------------------------------------------------
class InvoiceLineCreate(RequestModel):
    """A catalogue line (`sku`; name, price and tax rate default from the catalogue) or a
    free line (`description`, `unit_price` and `tax_rate` all given)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["sku"]},
                {"required": ["description", "unit_price", "tax_rate"]},
            ]
        }
    )

    sku: Sku | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    qty: LineQuantity
    unit_price: Price | SkipJsonSchema[None] = None
    tax_rate: TaxRate | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _sku_or_free_line(self) -> InvoiceLineCreate:
        if self.sku is None and (
            self.description is None or self.unit_price is None or self.tax_rate is None
        ):
            raise ValueError("a line without a sku needs description, unit_price and tax_rate")
        return self


class InvoiceCreate(RequestModel):
    customer_id: uuid.UUID
    lines: Annotated[list[InvoiceLineCreate], Field(min_length=1, max_length=200)]
    issue_date: date | None = None
    notes: Notes = ""


class InvoiceVoid(RequestModel):
    reason: Reason = ""


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    sku: str | None
    description: str
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal
    credited_qty: Decimal


class TaxLineRead(BaseModel):
    rate: Decimal
    base: Decimal
    tax: Decimal


class InvoiceSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    order_id: uuid.UUID | None
    order_number: str | None
    customer_id: uuid.UUID
    customer_name: str
    status: InvoiceStatus
    issue_date: date
    due_date: date
    total: Decimal
    amount_paid: Decimal
    amount_credited: Decimal
    balance: Decimal
    overdue: bool = False


class _MoneyMovedRead(BaseModel):
    """What a payment and a refund start with: money moved for an invoice, how and why."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    amount: Decimal
    method: PaymentMethod
    reference: str


class PaymentRead(_MoneyMovedRead):
    received_at: datetime
    created_by: str | None


class RefundRead(_MoneyMovedRead):
    paid_at: datetime
    created_by: str | None


class CreditNoteSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    issue_date: date
    reason: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    applied_to_balance: Decimal
    refund_due: Decimal


class InvoiceRead(InvoiceSummary):
    customer_email: str
    billing_address: str
    subtotal: Decimal
    tax: Decimal
    refund_due: Decimal
    amount_refunded: Decimal
    notes: str
    void_reason: str
    lines: list[InvoiceLineRead]
    tax_lines: list[TaxLineRead]
    payments: list[PaymentRead]
    credit_notes: list[CreditNoteSummary]
    refunds: list[RefundRead]
    pdf_url: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class InvoicePage(Page[InvoiceSummary]):
    pass


# -- payments --------------------------------------------------------------------------------
class _MoneyMovedCreate(RequestModel):
    amount: Amount
    method: PaymentMethod
    reference: Reference = ""


class PaymentCreate(_MoneyMovedCreate):
    received_at: datetime | None = None


class PaymentReceipt(PaymentRead):
    """A payment and where it left the invoice."""

    invoice_number: str
    invoice_status: InvoiceStatus
    invoice_balance: Decimal


class RefundCreate(_MoneyMovedCreate):
    """Money paid back to the customer out of what the invoice's credit notes left owed."""

    paid_at: datetime | None = None


class RefundReceipt(RefundRead):
    invoice_number: str
    refund_due: Decimal


class PaymentSummary(PaymentRead):
    """A payment in the payments list, with what a reader needs to recognise its invoice."""

    invoice_number: str
    customer_name: str


class PaymentPage(Page[PaymentSummary]):
    pass


# -- credit notes ----------------------------------------------------------------------------
class CreditLine(RequestModel):
    # Strict: JSON `true` is not line 1.
    line_no: Annotated[int, Field(ge=1, le=10_000), JsonInt]
    qty: LineQuantity


class CreditNoteCreate(RequestModel):
    """Credit chosen lines (`lines`), or an amount including tax (`amount`), not both."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["lines"], "not": {"required": ["amount"]}},
                {"required": ["amount"], "not": {"required": ["lines"]}},
            ]
        }
    )

    lines: (
        Annotated[list[CreditLine], Field(min_length=1, max_length=200)] | SkipJsonSchema[None]
    ) = None
    amount: Amount | SkipJsonSchema[None] = None
    reason: Reason = ""

    @model_validator(mode="after")
    def _lines_or_amount(self) -> CreditNoteCreate:
        if (self.lines is None) == (self.amount is None):
            raise ValueError("give either 'lines' or 'amount'")
        return self


class CreditNoteLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    invoice_line_no: int | None
    sku: str | None
    description: str
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


class CreditNoteRead(CreditNoteSummary):
    invoice_number: str
    invoice_status: InvoiceStatus
    invoice_balance: Decimal
    lines: list[CreditNoteLineRead]
    pdf_url: str
    created_by: str | None
    created_at: datetime


class CreditNotePage(Page[CreditNoteSummary]):
    pass


# -- ledger ----------------------------------------------------------------------------------
class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


class AccountRead(BaseModel):
    code: str
    name: str
    type: AccountType
    role: str | None
    debit: Decimal
    credit: Decimal
    # On the account's normal side: debit − credit for assets and expenses, else credit − debit.
    balance: Decimal


class JournalLineRead(BaseModel):
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal


class JournalEntryRead(BaseModel):
    id: int
    entry_date: date
    description: str
    source_type: str
    source_id: str
    reverses_entry_id: int | None
    created_by: str | None
    posted_at: datetime
    lines: list[JournalLineRead]


class JournalPage(Page[JournalEntryRead]):
    pass


class TrialBalanceRow(BaseModel):
    code: str
    name: str
    type: AccountType
    debit: Decimal
    credit: Decimal


class TrialBalance(BaseModel):
    as_of: date
    rows: list[TrialBalanceRow]
    total_debit: Decimal
    total_credit: Decimal
    balanced: bool
