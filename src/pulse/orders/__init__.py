"""Orders: customers, sales orders and their status workflow.

Public surface for other modules: the event classes.
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

__all__ = [
    "EVENTS",
    "CustomerCreated",
    "CustomerUpdated",
    "OrderCancelled",
    "OrderConfirmed",
    "OrderImported",
    "OrderPlaced",
    "OrderRejected",
    "OrderShipped",
    "OrderStatusChanged",
]
