"""Block Kit for appointments: previews, confirmations, lists. No Slack calls here."""

from __future__ import annotations

import json
from datetime import date, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.appointments.booking import AlreadyBooked, Booked, Preview
from bot.appointments.changes import Appointment, Changed
from bot.appointments.lists import AppointmentList
from bot.appointments.rules.appointment import STATUS_WORDS, Action, Status
from bot.appointments.series import SeriesPreview
from bot.shared.commands import Block, Reply
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.durations import format_duration
from bot.shared.rules.mrkdwn import date_token, escape, mention
from bot.shared.rules.timeparse import format_span, format_when
from handlers.appointments import series_views
from handlers.appointments.blocks import SECTION_MAX
from handlers.appointments.blocks import button as _button
from handlers.appointments.blocks import context as _context
from handlers.appointments.blocks import section as _section
from handlers.appointments.blocks import what as what  # the digest reads it from here


def preview(view: Preview | SeriesPreview) -> Reply:
    """The ephemeral 'book this?' card with Confirm / Cancel, or the clashes and free slots."""
    if isinstance(view, SeriesPreview):
        return series_views.preview(view, _which_kind(view) if view.kind_options else [])
    p = view.proposal
    patient = escape(view.patient_name)
    if view.patient_ref:
        patient += f" ({view.patient_ref})"
    else:
        patient += f" (new patient{', MRN ' + escape(p.patient.mrn) if p.patient.mrn else ''})"
    lines = [
        f"*Patient:* {patient}",
        f"*What:* {what(p.kind, p.label)}",
        f"*When:* {view.when} ({view.length})",
    ]
    if p.clinician:
        lines.append(f"*With:* {mention(p.clinician)}")
    if p.location:
        lines.append(f"*Where:* {escape(p.location)}")
    if p.notes:
        lines.append(f"*Notes:* {escape(p.notes)}")
    head = "*Book this visit?*"
    blocks: list[Block] = [_section(head + "\n" + "\n".join(lines))]
    if view.outside_hours:
        blocks.append(
            _context(":crescent_moon: This is outside clinic hours (08:00-18:00, Mon-Fri).")
        )
    if view.rechecked:
        blocks.append(_context("Checked again just now against the latest bookings."))
    if view.clashes:
        clash_lines = [
            f"• {c.ref} {format_span(c.start, c.end, view.zone)} (same {', '.join(c.on)})"
            for c in view.clashes
        ]
        blocks.append(_section(":warning: *It collides with:*\n" + "\n".join(clash_lines)))
        if view.free:
            blocks.append(_section("*Free slots of the same length:*"))
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "appt_slots",
                    "elements": [
                        _button(
                            format_when(slot.start, view.zone),
                            f"appt_slot_{i}",
                            json.dumps({"d": view.draft_id, "s": slot.start.isoformat()}),
                        )
                        for i, slot in enumerate(view.free)
                    ],
                }
            )
        else:
            blocks.append(
                _context("No free slot of that length in the next 14 days of clinic hours.")
            )
        buttons = [
            _button("Edit...", "open_appt_edit", view.draft_id),
            _button("Cancel", "appt_discard", view.draft_id),
        ]
    elif view.kind_options:
        blocks += _which_kind(view)
        buttons = [
            _button("Edit...", "open_appt_edit", view.draft_id),
            _button("Cancel", "appt_discard", view.draft_id),
        ]
    else:
        buttons = [
            _button("Confirm", "appt_confirm", view.draft_id, "primary"),
            _button("Edit...", "open_appt_edit", view.draft_id),
            _button("Cancel", "appt_discard", view.draft_id),
        ]
    blocks.append({"type": "actions", "block_id": "appt_preview", "elements": buttons})
    text = f"Book this visit? {escape(p.label)}, {view.when}"
    text += " (it collides)" if view.clashes else ""
    return Reply(text=text, blocks=blocks)


KIND_ACTION = "appt_kind"


def _which_kind(view: Preview | SeriesPreview) -> list[Block]:
    """Typed words that named no kind (or two): ask, since the kind sets the visit's length,
    what it clashes over and whether it gets a pre-procedure checklist."""
    label = escape(view.proposal.label)
    could = [k for k, _ in view.kind_options if k in view.proposal.kind_candidates]
    maybe = f" It could be {' or '.join(could)}." if len(could) > 1 else ""
    question = (
        f':question: *What kind of visit is "{label}"?*{maybe} Pick one: it sets how long '
        "it is booked for and whether it gets a pre-procedure checklist."
    )
    options = [
        {
            "text": {"type": "plain_text", "text": f"{kind} ({format_duration(length)})"[:75]},
            "value": json.dumps({"d": view.draft_id, "k": kind}),
        }
        for kind, length in view.kind_options
    ]
    menu: Block = {
        "type": "static_select",
        "action_id": KIND_ACTION,
        "placeholder": {"type": "plain_text", "text": "Kind of visit"},
        "options": options,
    }
    return [_section(question), {"type": "actions", "block_id": "appt_kind", "elements": [menu]}]


def booked_note(booked: Booked, zone: Any) -> Reply:
    p = booked.proposal
    text = (
        f":white_check_mark: Booked *{booked.ref}* for {escape(booked.patient_name)} "
        f"({booked.patient_ref}): {what(p.kind, p.label)}, {format_span(p.start, p.end, zone)}."
    )
    return Reply(text=text, blocks=[_section(text)])


def already_booked_note(already: AlreadyBooked, zone: Any) -> Reply:
    """A second Confirm of one preview: what it booked the first time, never a second visit."""
    a = already
    text = (
        f":white_check_mark: Already booked: *{a.ref}* for {escape(a.patient_name)} "
        f"({a.patient_ref}): {what(a.kind, a.label)}, {format_span(a.start, a.end, zone)}."
    )
    if a.status is not Status.BOOKED:
        text += f" It is {STATUS_WORDS[a.status]} now."
    text += " Nothing was booked twice."
    return Reply(text=text, blocks=[_section(text)])


def confirmation(booked: Booked, policy: PatientDisplay, zone: ZoneInfo) -> Reply:
    """The short channel post: minimum patient detail, time shown in each reader's zone."""
    p = booked.proposal
    visit = Appointment(
        ref=booked.ref,
        start=p.start,
        end=p.end,
        status=Status.BOOKED,
        kind=p.kind,
        label=p.label if policy is not PatientDisplay.ID else p.kind,
        patient=patient_label(policy, booked.patient_ref, booked.patient_name),
        clinician=p.clinician,
        location=p.location,
    )
    return card(visit, zone, by=p.booker)


def card(visit: Appointment, zone: ZoneInfo, *, by: str | None = None) -> Reply:
    """A visit's channel card, its time in each reader's zone; reused when its state changes
    (and still naming who booked it)."""
    by = by or visit.booked_by
    when = date_token(visit.start, format_when(visit.start, zone))
    parts = [
        f"*{visit.ref}* {visit.patient}",
        what(visit.kind, visit.label),
        f"{when} ({format_duration(visit.end - visit.start)})",
    ]
    if visit.clinician:
        parts.append(f"with {mention(visit.clinician)}")
    if visit.location:
        parts.append(f"at {escape(visit.location)}")
    status = STATUS_WORDS[visit.status]
    icon = {Status.BOOKED: ":calendar:", Status.CANCELLED: ":x:", Status.NOSHOW: ":grey_question:"}
    text = f"{icon.get(visit.status, ':white_check_mark:')} {status.capitalize()}: " + " · ".join(
        parts
    )
    if by:
        text += f" — booked by {mention(by)}"
    history = _history(visit, zone)
    blocks = [_section(text)] + ([_context(history)] if history else [])
    return Reply(text=text + (f"\n{history}" if history else ""), blocks=blocks, public=True)


def _history(visit: Appointment, zone: ZoneInfo) -> str:
    """Its last change and who made it: "Cancelled by @sam", "Moved from Mon 1 Mar, 8:00 AM
    by @dana" (a visit still booked was last changed by a move, if at all)."""
    if visit.status is not Status.BOOKED and visit.changed_by:
        return f"{STATUS_WORDS[visit.status].capitalize()} by {mention(visit.changed_by)}"
    if visit.moved_from is not None:
        was = date_token(visit.moved_from, format_when(visit.moved_from, zone))
        by = f" by {mention(visit.changed_by)}" if visit.changed_by else ""
        return f"Moved from {was}{by}"
    return ""


def changed_note(changed: Changed) -> Reply:
    v = changed.visit
    text = (
        f"{v.ref} is now {STATUS_WORDS[v.status]}: {v.patient}, "
        f"{format_span(v.start, v.end, changed.zone)}."
    ) + series_note(changed)
    return Reply(text=text, blocks=[_section(text)])


def series_note(changed: Changed) -> str:
    """For one visit of a series changed on its own: the rest of the series is as it was."""
    v = changed.visit
    if v.series is None or changed.action not in (Action.CANCEL, Action.MOVE):
        return ""
    more = (
        f" `/appt cancel {v.ref} onwards` cancels the following ones too."
        if (changed.action is Action.CANCEL)
        else ""
    )
    return f" The other visits of series {v.series} are as they were.{more}"


@lru_cache(maxsize=512)
def _day_heading(day: date) -> str:
    """A list's day heading, like Tue 8 Dec: formatted once however many visits it has."""
    return day.strftime("%a %-d %b")


@lru_cache(maxsize=24 * 60)
def _clock(hour: int, minute: int) -> str:
    """A clock time, like 8:15 AM (`%-I:%M %p`): formatted once per minute of the day."""
    return time(hour, minute).strftime("%-I:%M %p")


def visit_list(page: AppointmentList) -> Reply:
    """Visits grouped by day in the reader's zone, one line each, with a button for more."""
    if not page.visits:
        text = f"*{page.title}*: no visits."
        return Reply(text=text, blocks=[_section(text)])
    blocks: list[Block] = [_section(f"*{page.title}*")]  # mrkdwn: the title may mention someone
    day_lines: dict[str, list[str]] = {}
    for v in page.visits:
        local = v.start.astimezone(page.zone)
        day = _day_heading(local.date())
        clock = _clock(local.hour, local.minute)
        line = f"`{clock}` *{v.ref}* {v.patient} · {what(v.kind, v.label)}"
        if v.series:
            line += f" · {v.series}"
        if v.clinician:
            line += f" · {mention(v.clinician)}"
        if v.location:
            line += f" · {escape(v.location)}"
        if v.status is not Status.BOOKED:
            line += f" · _{STATUS_WORDS[v.status]}_"
        day_lines.setdefault(day, []).append(line)
    for day, lines in day_lines.items():
        # Sections hold 3,000 characters: split a long day into several.
        chunk: list[str] = []
        length = 0  # of the chunk's lines, each with its newline
        for line in lines:
            if length + len(line) > SECTION_MAX - 100:
                blocks.append(_section(f"*{day}*\n" + "\n".join(chunk)))
                chunk, length = [], 0
            chunk.append(line)
            length += len(line) + 1
        blocks.append(_section(f"*{day}*\n" + "\n".join(chunk)))
    shown = f"{page.offset + 1}-{page.offset + len(page.visits)} of {page.total}"
    blocks.append(_context(f"Showing {shown}. Times in {page.zone.key}."))
    if page.next_offset is not None:
        value = json.dumps({"q": page.query[:500], "o": page.next_offset})
        blocks.append(
            {
                "type": "actions",
                "block_id": "appt_list",
                "elements": [_button("Next page", "page_appt_list", value)],
            }
        )
    return Reply(text=f"{page.title}: {page.total} visit(s)", blocks=blocks)
