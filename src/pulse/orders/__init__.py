"""Orders: customers, sales orders and their status workflow.

Public surface for other modules: the event classes, `billing_party` /
`order_for_invoice` (and `billing_parties` / `orders_for_invoice` for a batch) for billing's
synchronous reads, and `invoice_issued` / `invoices_issued`, the move billing makes in the
transaction that issues an order's invoice (or a batch's).
"""

from pulse.orders.events import (
    EVENTS,
    CustomerCreated,
    CustomerUpdated,
    OrderCancelled,
    OrderConfirmed,
    OrderImported,
    OrderPlaced,
    OrderRejected,
    OrderShipped,
    OrderStatusChanged,
)
from pulse.orders.queries import (
    BillingParty,
    OrderForInvoice,
    OrderLineForInvoice,
    billing_parties,
    billing_party,
    order_for_invoice,
    orders_for_invoice,
)
from pulse.orders.service import invoice_issued
from pulse.orders.transitions import InvoicedOrder, invoices_issued

__all__ = [
    "EVENTS",
    "BillingParty",
    "CustomerCreated",
    "CustomerUpdated",
    "InvoicedOrder",
    "OrderCancelled",
    "OrderConfirmed",
    "OrderForInvoice",
    "OrderImported",
    "OrderLineForInvoice",
    "OrderPlaced",
    "OrderRejected",
    "OrderShipped",
    "OrderStatusChanged",
    "billing_parties",
    "billing_party",
    "invoice_issued",
    "invoices_issued",
    "order_for_invoice",
    "orders_for_invoice",
]
