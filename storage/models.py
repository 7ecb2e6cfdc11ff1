"""The schema: every row belongs to one Slack workspace (team_id), every time is UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.slack_schema import bots_table, installations_table, states_table

# BIGINT on PostgreSQL; plain INTEGER on SQLite, where only that is the autoincrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Payload = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC and read back as UTC on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset; what it holds is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can refer to."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime()}


class WorkspaceRow(Base):
    """A Slack workspace and its settings."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    patient_display: Mapped[str] = mapped_column(
        String(16), default="initials", server_default="initials"
    )
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Set when Slack says carebot was uninstalled or its bot token revoked: the workspace's
    # reminders stop and its records wait for retention; cleared when it is installed again.
    uninstalled_at: Mapped[datetime | None]
    installed_by: Mapped[str | None] = mapped_column(String(32))  # an admin here (many workspaces)


class RefCounterRow(Base):
    """The last short-ref number handed out per workspace and prefix (P, A, H, PA)."""

    __tablename__ = "ref_counters"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PatientRow(Base):
    """A patient as a care team refers to them; names are stored as typed."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        UniqueConstraint("team_id", "mrn"),  # NULLs are distinct: many patients without MRN
        Index(None, "team_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # casefolded, spaces collapsed
    mrn: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(32))

    @property
    def ref(self) -> str:
        """The short ref users type, like P-12."""
        return f"P-{self.number}"


class ListedPatient(NamedTuple):
    """A patient as plain values, read in one select with what a list shows them on."""

    number: int
    display_name: str
    mrn: str | None

    @property
    def ref(self) -> str:
        return f"P-{self.number}"


class PersonRow(Base):
    """A cached Slack users.info answer."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    real_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fetched_at: Mapped[datetime]


class CareChannelRow(Base):
    """A Slack channel a care team works in."""

    __tablename__ = "care_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # The channel's own settings, as an admin typed them; NULL: the workspace default.
    clinic_opens: Mapped[str | None] = mapped_column(String(5))
    clinic_closes: Mapped[str | None] = mapped_column(String(5))
    clinic_days: Mapped[str | None] = mapped_column(String(40))
    holidays: Mapped[str | None] = mapped_column(Text)
    digest_time: Mapped[str | None] = mapped_column(String(5))  # "07:30" or "off"
    handoff_escalation: Mapped[str | None] = mapped_column(String(200))
    preauth_round: Mapped[str | None] = mapped_column(String(5))
    patient_display: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(32))


class AuditRow(Base):
    """Who did what to which record, when and where: ids only, never clinical text."""

    __tablename__ = "audit_log"
    # By time for exports; by record for /carebot audit H-7.
    __table_args__ = (Index(None, "team_id", "at"), Index(None, "team_id", "ref", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64))


class ProcessedKeyRow(Base):
    """An event id or interaction key already handled, so retries do nothing."""

    __tablename__ = "processed_keys"
    __table_args__ = (Index(None, "at"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[datetime]


class ReminderRow(Base):
    """One pending reminder per (workspace, kind, subject); next_at NULL means finished."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject_ref"),
        Index(
            "ix_reminders_due",
            "next_at",
            postgresql_where=text("next_at IS NOT NULL"),
            sqlite_where=text("next_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(32))
    next_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Claims since the last recorded outcome: above 1, an earlier claim's sender died mid-send.
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_claimed_at: Mapped[datetime | None]  # real time of the first of those claims
    last_error: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AppointmentRow(Base):
    """A booked visit, procedure or surgery; status is a FHIR R4 Appointment code."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        # Every lookup is per workspace and by time; these serve lists and the conflict check.
        Index(None, "team_id", "start_at"),
        Index(None, "team_id", "clinician_id", "start_at"),
        Index(None, "team_id", "location_key", "start_at"),
        Index(None, "team_id", "patient_id", "start_at"),
        Index(None, "series_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="booked", server_default="booked")
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    clinician_id: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str | None] = mapped_column(String(80))
    location_key: Mapped[str | None] = mapped_column(String(80))  # casefolded, spaces collapsed
    notes: Mapped[str | None] = mapped_column(Text)
    booked_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    moved_from: Mapped[datetime | None]  # the start before its last move: the card says so
    changed_by: Mapped[str | None] = mapped_column(String(32))  # who made the last change
    copy_channel: Mapped[str | None] = mapped_column(String(32))  # the clinician's copy (DM)
    copy_ts: Mapped[str | None] = mapped_column(String(32))
    # The series it is an occurrence of (S-n), if any; it is a visit of its own all the same.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_series.id"))
    # Where the series' rule put it (its RECURRENCE-ID), however often it is moved since.
    series_start: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Never loaded behind the caller's back: queries that need it load it eagerly.
    patient: Mapped[PatientRow] = relationship(lazy="raise")

    @property
    def ref(self) -> str:
        """The short ref users type, like A-12."""
        return f"A-{self.number}"


class SeriesRow(Base):
    """Visits booked together by one repeat rule (S-n); each occurrence is an appointment."""

    __tablename__ = "appointment_series"
    __table_args__ = (UniqueConstraint("team_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    rule: Mapped[str] = mapped_column(String(200))  # RFC 5545 RRULE value, as booked
    zone: Mapped[str] = mapped_column(String(64))  # the wall clock the rule keeps
    first_start: Mapped[datetime]  # the rule's first date (DTSTART), booked or skipped
    booked_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime | None]  # ended early: no occurrence after this is booked
    message_channel: Mapped[str | None] = mapped_column(String(32))  # its card, redrawn on
    message_ts: Mapped[str | None] = mapped_column(String(32))  # a change to a visit
    created_at: Mapped[datetime]

    # Read-only: visits are booked into a series by setting their series_id. Never loaded
    # behind the caller's back (a pre-approval for the series loads them eagerly).
    visits: Mapped[list[AppointmentRow]] = relationship(
        lazy="raise", viewonly=True, order_by=lambda: (AppointmentRow.start_at, AppointmentRow.id)
    )

    @property
    def ref(self) -> str:
        """The short ref users type, like S-3."""
        return f"S-{self.number}"


class DraftRow(Base):
    """Something typed but not yet confirmed (a booking preview), kept for its buttons."""

    __tablename__ = "drafts"
    __table_args__ = (Index(None, "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(Payload, default=dict)
    created_at: Mapped[datetime]


__all__ = [
    "AppointmentRow",
    "AuditRow",
    "Base",
    "CareChannelRow",
    "DraftRow",
    "ListedPatient",
    "PatientRow",
    "PersonRow",
    "ProcessedKeyRow",
    "RefCounterRow",
    "ReminderRow",
    "SeriesRow",
    "UTCDateTime",
    "WorkspaceRow",
]


# slack_sdk's installation and OAuth state tables (many-workspace installs); see slack_schema.
slack_installations = installations_table(Base.metadata)
slack_bots = bots_table(Base.metadata)
slack_oauth_states = states_table(Base.metadata)
