"""A visit's pre-approvals follow it: moved, their "needed by" moves and the at-risk chase is
planned again; off the schedule (cancelled, no-show, done), nothing is at risk any more."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.appointments.rules.appointment import HOLDS_SLOT, Status
from bot.preapprovals.plan import plan
from bot.shared.rules.people import zone_or
from storage.preapprovals import links as preapproval_links
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care
    from storage.models import AppointmentRow


def follow(care: Care, session: Session, visit: AppointmentRow, now: datetime) -> None:
    """In the visit's own write session: its open requests take its new start (or none)."""
    linked = preapproval_links.open_linked_to(session, visit.team_id, visit.id)
    if not linked:
        return
    # Owners' zones from the cache only: no Slack call and no second session in here.
    zones = preapprovals.zones(session, visit.team_id, {r.owner_id for r in linked})
    on_schedule = Status(visit.status) in HOLDS_SLOT
    for request in linked:
        request.needed_by = visit.start_at if on_schedule else None
        zone = zone_or(zones.get(request.owner_id), care.settings.timezone)
        plan(care, session, request, now, zone)
