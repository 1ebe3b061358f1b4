"""Invoice / credit-note PDF rendering: content, pagination, determinism, text safety."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from pulse.billing.pdf import (
    BillingDocument,
    Company,
    DocumentLine,
    TaxLine,
    format_money,
    format_rate,
    render_pdf,
)

COMPANY = Company(
    name="Pulse Trading GmbH",
    address="Hauptstraße 1\n10115 Berlin\nGermany",
    tax_id="DE123456789",
    email="billing@pulse.example",
    currency="EUR",
)


def _line(sku: str, description: str, qty: str, unit_price: str, rate: str) -> DocumentLine:
    net = (Decimal(qty) * Decimal(unit_price)).quantize(Decimal("0.01"))
    tax = (net * Decimal(rate)).quantize(Decimal("0.01"))
    return DocumentLine(
        sku=sku,
        description=description,
        qty=Decimal(qty),
        unit_price=Decimal(unit_price),
        tax_rate=Decimal(rate),
        line_total=net,
        line_tax=tax,
    )


def _document(lines: tuple[DocumentLine, ...], **changes: object) -> BillingDocument:
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        base, tax = by_rate.get(line.tax_rate, (Decimal("0.00"), Decimal("0.00")))
        by_rate[line.tax_rate] = (base + line.line_total, tax + line.line_tax)
    tax_lines = tuple(TaxLine(rate, base, tax) for rate, (base, tax) in sorted(by_rate.items()))
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    tax = sum((t.tax for t in tax_lines), Decimal("0.00"))
    total = subtotal + tax
    paid = Decimal("100.00")
    document = BillingDocument(
        kind="invoice",
        number="INV-000045",
        issue_date=date(2024, 3, 14),
        due_date=date(2024, 4, 13),
        reference="Order SO-000123",
        customer_name="Acme Widgets Ltd",
        customer_email="accounts@acme.example",
        customer_address="12 Market Street\nManchester M1 1AA\nUnited Kingdom",
        lines=lines,
        tax_lines=tax_lines,
        subtotal=subtotal,
        tax=tax,
        total=total,
        amount_paid=paid,
        balance_due=total - paid,
        status="partially_paid",
        note="Payment by bank transfer to IBAN DE00 1234 5678 9012 3456 78.",
    )
    return replace(document, **changes)


THREE_LINES = (
    _line("WID-001", "Blue widget, large", "10", "12.50", "0.2000"),
    _line("GAD-042", "Gadget with a rather long description that wraps", "3", "99.99", "0.2000"),
    _line("SRV-HOUR", "Consulting (hours)", "2.5", "80.00", "0.0750"),
)


def _text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_invoice_contains_the_essentials() -> None:
    document = _document(THREE_LINES)
    data = render_pdf(document, COMPANY)

    assert isinstance(data, bytes)
    assert data.startswith(b"%PDF-")
    reader, text = _text(data)
    assert reader.metadata is not None
    assert reader.metadata.title == "INV-000045"
    assert reader.metadata.author == "Pulse Trading GmbH"
    assert "INVOICE" in text
    assert "INV-000045" in text
    assert "Acme Widgets Ltd" in text
    assert "Hauptstraße 1" in text  # latin-1 characters survive
    assert "VAT/Tax ID: DE123456789" in text
    for line in THREE_LINES:
        assert line.sku in text
    assert document.total == Decimal("724.96")
    assert format_money(document.total, "EUR") in text
    assert "2024-03-14" in text
    assert "Due date" in text
    assert "2024-04-13" in text
    assert "Balance due" in text
    assert f"Balance due {format_money(document.balance_due, 'EUR')}" in text
    assert "Partially paid" in text
    assert "Tax 20% on EUR 424.97" in text
    assert "Tax 7.5% on EUR 200.00" in text
    assert "Reference: Order SO-000123" in text
    assert "IBAN DE00" in text
    assert "Page 1 of 1" in text
    assert len(reader.pages) == 1


def test_credit_note_has_own_title_and_no_due_date() -> None:
    document = _document(
        THREE_LINES[:1],
        kind="credit_note",
        number="CN-000003",
        due_date=None,
        reference="Credit for invoice INV-000045",
        amount_paid=Decimal("0.00"),
        balance_due=Decimal("0.00"),
        status="issued",
        note="",
    )
    reader, text = _text(render_pdf(document, COMPANY))

    assert reader.metadata is not None
    assert reader.metadata.title == "CN-000003"
    assert "CREDIT NOTE" in text
    assert "INVOICE" not in text
    assert "Due date" not in text
    assert "Balance due" not in text
    assert f"Total credited {format_money(Decimal('150.00'), 'EUR')}" in text
    assert "Credit for invoice INV-000045" in text
    assert "Issued" in text


def test_two_hundred_lines_paginate_with_repeated_header() -> None:
    lines = tuple(
        _line(f"SKU-{i:04d}", f"Item number {i} with some description", "1", "2.00", "0.2")
        for i in range(200)
    )
    reader, text = _text(render_pdf(_document(lines), COMPANY))

    pages = len(reader.pages)
    assert pages > 1
    for i in range(200):
        assert f"SKU-{i:04d}" in text
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    for page in reader.pages:  # the table header is repeated on every page the table touches
        page_text = page.extract_text()
        if "SKU-" in page_text:
            assert "Description" in page_text
    assert "Balance due" in text


def test_rendering_is_deterministic() -> None:
    document = _document(THREE_LINES)
    assert render_pdf(document, COMPANY) == render_pdf(document, COMPANY)


def test_unicode_is_transliterated_or_replaced() -> None:
    document = _document(
        THREE_LINES,
        customer_name="Ｃａｆé\u0301 ﬁne Łódź Иван 東京 \U0001f600\x00\x07",
        note="{nb} should stay literal",
    )
    _, text = _text(render_pdf(document, COMPANY))

    assert "Cafe" in text or "Café" in text
    assert "fine" in text
    assert "?" in text  # Ł, Cyrillic, CJK and emoji cannot be shown with core fonts
    assert "{nb} should stay literal" in text


def test_long_unbroken_strings_do_not_raise() -> None:
    long = "X" * 200
    line = replace(THREE_LINES[0], sku="S" * 200, description=long)
    document = _document(
        (line,),
        customer_name="N" * 200,
        customer_address="A" * 500,
        customer_email="e" * 200 + "@example.com",
        reference="R" * 300,
        note="W" * 5000,
    )
    company = replace(COMPANY, name="C" * 200, address="Z" * 300, currency="EURO" * 20)
    data = render_pdf(document, company)
    assert data.startswith(b"%PDF-")


def test_huge_amounts_and_empty_document_render() -> None:
    document = _document(
        (),
        subtotal=Decimal("123456789012345678901234567890.125"),
        total=Decimal("-1E+40"),
        tax_lines=(),
    )
    data = render_pdf(document, COMPANY)
    assert data.startswith(b"%PDF-")


# Any code point (control characters, combining marks, CJK, emoji, private use), lone
# surrogates, fpdf2's default page-count alias and very long unbroken words.
_PIECE = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.sampled_from(["\n", "\r\n", "\t", "\x00", "\u00ad", "\u2028", "\u0301", "{nb}", " "]),
    st.sampled_from(["W", "\u6771", "\U0001f600"]).map(lambda c: c * 120),
)
_ANY_TEXT = st.one_of(st.text(), st.lists(_PIECE, max_size=150).map("".join))


@settings(max_examples=40, deadline=None)
@given(name=_ANY_TEXT, address=_ANY_TEXT, description=_ANY_TEXT, sku=_ANY_TEXT, note=_ANY_TEXT)
def test_arbitrary_text_never_raises(
    name: str, address: str, description: str, sku: str, note: str
) -> None:
    line = replace(THREE_LINES[0], sku=sku, description=description)
    document = _document(
        (line, THREE_LINES[1]),
        customer_name=name,
        customer_address=address,
        customer_email=name,
        reference=note,
        note=note,
    )
    company = replace(COMPANY, name=name, address=address, tax_id=sku, email=sku)
    data = render_pdf(document, company)
    assert isinstance(data, bytes)
    assert data.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "EUR 0.00"),
        ("0.00", "EUR 0.00"),
        ("-0.001", "EUR 0.00"),
        ("5", "EUR 5.00"),
        ("2.345", "EUR 2.35"),
        ("2.344", "EUR 2.34"),
        ("0.005", "EUR 0.01"),
        ("1234.5", "EUR 1,234.50"),
        ("1234567.891", "EUR 1,234,567.89"),
        ("999.995", "EUR 1,000.00"),
        ("-12", "-EUR 12.00"),
        ("-2.345", "-EUR 2.35"),
        ("-1234567.5", "-EUR 1,234,567.50"),
        ("1E+3", "EUR 1,000.00"),
        ("123456789012345678901234567890.125", "EUR 123,456,789,012,345,678,901,234,567,890.13"),
    ],
)
def test_format_money(amount: str, expected: str) -> None:
    assert format_money(Decimal(amount), "EUR") == expected


def test_format_money_uses_given_currency() -> None:
    assert format_money(Decimal("1"), "USD") == "USD 1.00"


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("0.2", "20%"),
        ("0.2000", "20%"),
        ("0.075", "7.5%"),
        ("0.0750", "7.5%"),
        ("0", "0%"),
        ("0.0000", "0%"),
        ("-0", "0%"),
        ("1", "100%"),
        ("0.19", "19%"),
        ("0.055", "5.5%"),
        ("0.12345", "12.345%"),
    ],
)
def test_format_rate(rate: str, expected: str) -> None:
    assert format_rate(Decimal(rate)) == expected
