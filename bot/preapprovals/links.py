"""A visit's pre-approvals follow it: moved, their "needed by" moves and the at-risk chase is
planned again; off the schedule (cancelled, no-show, done), nothing is at risk any more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.preapprovals.plan import plan
from bot.shared.hooks import AppointmentChanged
from bot.shared.rules.people import zone_or
from storage.preapprovals import links as preapproval_links
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care


def subscribe(care: Care) -> None:
    """Let pre-approvals follow their visit whenever appointments announces a change."""
    care.hooks.subscribe(AppointmentChanged, lambda session, change: follow(care, session, change))


def follow(care: Care, session: Session, change: AppointmentChanged) -> None:
    """In the visit's own write session: its open requests take its new start (or none)."""
    linked = preapproval_links.open_linked_to(session, change.team_id, change.appointment_id)
    if not linked:
        return
    # Owners' zones from the cache only: no Slack call and no second session in here.
    zones = preapprovals.zones(session, change.team_id, {r.owner_id for r in linked})
    for request in linked:
        request.needed_by = change.start_at if change.on_schedule else None
        zone = zone_or(zones.get(request.owner_id), care.settings.timezone)
        plan(care, session, request, change.at, zone)
