"""Settings changes show on the next PDF; a PDF already rendered stays as it was sent."""

from __future__ import annotations

import io

from pypdf import PdfReader

from pulse.bootstrap import Container
from tests.conftest import ClientFor
from tests.integration.billing.factories import invoiced_order
from tests.integration.settings.factories import image_bytes, logo_body


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_next_pdf_prints_the_changed_company(
    client_for: ClientFor, container: Container
) -> None:
    admin = client_for("admin")
    _, before = await invoiced_order(admin, container, terms=14)
    first = (await admin.get(before["pdf_url"])).content
    assert "Pulse Demo Trading Ltd" in _text(first) and _images(first) == 0

    change = {
        "name": "Northwind Supplies SARL",
        "address": "12 Rue de la Paix\n75002 Paris",
        "tax_id": "FR40303265045",
        "currency": "CHF",
    }
    assert (await admin.patch("/settings/company", json=change)).status_code == 200
    logo = await admin.put("/settings/company/logo", json=logo_body(image_bytes()))
    assert logo.status_code == 200, logo.text
    numbering = {"prefix": "NW-", "next_number": 70}
    assert (await admin.patch("/settings/numbering/invoices", json=numbering)).status_code == 200
    _, after = await invoiced_order(admin, container, terms=14)

    pdf = await admin.get(after["pdf_url"])
    assert pdf.status_code == 200, pdf.text
    text = _text(pdf.content)
    assert "Northwind Supplies SARL" in text and "Pulse Demo Trading Ltd" not in text
    assert "75002 Paris" in text and "VAT/Tax ID: FR40303265045" in text
    assert "NW-000070" in text and "CHF" in text and "EUR" not in text
    assert "Net 14 days" in text
    assert _images(pdf.content) == 1, "the logo"
    # The first invoice's PDF is what was sent: unchanged.
    assert (await admin.get(before["pdf_url"])).content == first
