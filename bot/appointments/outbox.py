"""What a change to a visit commits for Slack, in its own transaction: outbox rows that are
sent at once by the listener and retried by the sweep (bot.appointments.announce, .tell)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storage import reminders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import AppointmentRow

CARD = "appt-card"  # subject: the A-ref; its card in the booking channel
COPY = "appt-copy"  # subject: the A-ref; the same card to its clinician
CHANGE = "appt-change"  # subject: the A-ref; payload: what, by, from


def announce_booking(session: Session, row: AppointmentRow, now: datetime) -> None:
    """A new booking: its card, and the clinician's copy unless they booked it themselves."""
    reminders.schedule(session, row.team_id, CARD, row.ref, now, now=now)
    if row.clinician_id and row.clinician_id != row.booked_by:
        reminders.schedule(session, row.team_id, COPY, row.ref, now, now=now)


def tell_clinician(
    session: Session,
    row: AppointmentRow,
    what: str,
    by: str,
    now: datetime,
    was: datetime | None = None,
) -> None:
    """A change: the clinician hears of it, and their copy is redrawn."""
    if row.clinician_id:
        payload = {"what": what, "by": by, "from": was.isoformat() if was else None}
        reminders.schedule(session, row.team_id, CHANGE, row.ref, now, payload, now=now)
