"""Where a series' card is (its channel and ts), so a change to one of its visits redraws it.

Revision ID: 0013
Revises: 0012
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table and drops the old one,
# which visits and pre-approvals refer to (a foreign key refuses that once series exist).
# SQLite 3.35+ drops a plain column in place.


def upgrade() -> None:
    op.add_column("appointment_series", sa.Column("message_channel", sa.String(32)))
    op.add_column("appointment_series", sa.Column("message_ts", sa.String(32)))


def downgrade() -> None:
    op.execute("ALTER TABLE appointment_series DROP COLUMN message_ts")
    op.execute("ALTER TABLE appointment_series DROP COLUMN message_channel")
