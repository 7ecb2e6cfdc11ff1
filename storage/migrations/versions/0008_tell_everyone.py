"""What it takes to tell everyone involved about a change, and to update what they were shown:
a visit's earlier start and who changed it last (its card's history line), where its
clinician's copy is; the messages that asked for a handoff's acknowledgement.

Revision ID: 0008
Revises: 0007
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Payload = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
VISIT_COLUMNS = (
    ("moved_from", sa.DateTime(timezone=True)),
    ("changed_by", sa.String(32)),
    ("copy_channel", sa.String(32)),
    ("copy_ts", sa.String(32)),
)


def upgrade() -> None:
    with op.batch_alter_table("appointments") as table:
        for name, kind in VISIT_COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("handoffs") as table:
        table.add_column(sa.Column("asks", Payload, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as table:
        table.drop_column("asks")
    with op.batch_alter_table("appointments") as table:
        for name, _ in reversed(VISIT_COLUMNS):
            table.drop_column(name)
