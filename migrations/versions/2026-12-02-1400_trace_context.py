"""trace context: the W3C traceparent an event carries on the outbox

Revision ID: 0005_trace_context
Revises: 0004_login_guard
Create Date: 2026-12-02 14:00:00

`outbox.traceparent` holds the trace context (W3C `traceparent`, 55 characters) of the work
that wrote the event, so consumers and the analytics projector continue the same trace.
Empty for events written while tracing was off and for events written before this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_trace_context"
down_revision: str | None = "0004_login_guard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("traceparent")
