"""Events the inventory module publishes."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pulse.platform.events import Event, EventData


class _ProductEvent(Event):
    aggregate_type = "product"
    aggregate_field = "sku"
    sku: str


class ProductCreated(_ProductEvent):
    type = "product.created"
    name: str
    price: Decimal
    tax_rate: Decimal
    qty_on_hand: int
    reorder_point: int
    reorder_qty: int
    lead_time_days: int


class ProductUpdated(_ProductEvent):
    type = "product.updated"
    changes: dict[str, str | int | bool | None]


class StockLine(EventData):
    sku: str
    qty: int
    qty_on_hand: int
    reserved_qty: int


class Shortage(EventData):
    sku: str
    requested: int
    available: int


class _ReservationEvent(Event):
    aggregate_type = "order"
    aggregate_field = "order_id"
    order_id: uuid.UUID


class StockReserved(_ReservationEvent):
    type = "stock.reserved"
    lines: tuple[StockLine, ...]


class StockReservationFailed(_ReservationEvent):
    type = "stock.reservation_failed"
    reason: str
    shortages: tuple[Shortage, ...]


class StockReleased(Event):
    type = "stock.released"
    aggregate_type = "order"
    order_id: uuid.UUID | None
    lines: tuple[StockLine, ...]

    def aggregate_id(self) -> str:
        return str(self.order_id) if self.order_id else self.lines[0].sku


class StockChanged(_ProductEvent):
    """On-hand stock moved: a receipt, an adjustment or a shipment."""

    type = "stock.changed"
    kind: str
    delta: int
    qty_on_hand: int
    reserved_qty: int
    reason: str = ""
    order_id: uuid.UUID | None = None


EVENTS: tuple[type[Event], ...] = (
    ProductCreated,
    ProductUpdated,
    StockReserved,
    StockReservationFailed,
    StockReleased,
    StockChanged,
)
