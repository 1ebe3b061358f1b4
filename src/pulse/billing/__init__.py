"""Billing: invoices, payments, credit notes, the double-entry ledger and invoice PDFs.

Public surface for other modules: the event classes.
"""

from pulse.billing.events import (
    EVENTS,
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceVoided,
    PaymentReceived,
    RefundPaid,
)

__all__ = [
    "EVENTS",
    "CreditNoteIssued",
    "InvoiceIssued",
    "InvoiceVoided",
    "PaymentReceived",
    "RefundPaid",
]
