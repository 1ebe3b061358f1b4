"""Billing: invoices, payments, credit notes, the double-entry ledger and invoice PDFs.

Public surface for other modules: the event classes, and `book_imported` for booking the
invoices and payments of past orders imported in bulk.
"""

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
