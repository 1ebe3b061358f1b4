"""Render invoices and credit notes as A4 PDFs with fpdf2.
Pure (plain data in, bytes out); any unicode text is made safe for the latin-1 core fonts."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from pulse.billing.pdf_model import BillingDocument, Company, DocumentLine, TaxLine
from pulse.billing.pdf_text import clean, format_amount, format_money, format_qty, format_rate

__all__ = [
    "BillingDocument",
    "Company",
    "DocumentLine",
    "TaxLine",
    "format_money",
    "format_rate",
    "render_pdf",
]


# --------------------------------------------------------------------------- layout

_MARGIN = 15.0
_PAGE_WIDTH = 210.0
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN  # 180 mm
_BOTTOM_MARGIN = 22.0
_LINE_H = 4.6
_FONT = "Helvetica"
_BASE_SIZE = 9.0

# Total-pages placeholder. Contains a control character that clean() always removes, so user
# text can never collide with it (fpdf2's default "{nb}" would be replaced inside any text).
_NB_ALIAS = "{\x1fnb}"

# (title, width mm, align) -- widths sum to _CONTENT_WIDTH
_COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("SKU", 28.0, "L"),
    ("Description", 70.0, "L"),
    ("Qty", 16.0, "R"),
    ("Unit price", 26.0, "R"),
    ("Tax", 14.0, "R"),
    ("Net amount", 26.0, "R"),
)

_MAX_SKU_LINES = 3
_MAX_DESCRIPTION_LINES = 12
_MAX_NAME_LINES = 3
_MAX_ADDRESS_LINES = 8
_MAX_REFERENCE_LINES = 3
_ELLIPSIS = "..."

_GREY_FILL = (235, 235, 235)
_RULE = (200, 200, 200)
_TEXT = (20, 20, 20)
_MUTED = (110, 110, 110)


class _DocumentPDF(FPDF):
    """FPDF with the document footer ("Page N of M" and the document number)."""

    footer_left = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(*_RULE)
        self.line(_MARGIN, self.get_y(), _PAGE_WIDTH - _MARGIN, self.get_y())
        self.set_y(-13)
        self.set_font(_FONT, size=8)
        self.set_text_color(*_MUTED)
        self.set_x(_MARGIN)
        left = _truncate(self, self.footer_left, _CONTENT_WIDTH / 2)
        self.cell(_CONTENT_WIDTH / 2, 5, left, align="L")
        # Left-aligned in a box that ends at the margin: the page-count placeholder reserves the
        # width of len(alias) digits, so a right-aligned cell would leave a gap after "of N".
        width = self.get_string_width("Page 9999 of 9999") + 2 * self.c_margin
        self.set_x(_PAGE_WIDTH - _MARGIN - width)
        self.cell(width, 5, f"Page {self.page_no()} of {_NB_ALIAS}", align="L")
        self.set_text_color(*_TEXT)


def _wrap(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Split already-clean text into lines that fit a cell of ``width``; at most ``max_lines``."""
    if "\n" not in text and pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        return [text]
    # With `output=LINES` and a dry run, fpdf2 returns the lines alone (its annotation is the
    # union of every output mode's result).
    lines = cast(
        list[str],
        pdf.multi_cell(width, _LINE_H, text, dry_run=True, output=MethodReturnValue.LINES),
    )
    if not lines:
        return [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _truncate(pdf, lines[-1] + _ELLIPSIS, width)
    return lines


def _truncate(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` (keeping a trailing ellipsis) until it fits a cell of ``width``."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    body = text.removesuffix(_ELLIPSIS)
    low, high = 0, len(body)  # binary search for the longest prefix that fits (long input)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(body[:middle] + _ELLIPSIS) <= room:
            low = middle
        else:
            high = middle - 1
    return body[:low] + _ELLIPSIS


def _fit_cell(
    pdf: FPDF, width: float, height: float, text: str, align: str, fill: bool = False
) -> None:
    """A one-line cell whose font shrinks (down to 5 pt) so that long numbers stay inside it."""
    size = pdf.font_size_pt
    room = width - 2 * pdf.c_margin
    shrunk = size
    while shrunk > 5 and pdf.get_string_width(text) > room:
        shrunk -= 0.5
        pdf.set_font_size(shrunk)
    pdf.cell(width, height, text, align=align, fill=fill)
    if shrunk != size:
        pdf.set_font_size(size)


def _text_lines(pdf: FPDF, x: float, width: float, lines: list[str]) -> None:
    for line in lines:
        pdf.set_x(x)
        pdf.cell(width, _LINE_H, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _header(pdf: FPDF, document: BillingDocument, company: Company) -> None:
    top = pdf.get_y()
    left_w = 100.0
    right_w = 70.0
    right_x = _PAGE_WIDTH - _MARGIN - right_w

    # Company block (left).
    if company.logo:
        # At most 40 x 16 mm, its proportions kept.
        pdf.image(io.BytesIO(company.logo), x=_MARGIN, y=top, w=40, h=16, keep_aspect_ratio=True)
        pdf.set_y(top + 18)
    pdf.set_font(_FONT, "B", 14)
    name = _wrap(pdf, clean(company.name), left_w, 2)
    for line in name:
        pdf.set_x(_MARGIN)
        pdf.cell(left_w, 6.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=_BASE_SIZE)
    pdf.set_text_color(*_MUTED)
    details = _wrap(pdf, clean(company.address, multiline=True), left_w, 6)
    if company.tax_id.strip():
        details += _wrap(pdf, clean(f"VAT/Tax ID: {company.tax_id}"), left_w, 2)
    if company.email.strip():
        details += _wrap(pdf, clean(company.email), left_w, 2)
    _text_lines(pdf, _MARGIN, left_w, [line for line in details if line.strip()])
    pdf.set_text_color(*_TEXT)
    left_bottom = pdf.get_y()

    # Document block (right).
    pdf.set_y(top)
    pdf.set_font(_FONT, "B", 18)
    pdf.set_x(right_x)
    title = "INVOICE" if document.kind == "invoice" else "CREDIT NOTE"
    pdf.cell(right_w, 8, title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    rows: list[tuple[str, str]] = [
        ("Number", document.number),
        ("Issue date", document.issue_date.isoformat()),
    ]
    if document.kind == "invoice" and document.due_date is not None:
        rows.append(("Due date", document.due_date.isoformat()))
        days = (document.due_date - document.issue_date).days
        rows.append(("Terms", "Due on receipt" if days <= 0 else f"Net {days} days"))
    rows.append(("Status", document.status.replace("_", " ").capitalize()))
    label_w = 26.0
    for label, value in rows:
        pdf.set_x(right_x)
        pdf.set_font(_FONT, size=_BASE_SIZE)
        pdf.set_text_color(*_MUTED)
        pdf.cell(label_w, _LINE_H + 0.4, f"{label}:", align="R")
        pdf.set_text_color(*_TEXT)
        pdf.set_font(_FONT, "B", _BASE_SIZE)
        value_text = _truncate(pdf, clean(value), right_w - label_w)
        pdf.cell(right_w - label_w, _LINE_H + 0.4, value_text, align="R")
        pdf.ln(_LINE_H + 0.4)
    right_bottom = pdf.get_y()

    pdf.set_y(max(left_bottom, right_bottom) + 4)
    pdf.set_draw_color(*_RULE)
    pdf.line(_MARGIN, pdf.get_y(), _PAGE_WIDTH - _MARGIN, pdf.get_y())
    pdf.ln(4)


def _bill_to(pdf: FPDF, document: BillingDocument) -> None:
    width = 110.0
    pdf.set_font(_FONT, "B", 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(width, _LINE_H, "BILL TO", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_TEXT)
    pdf.set_font(_FONT, "B", 10.5)
    name = _wrap(pdf, clean(document.customer_name), width, _MAX_NAME_LINES)
    for line in name:
        pdf.cell(width, 5.2, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=_BASE_SIZE)
    details: list[str] = []
    if document.customer_address.strip():
        address = clean(document.customer_address, multiline=True)
        details += _wrap(pdf, address, width, _MAX_ADDRESS_LINES)
    if document.customer_email.strip():
        details += _wrap(pdf, clean(document.customer_email), width, 2)
    _text_lines(pdf, _MARGIN, width, [line for line in details if line.strip()])
    pdf.ln(3)
    if document.reference.strip():
        pdf.set_font(_FONT, size=_BASE_SIZE)
        reference = _wrap(
            pdf, clean(f"Reference: {document.reference}"), _CONTENT_WIDTH, _MAX_REFERENCE_LINES
        )
        _text_lines(pdf, _MARGIN, _CONTENT_WIDTH, reference)
        pdf.ln(3)


def _table_header(pdf: FPDF, currency: str) -> None:
    pdf.set_font(_FONT, "B", 8.5)
    pdf.set_fill_color(*_GREY_FILL)
    pdf.set_x(_MARGIN)
    for title, width, align in _COLUMNS:
        label = f"{title} ({currency})" if title in ("Unit price", "Net amount") else title
        _fit_cell(pdf, width, 6.5, label, align, fill=True)
    pdf.ln(6.5)
    pdf.set_font(_FONT, size=_BASE_SIZE)


def _table(pdf: FPDF, document: BillingDocument, currency: str) -> None:
    _table_header(pdf, currency)
    pdf.set_draw_color(*_RULE)
    widths = [width for _, width, _ in _COLUMNS]
    padding = 1.2
    for line in document.lines:
        sku = _wrap(pdf, clean(line.sku), widths[0], _MAX_SKU_LINES)
        description = _wrap(
            pdf, clean(line.description, multiline=True), widths[1], _MAX_DESCRIPTION_LINES
        )
        row_h = max(len(sku), len(description), 1) * _LINE_H + 2 * padding
        if pdf.will_page_break(row_h):
            pdf.add_page()
            _table_header(pdf, currency)
        top = pdf.get_y()
        x = _MARGIN
        for column, lines in ((0, sku), (1, description)):
            pdf.set_y(top + padding)
            _text_lines(pdf, x, widths[column], lines)
            x += widths[column]
        numbers = (
            clean(format_qty(line.qty)),
            clean(format_amount(line.unit_price)),
            clean(format_rate(line.tax_rate)),
            clean(format_amount(line.line_total)),
        )
        pdf.set_xy(x, top + padding)
        for (_, width, align), text in zip(_COLUMNS[2:], numbers, strict=True):
            _fit_cell(pdf, width, _LINE_H, text, align)
        pdf.set_y(top + row_h)
        pdf.line(_MARGIN, pdf.get_y(), _PAGE_WIDTH - _MARGIN, pdf.get_y())
    if not document.lines:
        pdf.set_text_color(*_MUTED)
        pdf.cell(_CONTENT_WIDTH, 8, "No lines.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*_TEXT)


def _totals(pdf: FPDF, document: BillingDocument, currency: str) -> None:
    rows: list[tuple[str, str, bool]] = [
        ("Subtotal", format_money(document.subtotal, currency), False)
    ]
    for tax_line in document.tax_lines:
        label = f"Tax {format_rate(tax_line.rate)} on {format_money(tax_line.base, currency)}"
        rows.append((label, format_money(tax_line.tax, currency), False))
    if not document.tax_lines:
        rows.append(("Tax", format_money(document.tax, currency), False))
    if document.kind == "invoice":
        rows.append(("Total", format_money(document.total, currency), True))
        rows.append(("Paid", format_money(document.amount_paid, currency), False))
        rows.append(("Balance due", format_money(document.balance_due, currency), True))
    else:
        rows.append(("Total credited", format_money(document.total, currency), True))

    row_h = 6.0
    label_w, value_w = 62.0, 38.0
    x = _PAGE_WIDTH - _MARGIN - label_w - value_w
    pdf.ln(4)
    block_h = row_h * len(rows) + 2
    if pdf.will_page_break(block_h) and block_h < pdf.eph:
        pdf.add_page()
    pdf.set_draw_color(*_RULE)
    for label, value, strong in rows:
        if pdf.will_page_break(row_h):
            pdf.add_page()
        if strong:
            pdf.line(x, pdf.get_y(), _PAGE_WIDTH - _MARGIN, pdf.get_y())
        pdf.set_font(_FONT, "B" if strong else "", 10 if strong else _BASE_SIZE)
        pdf.set_x(x)
        _fit_cell(pdf, label_w, row_h, clean(label), "R")
        _fit_cell(pdf, value_w, row_h, clean(value), "R")
        pdf.ln(row_h)
    pdf.set_font(_FONT, size=_BASE_SIZE)


def _note(pdf: FPDF, note: str) -> None:
    text = clean(note, multiline=True).strip()
    if not text:
        return
    pdf.ln(6)
    pdf.set_font(_FONT, "B", 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(_CONTENT_WIDTH, _LINE_H, "NOTE", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_TEXT)
    pdf.set_font(_FONT, size=_BASE_SIZE)
    pdf.multi_cell(_CONTENT_WIDTH, _LINE_H, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(document: BillingDocument, company: Company) -> bytes:
    """Render ``document`` as an A4 PDF. Same input -> identical bytes (fixed creation date)."""
    currency = clean(company.currency) or "?"
    pdf = _DocumentPDF(orientation="P", unit="mm", format="A4")
    pdf.footer_left = clean(
        f"{'Invoice' if document.kind == 'invoice' else 'Credit note'} {document.number}"
    )
    pdf.alias_nb_pages(_NB_ALIAS)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_BOTTOM_MARGIN)
    pdf.c_margin = 1.2
    # Metadata strings are cleaned too: lone surrogates would break fpdf2's UTF-16 encoding.
    pdf.set_title(clean(document.number))
    pdf.set_author(clean(company.name))
    pdf.set_creator(clean(company.name))
    kind = "Invoice" if document.kind == "invoice" else "Credit note"
    pdf.set_subject(clean(f"{kind} {document.number}"))
    issued = document.issue_date
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_text_color(*_TEXT)
    pdf.add_page()

    _header(pdf, document, company)
    _bill_to(pdf, document)
    _table(pdf, document, currency)
    _totals(pdf, document, currency)
    _note(pdf, document.note)
    return bytes(pdf.output())
