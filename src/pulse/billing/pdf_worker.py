"""What a render process is handed: a function that loads the PDF library where it runs.

The serving process names this function to its render processes and never loads fpdf2
itself (about 30 MiB of resident memory with fontTools, Pillow and their dependencies).
"""

from __future__ import annotations

import sys
import warnings

from pulse.billing.pdf_model import BillingDocument, Company
from pulse.platform.child_process import follow_parent

# Libraries fpdf2 loads when they are installed, for what these documents never do: draw
# images (Pillow, NumPy), sign or encrypt (cryptography). Marked absent in a render process
# (Python's `sys.modules[name] = None`), fpdf2 goes without them and renders the same bytes
# with about 10 MiB less of the process's memory.
UNUSED = ("PIL", "numpy", "cryptography")


def start() -> None:
    """A render process's first step (the pool's initializer)."""
    follow_parent()
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    warnings.filterwarnings("ignore", message="Pillow could not be imported", module=r"fpdf\.")


def render(document: BillingDocument, company: Company) -> bytes:
    from pulse.billing.pdf import render_pdf

    return render_pdf(document, company)
