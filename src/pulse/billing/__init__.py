"""Billing: invoices, payments, credit notes, the double-entry ledger and invoice PDFs.

Public surface for other modules: the event classes, and `book_history` for booking the
invoices and payments of orders loaded from history.
"""

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
from pulse.billing.history import BookedHistory, book_history

__all__ = [
    "EVENTS",
    "BookedHistory",
    "CreditNoteIssued",
    "InvoiceImported",
    "InvoiceIssued",
    "InvoiceVoided",
    "PaymentImported",
    "PaymentReceived",
    "RefundPaid",
    "book_history",
]
