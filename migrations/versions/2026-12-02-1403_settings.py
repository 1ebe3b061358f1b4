"""settings: the company settings row and the named tax rates

Revision ID: 0008_settings
Revises: 0007_audit
Create Date: 2026-12-02 14:00:00

`company_settings` holds one row whose null columns mean "as the `PULSE_*` environment
says", so nothing printed changes until an admin sets it. `tax_rates` starts with the
rates products used so far: none named, so products keep their own rate until they are
given a `tax_code`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pulse.platform.db import Rate, UtcDateTime

revision: str = "0008_settings"
down_revision: str | None = "0007_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("tax_id", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=True),
        sa.Column("fiscal_year_start_day", sa.Integer(), nullable=True),
        sa.Column("logo_key", sa.String(length=200), nullable=True),
        sa.Column("logo_content_type", sa.String(length=50), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_company_settings_single_row")),
        sa.CheckConstraint(
            "payment_terms_days >= 0", name=op.f("ck_company_settings_payment_terms_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_settings")),
    )
    op.bulk_insert(
        sa.table(
            "company_settings", sa.column("id", sa.Integer), sa.column("revision", sa.Integer)
        ),
        [{"id": 1, "revision": 0}],
    )
    op.create_table(
        "tax_rates",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate", Rate(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_tax_rates_rate_not_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tax_rates")),
    )
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("tax_code", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_products_tax_code"), ["tax_code"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_products_tax_code_tax_rates"), "tax_rates", ["tax_code"], ["code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint(batch.f("fk_products_tax_code_tax_rates"), type_="foreignkey")
        batch.drop_index(batch.f("ix_products_tax_code"))
        batch.drop_column("tax_code")
    op.drop_table("tax_rates")
    op.drop_table("company_settings")
