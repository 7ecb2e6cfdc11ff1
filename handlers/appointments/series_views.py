"""Block Kit for series: the preview of every date, the booked note, the series' card."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.appointments.rules.appointment import STATUS_WORDS, Status
from bot.appointments.series import Occurrence, SeriesBooked, SeriesPreview
from bot.appointments.series_announce import ShownSeries
from bot.appointments.series_changes import SeriesCancelled
from bot.shared.commands import Block, Reply
from bot.shared.rules.durations import format_duration
from bot.shared.rules.mrkdwn import escape, mention
from bot.shared.rules.timeparse import format_span
from handlers.appointments.blocks import button as _button
from handlers.appointments.blocks import context as _context
from handlers.appointments.blocks import section as _section
from handlers.appointments.blocks import what

SHOWN_IN_FULL = 10  # past this many dates, free ones are summed up and only collisions listed
SHIFT_ACTION = "appt_confirm_shift"  # book, colliding dates at the nearest free time that day


def _date_line(occurrence: Occurrence, zone: ZoneInfo) -> str:
    when = format_span(occurrence.start, occurrence.end, zone)
    if occurrence.clashes:
        held = "; ".join(f"{c.ref} (same {', '.join(c.on)})" for c in occurrence.clashes)
        if occurrence.shift is not None:
            free = format_span(occurrence.shift.start, occurrence.shift.end, zone)
            return f"• :warning: {when}: collides with {held}; free that day {free}"
        return f"• :warning: {when}: collides with {held}, skipped"
    closed = " :crescent_moon: outside clinic hours" if occurrence.closed else ""
    if occurrence.holiday:
        closed = " :palm_tree: a clinic holiday"
    return f"• {when}{closed}"


def _dates(occurrences: tuple[Occurrence, ...], zone: ZoneInfo) -> list[str]:
    """Every date when there are few; else the first ones, then only what collides."""
    if len(occurrences) <= SHOWN_IN_FULL:
        return [_date_line(o, zone) for o in occurrences]
    lines = [_date_line(o, zone) for o in occurrences[:SHOWN_IN_FULL]]
    later = occurrences[SHOWN_IN_FULL:]
    colliding = [o for o in later if not o.free]
    lines += [_date_line(o, zone) for o in colliding[:SHOWN_IN_FULL]]
    if len(colliding) > SHOWN_IN_FULL:
        rest = colliding[SHOWN_IN_FULL:]
        movable = sum(1 for o in rest if o.shift is not None)
        lines.append(
            f"• :warning: … and {len(rest)} more collide ({movable} with a free time that day), "
            f"the last {format_span(rest[-1].start, rest[-1].end, zone)}"
        )
    quiet = [o for o in later if o.free]
    if quiet:
        last = format_span(quiet[-1].start, quiet[-1].end, zone)
        closed = sum(1 for o in quiet if o.closed)
        outside = f" ({closed} outside clinic hours)" if closed else ""
        lines.append(f"• … and {len(quiet)} more free{outside}, the last {last}")
    return lines


def preview(view: SeriesPreview, which_kind: list[Block]) -> Reply:
    """Book this series? Every date, what collides (skipped) and Confirm / Cancel; first,
    which kind, when the typed words named none (`which_kind`, the single visit's menu)."""
    p, repeat = view.proposal, view.proposal.repeat
    assert repeat is not None
    patient = escape(view.patient_name)
    if view.patient_ref:
        patient += f" ({view.patient_ref})"
    else:
        mrn = f", MRN {escape(p.patient.mrn)}" if p.patient.mrn else ""
        patient += f" (new patient{mrn})"
    free, total = len(view.free), len(view.occurrences)
    lines = [
        f"*Patient:* {patient}",
        f"*What:* {what(p.kind, p.label)} ({format_duration(p.length)} each)",
        f"*Repeats:* {escape(repeat.said)}",
    ]
    if p.clinician:
        lines.append(f"*With:* {mention(p.clinician)}")
    if p.location:
        lines.append(f"*Where:* {escape(p.location)}")
    blocks: list[Block] = [
        _section("*Book this series?*\n" + "\n".join(lines)),
        _section("\n".join(_dates(view.occurrences, view.zone))),
    ]
    if view.rechecked:
        blocks.append(_context("Checked again just now against the latest bookings."))
    buttons = [_button("Cancel", "appt_discard", view.draft_id)]
    movable = sum(1 for o in view.occurrences if not o.free and o.shift is not None)
    if which_kind:
        blocks += which_kind
    elif free + movable >= 2:
        if free >= 2 or (free and not movable):
            label = f"Book {free} visits" + (f", skip {total - free}" if free < total else "")
            buttons.insert(0, _button(label, "appt_confirm", view.draft_id, "primary"))
        if movable:
            stuck = total - free - movable
            shifted = f"Book {free + movable}, {movable} at the free time that day" + (
                f", skip {stuck}" if stuck else ""
            )
            style = None if free >= 2 else "primary"
            buttons.insert(len(buttons) - 1, _button(shifted, SHIFT_ACTION, view.draft_id, style))
    else:
        blocks.append(
            _section(
                ":no_entry: Fewer than two of these dates are free, so there is no series to "
                "book. Choose other days or times, e.g. "
                "`/appt book Jane Doe, physio, every tuesday and thursday 10am for 6 weeks`"
            )
        )
    blocks.append({"type": "actions", "block_id": "appt_preview", "elements": buttons})
    text = f"Book this series? {escape(p.label)}, {escape(repeat.said)}: {free} of {total} free"
    return Reply(text=text, blocks=blocks)


def booked_note(booked: SeriesBooked, zone: ZoneInfo) -> Reply:
    """What the booker is told once the series is booked."""
    refs = [ref for ref, _ in booked.visits]
    first, last = booked.visits[0][1], booked.visits[-1][1]
    text = (
        f"Booked series *{booked.ref}* for {escape(booked.patient_name)} ({booked.patient_ref}): "
        f"{len(refs)} visits, {refs[0]} to {refs[-1]}, {_day(first, zone)} to {_day(last, zone)}."
    )
    if booked.shifted:
        shifted = ", ".join(f"{ref} {_when(at, zone)}" for ref, at in booked.shifted)
        text += f" At another time that day (the usual one was taken): {shifted}."
    if booked.skipped:
        skipped = ", ".join(_day(o.start, zone) for o in booked.skipped)
        text += f" Skipped (they collide): {skipped}."
    text += f" Each visit can be moved or cancelled on its own (`/appt cancel {refs[-1]}`)."
    return Reply(text=text)


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{_day(at, zone)} {local:%-I:%M %p}"


def _day(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}"


def card(shown: ShownSeries, zone: ZoneInfo) -> Reply:
    """The series' one card in its channel, and the clinician's copy."""
    visits = shown.visits
    span = f", {_day(visits[0][1], zone)} to {_day(visits[-1][1], zone)}" if visits else ""
    lines = [
        f"*Series {shown.ref}*: {escape(shown.patient)}, {what(shown.kind, shown.label)}",
        f"*Repeats:* {len(visits)} visits booked{span}",
    ]
    if shown.clinician:
        lines.append(f"*With:* {mention(shown.clinician)}")
    if shown.location:
        lines.append(f"*Where:* {escape(shown.location)}")
    lines.append(f"*Booked by:* {mention(shown.booked_by)}")
    dates = ", ".join(f"{ref} {_when(at, zone)}" for ref, at in visits[:SHOWN_IN_FULL])
    if len(visits) > SHOWN_IN_FULL:
        dates += f", and {len(visits) - SHOWN_IN_FULL} more"
    if shown.others:  # what changed since it was booked, as the visits stand now
        changed = ", ".join(
            f"~{ref} {_when(at, zone)}~ {STATUS_WORDS[Status(status)]}"
            for ref, at, status in shown.others[:SHOWN_IN_FULL]
        )
        more = len(shown.others) - SHOWN_IN_FULL
        lines.append(f"*No longer booked:* {changed}" + (f", and {more} more" if more > 0 else ""))
    text = "\n".join(lines)
    return Reply(
        text=f"Series {shown.ref}: {len(visits)} visits booked",
        blocks=[_section(text), _context(dates or "No visit booked.")],
    )


def change_dm(shown: ShownSeries, change: Mapping[str, Any], zone: ZoneInfo) -> Reply:
    """What a series' clinician is told, once, of a change to many of its visits."""
    count = change.get("count")
    since = change.get("from")
    by = change.get("by")
    when = ""
    if isinstance(since, str):
        try:
            when = f", from {_day(datetime.fromisoformat(since), zone)}"
        except ValueError:
            when = ""
    who = f" by {mention(by)}" if isinstance(by, str) and by else ""
    visits = f"{count} visits" if isinstance(count, int) else "visits"
    text = (
        f"Series *{shown.ref}* ({escape(shown.patient)}, {what(shown.kind, shown.label)}): "
        f"{visits} cancelled{who}{when}. The series books nothing after that."
    )
    return Reply(text=text)


def cancelled_note(done: SeriesCancelled) -> Reply:
    """What the person who cancelled many visits of a series is told."""
    refs = done.cancelled
    listed = ", ".join(refs) if len(refs) <= SHOWN_IN_FULL else f"{refs[0]} to {refs[-1]}"
    return Reply(
        text=f"Cancelled {len(refs)} visits of series *{done.series_ref}*: {listed}. "
        "Visits already held keep their state."
    )
