"""Foundation: workspaces, refs, patients, people, channels, audit log, dedup keys, reminders.

Revision ID: 0001
Revises:
Created: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Payload = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)
APPEND_ONLY = "audit_log is append-only"


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("patient_display", sa.String(16), server_default="initials", nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_workspaces"),
    )
    op.create_table(
        "ref_counters",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("last_value", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("team_id", "prefix", name="pk_ref_counters"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("mrn", sa.String(64), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
        sa.UniqueConstraint("team_id", "number", name="uq_patients_team_id_number"),
        # NULLs are distinct on both databases, so many patients may lack an MRN.
        sa.UniqueConstraint("team_id", "mrn", name="uq_patients_team_id_mrn"),
    )
    op.create_index("ix_patients_team_id_name_key", "patients", ["team_id", "name_key"])
    op.create_table(
        "people",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("real_name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("is_bot", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fetched_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_people"),
    )
    op.create_table(
        "care_channels",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name="pk_care_channels"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(32), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_team_id_at", "audit_log", ["team_id", "at"])
    _make_audit_log_append_only()
    op.create_table(
        "processed_keys",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key", name="pk_processed_keys"),
    )
    op.create_index("ix_processed_keys_at", "processed_keys", ["at"])
    op.create_table(
        "reminders",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_ref", sa.String(32), nullable=False),
        sa.Column("next_at", Instant, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", Instant, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("payload", Payload, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "team_id", "kind", "subject_ref", name="uq_reminders_team_id_kind_subject_ref"
        ),
    )
    op.create_index(
        "ix_reminders_due",
        "reminders",
        ["next_at"],
        postgresql_where=sa.text("next_at IS NOT NULL"),
        sqlite_where=sa.text("next_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_processed_keys_at", table_name="processed_keys")
    op.drop_table("processed_keys")
    _drop_audit_log_guards()
    op.drop_index("ix_audit_log_team_id_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("care_channels")
    op.drop_table("people")
    op.drop_index("ix_patients_team_id_name_key", table_name="patients")
    op.drop_table("patients")
    op.drop_table("ref_counters")
    op.drop_table("workspaces")


def _make_audit_log_append_only() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on audit_log in the database itself."""
    # SQLite drops these triggers with the table: a batch migration that rebuilds
    # audit_log must create them again.
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _drop_audit_log_guards() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
