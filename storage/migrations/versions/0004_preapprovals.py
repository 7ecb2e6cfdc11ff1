"""Pre-approvals (PA-refs), the messages that show them, and the reminder rounds sent.

Revision ID: 0004
Revises: 0003
Created: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
INDEXES = {
    "ix_preapprovals_team_id_status_needed_by": ["team_id", "status", "needed_by"],
    "ix_preapprovals_team_id_appointment_id": ["team_id", "appointment_id"],
}


def upgrade() -> None:
    op.create_table(
        "preapprovals",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(120), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("service_codes", sa.String(200), nullable=True),
        sa.Column("diagnosis_codes", sa.String(200), nullable=True),
        sa.Column("appointment_id", BigId, nullable=True),
        sa.Column("needed_by", Instant, nullable=True),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("payer_ref", sa.String(64), nullable=True),
        sa.Column("auth_number", sa.String(40), nullable=True),
        sa.Column("approved_units", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("denial_reason", sa.String(300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("submitted_at", Instant, nullable=True),
        sa.Column("snoozed_until", Instant, nullable=True),
        sa.Column("nudge_at", Instant, nullable=True),
        sa.Column("risk_posted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_by", sa.String(32), nullable=True),
        sa.Column("resolved_at", Instant, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_preapprovals"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_preapprovals_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_preapprovals_appointment_id_appointments",
        ),
        sa.UniqueConstraint("team_id", "number", name="uq_preapprovals_team_id_number"),
    )
    op.create_index(
        "ix_preapprovals_due",
        "preapprovals",
        ["team_id", "owner_id", "nudge_at"],
        postgresql_where=sa.text("nudge_at IS NOT NULL"),
        sqlite_where=sa.text("nudge_at IS NOT NULL"),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "preapprovals", columns)
    op.create_table(
        "preapproval_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("preapproval_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_preapproval_messages"),
        sa.ForeignKeyConstraint(
            ["preapproval_id"],
            ["preapprovals.id"],
            name="fk_preapproval_messages_preapproval_id_preapprovals",
        ),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "ts",
            "preapproval_id",
            name="uq_preapproval_messages_team_id_channel_id_ts_preapproval_id",
        ),
    )
    op.create_index(
        "ix_preapproval_messages_preapproval_id", "preapproval_messages", ["preapproval_id"]
    )
    op.create_index(
        "ix_preapproval_messages_team_id_created_at",
        "preapproval_messages",
        ["team_id", "created_at"],
    )
    op.create_table(
        "preapproval_rounds",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("round_key", sa.String(32), nullable=False),
        sa.Column("claimed_at", Instant, nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "owner_id", "round_key", name="pk_preapproval_rounds"),
    )


def downgrade() -> None:
    op.drop_table("preapproval_rounds")
    op.drop_index("ix_preapproval_messages_team_id_created_at", table_name="preapproval_messages")
    op.drop_index("ix_preapproval_messages_preapproval_id", table_name="preapproval_messages")
    op.drop_table("preapproval_messages")
    for name in INDEXES:
        op.drop_index(name, table_name="preapprovals")
    op.drop_index("ix_preapprovals_due", table_name="preapprovals")
    op.drop_table("preapprovals")
