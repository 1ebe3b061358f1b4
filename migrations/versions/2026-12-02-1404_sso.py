"""sso: identities at an OpenID Connect provider, linked to the users they provisioned

Revision ID: 0009_sso
Revises: 0008_settings
Create Date: 2026-12-02 14:00:00

A user signed in through the provider for the first time is created and linked here by the
provider's (issuer, subject); later sign-ins find the user by that link alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sso"
down_revision: str | None = "0008_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_identities",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sso_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint("user_id", name=op.f("uq_sso_identities_user_id")),
    )


def downgrade() -> None:
    op.drop_table("sso_identities")
