"""Billing: invoices, payments, credit notes, the double-entry ledger and invoice PDFs.

Public surface for other modules: the event classes, and `book_imported` for booking the
invoices and payments of past orders imported in bulk. They load when first named, so a
process that imports only a part of billing (the PDF render process: `pulse.billing.pdf`)
does not load the rest with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulse.billing.backfill import BookedImport, book_imported
    from pulse.billing.events import (
        EVENTS,
        CreditNoteIssued,
        InvoiceImported,
        InvoiceIssued,
        InvoiceVoided,
        PaymentImported,
        PaymentReceived,
        RefundPaid,
    )

_WHERE = {
    "BookedImport": "pulse.billing.backfill",
    "book_imported": "pulse.billing.backfill",
    "EVENTS": "pulse.billing.events",
    "CreditNoteIssued": "pulse.billing.events",
    "InvoiceImported": "pulse.billing.events",
    "InvoiceIssued": "pulse.billing.events",
    "InvoiceVoided": "pulse.billing.events",
    "PaymentImported": "pulse.billing.events",
    "PaymentReceived": "pulse.billing.events",
    "RefundPaid": "pulse.billing.events",
}

__all__ = [
    "EVENTS",
    "BookedImport",
    "CreditNoteIssued",
    "InvoiceImported",
    "InvoiceIssued",
    "InvoiceVoided",
    "PaymentImported",
    "PaymentReceived",
    "RefundPaid",
    "book_imported",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'pulse.billing' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
