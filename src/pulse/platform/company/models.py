"""Tables of the company settings: one settings row, and the named tax rates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pulse.platform.db import Base, Rate, UtcDateTime


class CompanySettings(Base):
    """The one row (id 1). A null column is "not set": the `PULSE_*` setting of the same
    name (or its default) applies, so a deployment configured by its environment keeps
    printing what it printed until an admin changes it here."""

    __tablename__ = "company_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("payment_terms_days >= 0", name="payment_terms_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    currency: Mapped[str | None] = mapped_column(String(3))
    locale: Mapped[str | None] = mapped_column(String(35))
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    fiscal_year_start_month: Mapped[int | None] = mapped_column(Integer)
    fiscal_year_start_day: Mapped[int | None] = mapped_column(Integer)
    # The logo's object-store key (content-addressed) and type; null = no logo.
    logo_key: Mapped[str | None] = mapped_column(String(200))
    logo_content_type: Mapped[str | None] = mapped_column(String(50))
    # Raised by every change, so a reader can tell a new version (and the web app its cache).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(64))


class TaxRate(Base):
    """A named tax rate ("standard", "reduced") that products refer to by code."""

    __tablename__ = "tax_rates"
    __table_args__ = (CheckConstraint("rate >= 0", name="rate_not_negative"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(Rate())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
