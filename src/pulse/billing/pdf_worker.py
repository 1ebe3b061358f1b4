"""What a render process is handed: a function that loads the PDF library where it runs.

The serving process names this function to its render processes and never loads fpdf2
itself (about 30 MiB of resident memory with fontTools, Pillow and their dependencies).
"""

from __future__ import annotations

from pulse.billing.pdf_model import BillingDocument, Company


def render(document: BillingDocument, company: Company) -> bytes:
    from pulse.billing.pdf import render_pdf

    return render_pdf(document, company)
