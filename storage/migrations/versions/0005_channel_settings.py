"""Per-channel settings on care_channels: clinic hours and days, holidays, digest time,
escalation delays, round time, patient display; NULL means the workspace default.

Revision ID: 0005
Revises: 0004
Created: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("clinic_opens", sa.String(5)),
    ("clinic_closes", sa.String(5)),
    ("clinic_days", sa.String(40)),
    ("holidays", sa.Text()),
    ("digest_time", sa.String(5)),
    ("handoff_escalation", sa.String(200)),
    ("preauth_round", sa.String(5)),
    ("patient_display", sa.String(16)),
    ("updated_at", sa.DateTime(timezone=True)),
    ("updated_by", sa.String(32)),
)


def upgrade() -> None:
    with op.batch_alter_table("care_channels") as table:
        for name, kind in COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("care_channels") as table:
        for name, _ in reversed(COLUMNS):
            table.drop_column(name)
