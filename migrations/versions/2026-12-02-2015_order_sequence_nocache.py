"""order numbers: MariaDB's sequence hands out its values one at a time (NOCACHE)

Revision ID: 0010_order_sequence_nocache
Revises: 0009_sso
Create Date: 2026-12-02 20:15:00

MariaDB's sequences cache 1,000 values by default, and every cached value counts as issued:
after an admin set the next order number to 1201 and one order took it, the series showed
2201 as the next number, and a second move to 1401 was refused as going back. Without the
cache the next number shown is the next number given, as on PostgreSQL (whose sequences
cache one value). Each order number then costs MariaDB one write to the sequence's row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_order_sequence_nocache"
down_revision: str | None = "0009_sso"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _mariadb() -> bool:
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def upgrade() -> None:
    if _mariadb():
        op.execute("ALTER SEQUENCE orders_number_seq NOCACHE")


def downgrade() -> None:
    if _mariadb():
        op.execute("ALTER SEQUENCE orders_number_seq CACHE 1000")
