"""Billing's pure rules: a line's rounding, tax lines per rate, the status an invoice is
left in. No database, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pulse.billing.models import CreditNoteLine, InvoiceLine
from pulse.billing.schemas import InvoiceStatus, TaxLineRead
from pulse.platform.money import ZERO, money


@dataclass(frozen=True)
class Line:
    sku: str | None
    description: str
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_price * self.qty)

    @property
    def line_tax(self) -> Decimal:
        return money(self.line_total * self.tax_rate)


def tax_lines(lines: Iterable[InvoiceLine | CreditNoteLine | Line]) -> list[TaxLineRead]:
    """One row per tax rate: the net amount it applies to and the tax (the sum of the lines')."""
    groups: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        group = groups[line.tax_rate]
        group[0] += line.line_total
        group[1] += line.line_tax
    return [TaxLineRead(rate=rate, base=b, tax=t) for rate, (b, t) in sorted(groups.items())]


def status_after(*, total: Decimal, paid: Decimal, credited: Decimal, balance: Decimal) -> str:
    if balance > 0:
        return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.ISSUED
    if credited >= total and total > 0:
        return InvoiceStatus.CREDITED
    return InvoiceStatus.PAID if paid > 0 or total == 0 else InvoiceStatus.CREDITED
