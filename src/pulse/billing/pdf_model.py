"""What a billing document's PDF is made of: plain, frozen data (picklable, so a render
process can take it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Company:
    name: str
    address: str  # may contain newlines
    tax_id: str  # may be ""
    email: str  # may be ""
    currency: str  # e.g. "EUR"
    logo: bytes | None = None  # a PNG or JPEG image, printed above the company's name


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    description: str
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # a fraction: 0.2000 means 20 %
    line_total: Decimal  # net, before tax
    line_tax: Decimal


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal  # fraction
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class BillingDocument:
    kind: Literal["invoice", "credit_note"]
    number: str  # e.g. INV-000045 or CN-000003
    issue_date: date
    due_date: date | None  # None for credit notes
    reference: str  # e.g. "Order SO-000123"; may be ""
    customer_name: str
    customer_email: str
    customer_address: str  # may contain newlines, may be ""
    lines: tuple[DocumentLine, ...]
    tax_lines: tuple[TaxLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    amount_paid: Decimal  # for credit notes pass Decimal("0.00")
    balance_due: Decimal
    status: str  # issued / partially_paid / paid / void / (credit notes: issued)
    note: str = ""  # free text printed under the totals, may be ""
