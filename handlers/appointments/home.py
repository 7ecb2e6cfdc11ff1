"""My day's appointments: today's and tomorrow's, as clinician or booker, with their buttons."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.appointments.changes import Appointment
from bot.appointments.rules.appointment import STATUS_WORDS, Status
from bot.shared.access import Actor
from bot.shared.commands import Block
from bot.shared.home import HomeSection, Page, Row, Viewer
from bot.shared.rules.mrkdwn import escape, mention, truncate
from handlers.appointments.blocks import what
from handlers.appointments.week import MY_WEEK
from handlers.kit.blocks import button, section

if TYPE_CHECKING:
    from bot.appointments.lists import AppointmentLists

# The buttons of the no-show reminder, reused: each is the next step a visit can take today.
BUTTONS: dict[Status, tuple[tuple[str, str, str | None], ...]] = {
    Status.BOOKED: (
        ("Check in", "visit_flag_checkin", "primary"),
        ("Done", "visit_flag_done", None),
        ("No-show", "visit_flag_noshow", "danger"),
    ),
    Status.ARRIVED: (
        ("Check in", "visit_flag_checkin", "primary"),
        ("Done", "visit_flag_done", None),
        ("No-show", "visit_flag_noshow", "danger"),
    ),
    Status.CHECKED_IN: (("Done", "visit_flag_done", "primary"),),
}


def home_section(lists: AppointmentLists) -> HomeSection:
    """Today's and tomorrow's visits with the viewer as clinician or booker."""

    def load(viewer: Viewer, offset: int, limit: int) -> Page:
        today = viewer.now.astimezone(viewer.zone).date()
        start = datetime.combine(today, time(0), viewer.zone)
        end = datetime.combine(today + timedelta(days=2), time(0), viewer.zone)
        actor = Actor(viewer.team_id, viewer.user_id)
        found, total = lists.of_person(actor, start, end, offset, limit)
        return Page(tuple(row(visit, viewer) for visit in found), total)

    return HomeSection(
        "appointments",
        "Your appointments today and tomorrow",
        load,
        empty="No appointments today or tomorrow with you as clinician or booker.",
        buttons=(button("My week", MY_WEEK, "mine"),),  # your week as a picture, in your DM
    )


def row(visit: Appointment, viewer: Viewer) -> Row:
    local = visit.start.astimezone(viewer.zone)
    today = local.date() == viewer.now.astimezone(viewer.zone).date()
    parts = [
        f"*{'Today' if today else 'Tomorrow'} {local.hour % 12 or 12}:{local.minute:02d} "
        f"{'AM' if local.hour < 12 else 'PM'}* · *{visit.ref}* {visit.patient}",
        what(visit.kind, visit.label),
    ]
    if visit.clinician and visit.clinician != viewer.user_id:
        parts.append(f"with {mention(visit.clinician)}")
    if visit.location:
        parts.append(f"at {escape(visit.location)}")
    if visit.status is not Status.BOOKED:
        parts.append(f"_{STATUS_WORDS[visit.status]}_")
    blocks: list[Block] = [section(truncate(" · ".join(parts), 3000))]
    if today and visit.status in BUTTONS:
        buttons = [
            button(label, action, visit.ref, style)
            for label, action, style in BUTTONS[visit.status]
        ]
        blocks.append({"type": "actions", "block_id": f"home_{visit.ref}", "elements": buttons})
    return blocks
