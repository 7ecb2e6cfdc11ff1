"""Each visit of a series keeps its rule date (series_start): where the series' rule put it,
however often it is moved since. A calendar names a moved occurrence by that date
(RECURRENCE-ID), and after a second move moved_from no longer holds it.

Visits booked before this learn it from what is kept: moved_from for a visit moved once, its
start for one never moved. A visit moved twice gets its first move's start, which may be no
date of the rule; an export then writes that visit as a visit of its own.

Revision ID: 0011
Revises: 0010
Created: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as table:
        table.add_column(sa.Column("series_start", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE appointments SET series_start = COALESCE(moved_from, start_at) "
        "WHERE series_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("appointments") as table:
        table.drop_column("series_start")
