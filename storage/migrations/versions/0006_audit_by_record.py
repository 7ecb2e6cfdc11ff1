"""An index for reading one record's audit trail (/carebot audit H-7) without a scan.

Revision ID: 0006
Revises: 0005
Created: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_audit_log_team_id_ref_at"


def upgrade() -> None:
    op.create_index(INDEX, "audit_log", ["team_id", "ref", "at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="audit_log")
