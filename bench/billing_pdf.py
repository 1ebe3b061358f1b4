"""The billing benchmark's in-process figure: `render_pdf` of a realistic 3-line invoice."""

from __future__ import annotations

import statistics
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bench.billing_load import INVOICE_LINES
from bench.harness.stats import summary_ms


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sample_document() -> tuple[Any, Any]:
    """A realistic 3-line invoice (two tax rates) and the default company, as `render_pdf`
    gets them from `Documents`."""
    from pulse.billing.pdf import BillingDocument, Company, DocumentLine, TaxLine
    from pulse.platform.settings import Settings

    defaults = Settings.model_fields
    company = Company(
        name=defaults["company_name"].default,
        address=defaults["company_address"].default,
        tax_id="FR 12 345678901",
        email=defaults["company_email"].default,
        currency=defaults["currency"].default,
    )
    skus = ["BENCH-004", "SVC-ASSEMBLY", "DOC-MANUAL"]
    lines = []
    for sku, spec in zip(skus, INVOICE_LINES, strict=True):
        qty, price, rate = (
            Decimal(spec["qty"]),
            Decimal(spec["unit_price"]),
            Decimal(spec["tax_rate"]),
        )
        net = _money(qty * price)
        lines.append(
            DocumentLine(sku, spec["description"], qty, price, rate, net, _money(net * rate))
        )
    rates = sorted({x.tax_rate for x in lines})
    tax_lines = tuple(
        TaxLine(
            rate=r,
            base=sum((x.line_total for x in lines if x.tax_rate == r), Decimal("0.00")),
            tax=sum((x.line_tax for x in lines if x.tax_rate == r), Decimal("0.00")),
        )
        for r in rates
    )
    subtotal = sum((x.line_total for x in lines), Decimal("0.00"))
    tax = sum((x.line_tax for x in lines), Decimal("0.00"))
    paid = Decimal("100.00")
    document = BillingDocument(
        kind="invoice",
        number="INV-004217",
        issue_date=date(2026, 11, 23),
        due_date=date(2026, 12, 23),
        reference="Order SO-018342",
        customer_name="Hartmann & Söhne Maschinenbau GmbH",
        customer_email="accounts@hartmann-soehne.example",
        customer_address="Industriestraße 14\n70565 Stuttgart\nGermany",
        lines=tuple(lines),
        tax_lines=tax_lines,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        amount_paid=paid,
        balance_due=subtotal + tax - paid,
        status="partially_paid",
        note="Payment by bank transfer, quoting the invoice number.",
    )
    return document, company


def pdf_in_process(samples: int) -> dict[str, object]:
    """Wall and CPU time of `render_pdf` for one 3-line invoice, after a warm-up."""
    t0 = time.perf_counter()
    from pulse.billing.pdf import render_pdf

    import_s = time.perf_counter() - t0
    document, company = sample_document()
    t0 = time.perf_counter()
    data = render_pdf(document, company)
    first_s = time.perf_counter() - t0
    for _ in range(5):
        render_pdf(document, company)
    wall, cpu = [], []
    for _ in range(samples):
        c0, w0 = time.process_time(), time.perf_counter()
        render_pdf(document, company)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {
        "samples": samples,
        "wall_ms": summary_ms(wall),
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 3),
        "first_render_ms": round(first_s * 1000, 3),
        "import_ms": round(import_s * 1000, 1),
        "bytes": len(data),
        "pages": data.count(b"/Type /Page\n") or data.count(b"/Type /Page") - 1,
        "document": "invoice of 3 lines (two tax rates), partially paid, with a note",
    }
