"""API shapes of the inventory module."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema

from pulse.platform.api import Page
from pulse.platform.money import Price, TaxRate
from pulse.platform.validation import JsonInt, NoNul, RequestModel

# Path segments under /inventory/ that are routes of their own, so never a SKU.
RESERVED_SKUS = frozenset({"low-stock"})


def _not_reserved(sku: str) -> str:
    if sku in RESERVED_SKUS:
        raise ValueError(f"'{sku}' is reserved (it names /inventory/{sku}); choose another SKU")
    return sku


Sku = Annotated[
    str,
    # No slash: a SKU is a path segment in /inventory/{sku}/...
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$"
    ),
    AfterValidator(_not_reserved),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": r"^[A-Za-z0-9._\-]+$",
            "not": {"enum": sorted(RESERVED_SKUS)},
        }
    ),
]
# Strict: JSON `true` is not a count of 1, nor "3" or 3.0 a number (the schema says integer).
Quantity = Annotated[int, Field(gt=0, le=1_000_000), JsonInt]
StockCount = Annotated[int, Field(ge=0, le=1_000_000_000), JsonInt]
LeadTime = Annotated[int, Field(ge=0, le=3650), JsonInt]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Description = Annotated[str, StringConstraints(max_length=2000), NoNul]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]


# A named tax rate (`/settings/tax-rates`): the product's rate is then that rate's.
TaxCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]


class ProductCreate(RequestModel):
    sku: Sku
    name: Name
    description: Description = ""
    price: Price
    tax_rate: TaxRate = Decimal("0")
    tax_code: TaxCode | None = None
    active: StrictBool = True
    qty_on_hand: StockCount = 0
    reorder_point: StockCount = 0
    reorder_qty: StockCount = 0
    lead_time_days: LeadTime = 0


class ProductUpdate(RequestModel):
    """Every field optional; none can be cleared (null is not in the schema)."""

    name: Name | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    price: Price | SkipJsonSchema[None] = None
    tax_rate: TaxRate | SkipJsonSchema[None] = None
    # null: the product keeps its current rate as a rate of its own.
    tax_code: TaxCode | None = None
    active: StrictBool | SkipJsonSchema[None] = None
    reorder_point: StockCount | SkipJsonSchema[None] = None
    reorder_qty: StockCount | SkipJsonSchema[None] = None
    lead_time_days: LeadTime | SkipJsonSchema[None] = None


class StockRead(BaseModel):
    sku: str
    name: str
    description: str
    price: Decimal
    tax_rate: Decimal
    tax_code: str | None
    active: bool
    qty_on_hand: int
    reserved_qty: int
    available: int
    reorder_point: int
    reorder_qty: int
    lead_time_days: int
    low_stock: bool
    updated_at: datetime


class StockPage(Page[StockRead]):
    pass


class ReceiveStock(RequestModel):
    qty: Quantity
    reason: Note = "receipt"


class AdjustStock(RequestModel):
    """A signed correction of the on-hand count (a stock take, breakage, …)."""

    # Zero changes nothing and is refused: the schema says so too.
    delta: Annotated[
        int,
        Field(ge=-1_000_000, le=1_000_000, json_schema_extra={"not": {"const": 0}}),
        JsonInt,
    ]
    reason: Reason


class ReserveStock(RequestModel):
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


class MovementPage(Page[MovementRead]):
    pass


class ReleaseStock(RequestModel):
    reservation_id: uuid.UUID


class ReservationRead(BaseModel):
    reservation_id: uuid.UUID
    sku: str
    qty: int
    stock: StockRead
