"""Orders: customers, sales orders and their status workflow.

Public surface for other modules: the event classes, `billing_party` /
`order_for_invoice` for billing's synchronous reads, and `invoice_issued`, the move billing
makes in the transaction that issues an order's invoice.
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
    billing_party,
    order_for_invoice,
)
from pulse.orders.service import invoice_issued

__all__ = [
    "EVENTS",
    "BillingParty",
    "CustomerCreated",
    "CustomerUpdated",
    "OrderCancelled",
    "OrderConfirmed",
    "OrderForInvoice",
    "OrderImported",
    "OrderLineForInvoice",
    "OrderPlaced",
    "OrderRejected",
    "OrderShipped",
    "OrderStatusChanged",
    "billing_party",
    "invoice_issued",
    "order_for_invoice",
]
