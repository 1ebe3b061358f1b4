"""With render processes, the serving process hands documents over and never loads the PDF
library itself (fpdf2 with fontTools and Pillow: about 30 MiB of its memory)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, sys
from datetime import date
from decimal import Decimal
from pulse.billing.documents import Documents
from pulse.billing.pdf_model import BillingDocument, Company, DocumentLine, TaxLine

line = DocumentLine(sku="A", description="Widget", qty=Decimal("2"), unit_price=Decimal("5.00"),
                    tax_rate=Decimal("0.2000"), line_total=Decimal("10.00"),
                    line_tax=Decimal("2.00"))
document = BillingDocument(
    kind="invoice", number="INV-000777", issue_date=date(2026, 1, 2), due_date=date(2026, 2, 1),
    reference="Order SO-1", customer_name="Acme", customer_email="a@acme.example",
    customer_address="1 Road", lines=(line,),
    tax_lines=(TaxLine(Decimal("0.2000"), Decimal("10.00"), Decimal("2.00")),),
    subtotal=Decimal("10.00"), tax=Decimal("2.00"), total=Decimal("12.00"),
    amount_paid=Decimal("0.00"), balance_due=Decimal("12.00"), status="issued", note="")
company = Company(name="Pulse", address="Street 1", tax_id="X1", email="b@pulse.example",
                  currency="EUR")

async def main():
    documents = Documents(None, None, render_processes=1)
    try:
        data = await documents._render_bytes(document, company)
    finally:
        documents.close()
    print(data[:5].decode(), len(data) > 1000, b"INV-000777" in data or len(data) > 1000)
    print(sorted(m for m in ("fpdf", "fontTools", "PIL", "pulse.billing.pdf") if m in sys.modules))

asyncio.run(main())
"""


def test_a_render_process_renders_and_the_server_loads_no_pdf_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    rendered, loaded = out.stdout.strip().splitlines()
    assert rendered.startswith("%PDF- True")
    assert loaded == "[]"


IDLE = (
    SCRIPT.split("async def main")[0]
    + """
import psutil

def children():
    return [p.pid for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline())]

async def main():
    documents = Documents(None, None, render_processes=1, idle_seconds=0.5)
    try:
        first = await documents._render_bytes(document, company)
        running = documents.render_process_running, len(children())
        await asyncio.sleep(0.25)
        await documents._render_bytes(document, company)  # a render restarts the idle clock
        await asyncio.sleep(0.35)
        still = documents.render_process_running
        await asyncio.sleep(0.6)
        for _ in range(50):  # the stopped process exits
            if not children():
                break
            await asyncio.sleep(0.1)
        stopped = documents.render_process_running, len(children())
        again = await documents._render_bytes(document, company)
        print(running, still, stopped, documents.render_process_running, first == again)
    finally:
        documents.close()

asyncio.run(main())
"""
)


def test_the_render_process_stops_when_idle_and_starts_again() -> None:
    out = subprocess.run(
        [sys.executable, "-c", IDLE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "(True, 1) True (False, 0) True True"


SKIPPED = (
    SCRIPT.split("async def main")[0]
    + """
import hashlib

PROBE = (
    "sorted({m.split('.')[0] for m, v in __import__('sys').modules.items() if v is not None}"
    " & {'PIL', 'numpy', 'cryptography', 'fpdf', 'fontTools'})"
)

async def main():
    documents = Documents(None, None, render_processes=1)
    try:
        data = await documents._render_bytes(document, company)
        loop = asyncio.get_running_loop()
        there = await loop.run_in_executor(documents._pool, eval, PROBE)
    finally:
        documents.close()
    print(hashlib.sha256(data).hexdigest())
    print(there)

asyncio.run(main())
"""
)


def test_a_render_process_goes_without_the_libraries_it_never_uses_and_renders_the_same() -> None:
    """Pillow, NumPy and cryptography stay unloaded in a render process, and its PDF is the
    same, byte for byte, as one rendered where fpdf2 has them all."""
    import hashlib

    from pulse.billing.pdf import render_pdf

    out = subprocess.run(
        [sys.executable, "-c", SKIPPED], capture_output=True, text=True, check=True, timeout=120
    )
    digest, there = out.stdout.strip().splitlines()
    assert there == "['fontTools', 'fpdf']"
    made: dict[str, object] = {}
    exec(SCRIPT.split("async def main")[0], made)  # noqa: S102 - the same document, here
    here = render_pdf(made["document"], made["company"])  # type: ignore[arg-type]
    assert "PIL" in sys.modules or "cryptography" in sys.modules  # this process has them
    assert hashlib.sha256(here).hexdigest() == digest
