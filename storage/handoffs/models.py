"""Handoffs and their action items: what was handed to whom, and whether the loop closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base, BigId, PatientRow, Payload


class HandoffRow(Base):
    """One I-PASS or SBAR handoff posted (or to be posted) to a care-team channel."""

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # /handoff list: waiting for me, sent by me; the Home tab reads the same.
        Index(None, "team_id", "receiver_user", "acknowledged_at"),
        Index(None, "team_id", "author_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int]
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    template: Mapped[str] = mapped_column(String(8))  # ipass | sbar
    severity: Mapped[str] = mapped_column(String(10))  # stable | watcher | unstable
    sections: Mapped[dict[str, Any]] = mapped_column(Payload, default=dict)  # key -> plain text
    channel_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))
    receiver_user: Mapped[str | None] = mapped_column(String(32))
    receiver_group: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # None until posted
    posted_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]
    synthesis: Mapped[str | None] = mapped_column(Text)
    escalated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rungs sent
    # The messages that asked for its acknowledgement ([channel, ts], ...): redrawn once it is.
    asks: Mapped[list[list[str]] | None] = mapped_column(Payload)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    patient: Mapped[PatientRow] = relationship(lazy="raise")
    actions: Mapped[list[HandoffActionRow]] = relationship(
        lazy="raise",
        order_by="HandoffActionRow.position",
        cascade="all, delete-orphan",
        back_populates="handoff",
    )

    @property
    def ref(self) -> str:
        """The short ref users type, like H-7."""
        return f"H-{self.number}"


class HandoffActionRow(Base):
    """One item of a handoff's action list: who does it, by when, and who ticked it off."""

    __tablename__ = "handoff_actions"
    __table_args__ = (
        UniqueConstraint("handoff_id", "position"),
        Index(None, "team_id", "owner_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(BigId, ForeignKey("handoffs.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... as listed
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None]

    handoff: Mapped[HandoffRow] = relationship(lazy="raise", back_populates="actions")
