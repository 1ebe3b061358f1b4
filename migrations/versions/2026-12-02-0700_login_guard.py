"""login guard: a token version per user, and a login throttle per client address

Revision ID: 0004_login_guard
Revises: 0003_billing
Create Date: 2026-12-02 07:00:00

`users.token_version` is carried by access tokens and raised when an account is disabled or
its password or role changes; tokens issued before then stop working. Existing tokens carry
no version and count as version 0, the value every existing user starts with.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_login_guard"
down_revision: str | None = "0003_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "login_address_throttle",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_login_address_throttle")),
    )
    op.create_index(
        "ix_login_address_throttle_last_failure_at", "login_address_throttle", ["last_failure_at"]
    )


def downgrade() -> None:
    op.drop_table("login_address_throttle")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
