"""The pre-approval schema: requests, the messages that show them, and the rounds already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import AppointmentRow, Base, BigId, PatientRow, SeriesRow


class PreapprovalRow(Base):
    """A prior authorization being chased; status is a bot.core.preapprovals.Status value."""

    __tablename__ = "preapprovals"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # The round reads an owner's items that are due; lists read by owner and status.
        Index(
            "ix_preapprovals_due",
            "team_id",
            "owner_id",
            "nudge_at",
            postgresql_where=text("nudge_at IS NOT NULL"),
            sqlite_where=text("nudge_at IS NOT NULL"),
        ),
        Index(None, "team_id", "status", "needed_by"),
        Index(None, "team_id", "appointment_id"),
        Index(None, "team_id", "series_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    payer: Mapped[str] = mapped_column(String(120))
    service: Mapped[str] = mapped_column(String(200))
    service_codes: Mapped[str | None] = mapped_column(String(200))  # CPT / HCPCS
    diagnosis_codes: Mapped[str | None] = mapped_column(String(200))  # ICD-10
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # Or a whole series (S-n): its visits are checked against the approval one by one.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_series.id"))
    needed_by: Mapped[datetime | None]
    owner_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))  # the care team's channel
    urgency: Mapped[str] = mapped_column(String(16), default="standard")
    status: Mapped[str] = mapped_column(String(24), default="not_started")
    payer_ref: Mapped[str | None] = mapped_column(String(64))
    auth_number: Mapped[str | None] = mapped_column(String(40))
    approved_units: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    denial_reason: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    nudge_at: Mapped[datetime | None]  # when the owner's round should next list it
    risk_posted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Never loaded behind the caller's back: queries that need them load them eagerly.
    patient: Mapped[PatientRow] = relationship(lazy="raise")
    appointment: Mapped[AppointmentRow | None] = relationship(lazy="raise")
    series: Mapped[SeriesRow | None] = relationship(lazy="raise")

    @property
    def ref(self) -> str:
        """The short ref users type, like PA-31."""
        return f"PA-{self.number}"


class PreapprovalMessageRow(Base):
    """A Slack message that shows a pre-approval, so a change can redraw it in place."""

    __tablename__ = "preapproval_messages"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts", "preapproval_id"),
        Index(None, "preapproval_id"),
        Index(None, "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    preapproval_id: Mapped[int] = mapped_column(BigId, ForeignKey("preapprovals.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # "round" (a DM) or "risk" (a channel post)
    created_at: Mapped[datetime]


class PreapprovalRoundRow(Base):
    """One owner's reminder DM for one round: the key makes a second DM for it impossible."""

    __tablename__ = "preapproval_rounds"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    claimed_at: Mapped[datetime]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))  # NULL until the DM went out


__all__ = ["PreapprovalMessageRow", "PreapprovalRoundRow", "PreapprovalRow"]
