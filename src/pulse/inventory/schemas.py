"""API shapes of the inventory module."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pulse.platform.validation import NoNul

Sku = Annotated[
    str,
    # No slash: a SKU is a path segment in /inventory/{sku}/...
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$"
    ),
]
Price = Annotated[Decimal, Field(ge=0, le=Decimal("999999999.99"), max_digits=12, decimal_places=2)]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Quantity = Annotated[int, Field(gt=0, le=1_000_000)]
StockCount = Annotated[int, Field(ge=0, le=1_000_000_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Description = Annotated[str, StringConstraints(max_length=2000), NoNul]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCreate(_In):
    sku: Sku
    name: Name
    description: Description = ""
    price: Price
    tax_rate: TaxRate = Decimal("0")
    active: bool = True
    qty_on_hand: StockCount = 0
    reorder_point: StockCount = 0
    reorder_qty: StockCount = 0
    lead_time_days: Annotated[int, Field(ge=0, le=3650)] = 0


class ProductUpdate(_In):
    name: Name | None = None
    description: Description | None = None
    price: Price | None = None
    tax_rate: TaxRate | None = None
    active: bool | None = None
    reorder_point: StockCount | None = None
    reorder_qty: StockCount | None = None
    lead_time_days: Annotated[int, Field(ge=0, le=3650)] | None = None


class StockRead(BaseModel):
    sku: str
    name: str
    description: str
    price: Decimal
    tax_rate: Decimal
    active: bool
    qty_on_hand: int
    reserved_qty: int
    available: int
    reorder_point: int
    reorder_qty: int
    lead_time_days: int
    low_stock: bool
    updated_at: datetime


class StockPage(BaseModel):
    items: list[StockRead]
    total: int
    limit: int
    offset: int


class ReceiveStock(_In):
    qty: Quantity
    reason: Note = "receipt"


class AdjustStock(_In):
    """A signed correction of the on-hand count (a stock take, breakage, …)."""

    delta: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    reason: Reason


class ReserveStock(_In):
    qty: Quantity
    reference: Note = ""


class MovementRead(BaseModel):
    id: int
    sku: str
    kind: str
    qty: int
    on_hand_after: int
    reserved_after: int
    reason: str
    actor: str | None
    order_id: str | None
    created_at: datetime


class MovementPage(BaseModel):
    items: list[MovementRead]
    total: int
    limit: int
    offset: int


class ReleaseStock(_In):
    reservation_id: uuid.UUID


class ReservationRead(BaseModel):
    reservation_id: uuid.UUID
    sku: str
    qty: int
    stock: StockRead
