"""Events the orders module publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pulse.platform.events import Event, EventData


class OrderLineData(EventData):
    sku: str
    qty: int
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


class _CustomerEvent(Event):
    aggregate_type = "customer"
    aggregate_field = "customer_id"
    customer_id: uuid.UUID


class CustomerCreated(_CustomerEvent):
    type = "customer.created"
    name: str
    email: str
    payment_terms_days: int


class CustomerUpdated(_CustomerEvent):
    type = "customer.updated"
    changes: dict[str, str | int | None]


class _OrderEvent(Event):
    aggregate_type = "order"
    aggregate_field = "order_id"
    order_id: uuid.UUID


class OrderPlaced(_OrderEvent):
    type = "order.created"
    number: str
    customer_id: uuid.UUID
    lines: tuple[OrderLineData, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    placed_at: datetime


class OrderConfirmed(_OrderEvent):
    type = "order.confirmed"
    number: str
    customer_id: uuid.UUID
    total: Decimal


class OrderRejected(_OrderEvent):
    type = "order.rejected"
    number: str
    reason: str


class OrderCancelled(_OrderEvent):
    type = "order.cancelled"
    number: str
    previous_status: str
    reason: str = ""


class OrderShipped(_OrderEvent):
    type = "order.shipped"
    number: str
    lines: tuple[OrderLineData, ...]


class OrderStatusChanged(_OrderEvent):
    """Moves that have no event of their own (invoiced, paid, completed)."""

    type = "order.status_changed"
    number: str
    from_status: str
    to_status: str


class OrderImported(_OrderEvent):
    """A past order imported in its final state (demo data, migrations from another system).

    Inventory does not react to it: its stock moved long ago."""

    type = "order.imported"
    number: str
    customer_id: uuid.UUID
    status: str
    lines: tuple[OrderLineData, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    placed_at: datetime


EVENTS: tuple[type[Event], ...] = (
    CustomerCreated,
    CustomerUpdated,
    OrderPlaced,
    OrderConfirmed,
    OrderRejected,
    OrderCancelled,
    OrderShipped,
    OrderStatusChanged,
    OrderImported,
)
