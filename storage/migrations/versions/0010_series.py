"""Recurring visits: a series (S-n) with its repeat rule, and each occurrence's series.

Revision ID: 0010
Revises: 0009
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "appointment_series",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("first_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_by", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_series"),
        sa.UniqueConstraint("team_id", "number", name="uq_appointment_series_team_id_number"),
    )
    with op.batch_alter_table("appointments") as table:
        table.add_column(sa.Column("series_id", BigId, nullable=True))
        table.create_foreign_key(
            "fk_appointments_series_id_appointment_series",
            "appointment_series",
            ["series_id"],
            ["id"],
        )
        table.create_index("ix_appointments_series_id_start_at", ["series_id", "start_at"])


def downgrade() -> None:
    with op.batch_alter_table("appointments") as table:
        table.drop_index("ix_appointments_series_id_start_at")
        table.drop_constraint("fk_appointments_series_id_appointment_series", type_="foreignkey")
        table.drop_column("series_id")
    op.drop_table("appointment_series")
