"""Events the inventory module publishes."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from pulse.platform.events import Event


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProductCreated(Event):
    type = "product.created"
    aggregate_type = "product"
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    qty_on_hand: int
    reorder_point: int
    reorder_qty: int
    lead_time_days: int

    def aggregate_id(self) -> str:
        return self.sku


class ProductUpdated(Event):
    type = "product.updated"
    aggregate_type = "product"
    sku: str
    changes: dict[str, str | int | bool | None]

    def aggregate_id(self) -> str:
        return self.sku


class StockLine(_Frozen):
    sku: str
    qty: int
    qty_on_hand: int
    reserved_qty: int


class Shortage(_Frozen):
    sku: str
    requested: int
    available: int


class StockReserved(Event):
    type = "stock.reserved"
    aggregate_type = "order"
    order_id: uuid.UUID
    lines: tuple[StockLine, ...]

    def aggregate_id(self) -> str:
        return str(self.order_id)


class StockReservationFailed(Event):
    type = "stock.reservation_failed"
    aggregate_type = "order"
    order_id: uuid.UUID
    reason: str
    shortages: tuple[Shortage, ...]

    def aggregate_id(self) -> str:
        return str(self.order_id)


class StockReleased(Event):
    type = "stock.released"
    aggregate_type = "order"
    order_id: uuid.UUID | None
    lines: tuple[StockLine, ...]

    def aggregate_id(self) -> str:
        return str(self.order_id) if self.order_id else self.lines[0].sku


class StockChanged(Event):
    """On-hand stock moved: a receipt, an adjustment or a shipment."""

    type = "stock.changed"
    aggregate_type = "product"
    sku: str
    kind: str
    delta: int
    qty_on_hand: int
    reserved_qty: int
    reason: str = ""
    order_id: uuid.UUID | None = None

    def aggregate_id(self) -> str:
        return self.sku


EVENTS: tuple[type[Event], ...] = (
    ProductCreated,
    ProductUpdated,
    StockReserved,
    StockReservationFailed,
    StockReleased,
    StockChanged,
)
