"""Appointments (A-refs, FHIR statuses, conflict-check indexes) and drafts of unconfirmed input.

Revision ID: 0002
Revises: 0001
Created: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Payload = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)
INDEXES = {
    "ix_appointments_team_id_start_at": ["team_id", "start_at"],
    "ix_appointments_team_id_clinician_id_start_at": ["team_id", "clinician_id", "start_at"],
    "ix_appointments_team_id_location_key_start_at": ["team_id", "location_key", "start_at"],
    "ix_appointments_team_id_patient_id_start_at": ["team_id", "patient_id", "start_at"],
}


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), server_default="booked", nullable=False),
        sa.Column("start_at", Instant, nullable=False),
        sa.Column("end_at", Instant, nullable=False),
        sa.Column("clinician_id", sa.String(32), nullable=True),
        sa.Column("location", sa.String(80), nullable=True),
        sa.Column("location_key", sa.String(80), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("booked_by", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("message_channel", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("cancel_reason", sa.String(200), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_appointments_patient_id_patients"
        ),
        sa.UniqueConstraint("team_id", "number", name="uq_appointments_team_id_number"),
        sa.CheckConstraint("end_at > start_at", name="ck_appointments_ends_after_start"),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "appointments", columns)
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("payload", Payload, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_index("ix_drafts_created_at", "drafts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_drafts_created_at", table_name="drafts")
    op.drop_table("drafts")
    for name in INDEXES:
        op.drop_index(name, table_name="appointments")
    op.drop_table("appointments")
