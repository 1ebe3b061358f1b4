"""API shapes of the orders module."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from pulse.platform.api import Page
from pulse.platform.money import Price
from pulse.platform.validation import Email, JsonInt, NoNul, RequestModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NoNul]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), NoNul]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), NoNul]
Terms = Annotated[int, Field(ge=0, le=365), JsonInt]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul]
# Strict: JSON `true` is not a quantity of 1, nor "3" a number.
Quantity = Annotated[int, Field(gt=0, le=1_000_000), JsonInt]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    INVOICED = "invoiced"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CustomerCreate(RequestModel):
    name: Name
    email: Email
    code: Code | None = None
    phone: Phone = ""
    billing_address: Address = ""
    # Left out: the company's default payment terms (`/settings/company`).
    payment_terms_days: Terms | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _terms_not_null(self) -> Self:
        # Leaving the terms out takes the company's default; null is not a value of them.
        if "payment_terms_days" in self.model_fields_set and self.payment_terms_days is None:
            raise ValueError("payment_terms_days cannot be null: leave it out for the default")
        return self


class CustomerUpdate(RequestModel):
    # null clears code, phone and address; the others cannot be cleared (not in the schema).
    name: Name | SkipJsonSchema[None] = None
    email: Email | SkipJsonSchema[None] = None
    code: Code | None = None
    phone: Phone | None = None
    billing_address: Address | None = None
    payment_terms_days: Terms | SkipJsonSchema[None] = None


class CustomerRead(BaseModel):
    id: uuid.UUID
    code: str | None
    name: str
    email: str
    phone: str
    billing_address: str
    payment_terms_days: int
    created_at: datetime
    updated_at: datetime


class CustomerPage(Page[CustomerRead]):
    pass


class OrderItemIn(RequestModel):
    sku: Sku
    qty: Quantity
    price: Price | None = None


class OrderCreate(RequestModel):
    customer_id: uuid.UUID
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=200)]


class OrderUpdate(RequestModel):
    status: OrderStatus
    reason: Reason = ""


class OrderCancel(RequestModel):
    reason: Reason = ""


class OrderLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    tax_rate: Decimal
    line_total: Decimal
    line_tax: Decimal


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    reason: str
    actor: str | None
    at: datetime


class OrderRead(BaseModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: OrderStatus
    status_reason: str
    lines: list[OrderLineRead]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    history: list[StatusChangeRead] = []


class OrderSummary(BaseModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: OrderStatus
    total: Decimal
    created_at: datetime


class OrderPage(Page[OrderSummary]):
    pass
