"""Handoffs (H-refs, I-PASS/SBAR sections, acknowledgement) and their action items.

Revision ID: 0003
Revises: 0002
Created: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Payload = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("sections", Payload, nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("receiver_user", sa.String(32), nullable=True),
        sa.Column("receiver_group", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("posted_at", Instant, nullable=True),
        sa.Column("acknowledged_by", sa.String(32), nullable=True),
        sa.Column("acknowledged_at", Instant, nullable=True),
        sa.Column("synthesis", sa.Text(), nullable=True),
        sa.Column("escalated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_handoffs_patient_id_patients"
        ),
        sa.UniqueConstraint("team_id", "number", name="uq_handoffs_team_id_number"),
    )
    op.create_index(
        "ix_handoffs_team_id_receiver_user_acknowledged_at",
        "handoffs",
        ["team_id", "receiver_user", "acknowledged_at"],
    )
    op.create_index(
        "ix_handoffs_team_id_author_id_acknowledged_at",
        "handoffs",
        ["team_id", "author_id", "acknowledged_at"],
    )
    op.create_table(
        "handoff_actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("handoff_id", BigId, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=True),
        sa.Column("due_at", Instant, nullable=True),
        sa.Column("done_by", sa.String(32), nullable=True),
        sa.Column("done_at", Instant, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_actions"),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name="fk_handoff_actions_handoff_id_handoffs",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "handoff_id", "position", name="uq_handoff_actions_handoff_id_position"
        ),
    )
    op.create_index(
        "ix_handoff_actions_team_id_owner_id_done_at",
        "handoff_actions",
        ["team_id", "owner_id", "done_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_handoff_actions_team_id_owner_id_done_at", table_name="handoff_actions")
    op.drop_table("handoff_actions")
    op.drop_index("ix_handoffs_team_id_author_id_acknowledged_at", table_name="handoffs")
    op.drop_index("ix_handoffs_team_id_receiver_user_acknowledged_at", table_name="handoffs")
    op.drop_table("handoffs")
