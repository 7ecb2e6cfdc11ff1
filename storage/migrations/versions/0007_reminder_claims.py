"""Count a reminder's claims since its last recorded outcome, and keep when the first of them
was made: a claim that finds an earlier one never recorded knows its message may already be
in Slack since then, and looks for it before resending.

Revision ID: 0007
Revises: 0006
Created: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as table:
        table.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("first_claimed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as table:
        table.drop_column("first_claimed_at")
        table.drop_column("claims")
