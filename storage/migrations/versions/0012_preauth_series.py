"""Pre-approvals for a series of visits: a request may name a series (S-n) instead of a visit.

Self-contained: it only adds preapprovals.series_id (nullable, no backfill), its foreign key
to appointment_series and an index. It follows 0011 (series_start).

Revision ID: 0012
Revises: 0011
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("preapprovals") as table:
        table.add_column(sa.Column("series_id", BigId, nullable=True))
        table.create_foreign_key(
            "fk_preapprovals_series_id_appointment_series",
            "appointment_series",
            ["series_id"],
            ["id"],
        )
        table.create_index("ix_preapprovals_team_id_series_id", ["team_id", "series_id"])


def downgrade() -> None:
    with op.batch_alter_table("preapprovals") as table:
        table.drop_index("ix_preapprovals_team_id_series_id")
        table.drop_constraint("fk_preapprovals_series_id_appointment_series", type_="foreignkey")
        table.drop_column("series_id")
