"""Inventory tables: products, stock levels, reservations per order, stock movements."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, Money, Rate, UtcDateTime
from pulse.platform.outbox import BigIntPK


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate())
    # The named tax rate (`/settings/tax-rates`) the product follows: its `tax_rate` is kept
    # equal to that rate's. Null: the product has a rate of its own.
    tax_code: Mapped[str | None] = mapped_column(ForeignKey("tax_rates.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("tax_rate >= 0", name="tax_rate_not_negative"),
    )


class StockLevel(Base):
    __tablename__ = "stock_levels"

    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    qty_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved_qty: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    reorder_qty: Mapped[int] = mapped_column(Integer, default=0)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("qty_on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved_qty >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved_qty <= qty_on_hand", name="reserved_within_on_hand"),
    )


class Reservation(Base):
    """Units held for one order line until it ships or is released."""

    __tablename__ = "stock_reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # active, released, shipped
    # "order" (held for a sales order) or "hold" (a manual hold made through the API).
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StockMovement(Base):
    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # receipt, adjustment, reservation, release, shipment
    qty: Mapped[int] = mapped_column(Integer)  # signed change of the figure the kind moves
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str | None] = mapped_column(String(100))
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_stock_movements_sku_id", "sku", "id"),)
