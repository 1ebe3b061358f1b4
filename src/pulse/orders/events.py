"""Events the orders module publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from pulse.platform.events import Event


class OrderLineData(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    qty: int
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


class CustomerCreated(Event):
    type = "customer.created"
    aggregate_type = "customer"
    customer_id: uuid.UUID
    name: str
    email: str
    payment_terms_days: int

    def aggregate_id(self) -> str:
        return str(self.customer_id)


class CustomerUpdated(Event):
    type = "customer.updated"
    aggregate_type = "customer"
    customer_id: uuid.UUID
    changes: dict[str, str | int | None]

    def aggregate_id(self) -> str:
        return str(self.customer_id)


class _OrderEvent(Event):
    aggregate_type = "order"
    order_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.order_id)


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
