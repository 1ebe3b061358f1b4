"""Orders: customers, sales orders and their status workflow.

Public surface for other modules: the event classes, and `billing_party` /
`order_for_invoice` for billing's synchronous reads.
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
    "order_for_invoice",
]
