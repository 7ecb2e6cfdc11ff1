"""A visit's pre-approvals follow it: moved, their "needed by" moves and the at-risk chase is
planned again; off the schedule (cancelled, no-show, done), nothing is at risk any more.

A series' pre-approvals follow every visit of it: their "needed by" is its first visit on the
schedule not covered yet, and an approval's cover is checked again (a cancelled visit frees a
unit, a moved one may fall outside the approval's dates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.preapprovals.plan import owners_zones, plan
from bot.shared.hooks import AppointmentChanged
from storage.preapprovals import links as preapproval_links

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.hooks import Hooks


def subscribe(hooks: Hooks, in_force: SettingsResolver) -> None:
    """Let pre-approvals follow their visit whenever appointments announces a change."""
    hooks.subscribe(AppointmentChanged, lambda session, change: follow(in_force, session, change))


def follow(in_force: SettingsResolver, session: Session, change: AppointmentChanged) -> None:
    """In the visit's own write session: its open requests take its new start (or none), and
    its series' requests look at the series again.

    No person acts here: appointments checked the visit's change before announcing it.
    """
    linked = preapproval_links.open_linked_to(session, change.team_id, change.appointment_id)
    series = preapproval_links.series_of_visit(session, change.team_id, change.appointment_id)
    for_series = (
        preapproval_links.following_series(session, change.team_id, series)
        if series is not None
        else []
    )
    if not linked and not for_series:
        return
    # Owners' zones from the cache only: no Slack call and no second session in here.
    owners = {r.owner_id for r in (*linked, *for_series)}
    zones = owners_zones(session, change.team_id, owners)
    for request in linked:
        request.needed_by = change.start_at if change.on_schedule else None
        plan(in_force, session, request, change.at, zones.get(request.owner_id))
    for request in for_series:  # planning reads the series again: its first visit not covered
        plan(in_force, session, request, change.at, zones.get(request.owner_id))
