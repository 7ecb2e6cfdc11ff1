"""After opening: status changes, reassigning, snoozing, notes and lists of pre-approvals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.preapprovals.lists import request_row
from bot.preapprovals.opening import Item, PreauthRefused, add_note_line, check_owner, item_of
from bot.preapprovals.plan import plan, plan_round, rounds_of
from bot.preapprovals.rules.preapproval import (
    MAX_SNOOZE,
    OPEN,
    RESOLVED,
    Action,
    Status,
    TransitionRefused,
    check_auth_number,
    transition,
)
from bot.shared.rules.business_days import at_local
from bot.shared.rules.people import zone_or
from bot.shared.rules.timeparse import TimeParseError, format_when
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from bot.runtime.services import Care
    from storage.preapprovals.models import PreapprovalRow

SNOOZE_USAGE = "/preauth snooze PA-3 1d  (or 3d, 2w, 4h, until friday, until tuesday 2pm)"
MAX_NOTE_CHARS = 1000
MAX_REASON_CHARS = 300
_SPAN = re.compile(r"^(\d{1,3})\s*(h|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class Details:
    """What comes with a status change: the payer's numbers, dates and reasons."""

    payer_ref: str | None = None
    auth_number: str | None = None
    approved_units: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Changed:
    item: Item
    before: Status
    note: str | None = None  # something the person should know, e.g. a capped snooze


def act(
    care: Care, team_id: str, user_id: str, ref: str, action: Action, details: Details = Details()
) -> Changed:
    """Move a request to its next status, if its current one allows that; nothing otherwise."""
    now = care.clock.now()
    if action in (Action.APPROVE, Action.PARTIAL):
        if not details.auth_number:
            raise PreauthRefused(
                "Give the auth number the payer issued. "
                "Example: /preauth approve PA-3 AUTH-12345 until 2027-06-30"
            )
        try:
            check_auth_number(details.auth_number)
        except ValueError as error:
            raise PreauthRefused(str(error)) from None
        if details.valid_from and details.valid_to and details.valid_to < details.valid_from:
            raise PreauthRefused("The approval ends before it starts: check valid from and to.")
    if action is Action.DENY and not (details.reason or "").strip():
        raise PreauthRefused(
            "Say why it was denied. Example: /preauth deny PA-3 not medically necessary"
        )
    return _change(
        care, team_id, user_id, ref, lambda row: _apply(row, action, details, user_id, now)
    )


def _apply(
    row: PreapprovalRow, action: Action, details: Details, user_id: str, now: datetime
) -> str:
    status = transition(Status(row.status), action, row.ref)
    row.status = status.value
    if action is Action.SUBMIT:
        row.submitted_at = now
        row.payer_ref = details.payer_ref or row.payer_ref
    elif action is Action.APPEAL:
        row.submitted_at = now  # the payer's clock starts again
    elif action in (Action.APPROVE, Action.PARTIAL):
        row.auth_number = details.auth_number
        row.approved_units = details.approved_units
        row.valid_from = details.valid_from
        row.valid_to = details.valid_to
    elif action is Action.DENY:
        row.denial_reason = " ".join((details.reason or "").split())[:MAX_REASON_CHARS]
    if status in RESOLVED:
        row.resolved_by, row.resolved_at = user_id, now
        row.snoozed_until = None
    else:
        row.resolved_by = row.resolved_at = None
    return f"preapproval.{status.value}"


def _change(
    care: Care,
    team_id: str,
    user_id: str,
    ref: str,
    apply: Any,
    note: str | None = None,
    *,
    new_owner: str | None = None,
) -> Changed:
    """Lock the request, apply a change, plan its reminders again, audit it."""
    now = care.clock.now()
    policy = care.patient_display(team_id)
    rounds = rounds_of(care)
    with care.db.session(read_only=True) as session:
        owner = new_owner or request_row(session, team_id, ref, for_update=False).owner_id
    # Looked up before the write: on a cache miss it asks Slack and writes the answer.
    owner_zone = care.people.timezone(team_id, owner)
    with care.db.session() as session:
        row = request_row(session, team_id, ref)
        before = Status(row.status)
        owner_before = row.owner_id
        try:
            action_name = apply(row)
        except TransitionRefused as refused:
            raise PreauthRefused(str(refused)) from None
        row.updated_at = now
        if row.owner_id != owner:  # changed hands meanwhile: the cached zone, else the clinic's
            known = preapprovals.zones(session, team_id, [row.owner_id]).get(row.owner_id)
            owner_zone = zone_or(known, care.settings.timezone)
        plan(care, session, row, now, owner_zone)
        if owner_before != row.owner_id:
            plan_round(session, team_id, owner_before, now)
        SqlAuditLog(session).record(team_id, user_id, action_name, row.ref, at=now)
        item = item_of(row, policy, now, care.settings.timezone, rounds)
    care.home.changed(team_id, (owner_before, item.owner))
    return Changed(item, before, note)


def assign(care: Care, team_id: str, user_id: str, ref: str, owner: str | None) -> Changed:
    """Hand a request to someone else; their rounds list it from now on."""
    if owner is None:
        raise PreauthRefused("Mention the new owner. Example: /preauth assign PA-3 @sam.nurse")
    check_owner(care, team_id, owner)

    def apply(row: PreapprovalRow) -> str:
        if Status(row.status) in RESOLVED:
            raise TransitionRefused(f"{row.ref} is resolved; there is nothing left to own.")
        if row.owner_id == owner:
            raise TransitionRefused(f"{row.ref} already has that owner; nothing changed.")
        row.owner_id = owner
        return "preapproval.assign"

    return _change(care, team_id, user_id, ref, apply, new_owner=owner)


def snooze(care: Care, team_id: str, user_id: str, ref: str, text: str) -> Changed:
    """Quiet a request's nudges until a time; at most MAX_SNOOZE ahead, and said so."""
    now = care.clock.now()
    zone = care.people.timezone(team_id, user_id)
    until, capped = _snooze_until(care, text, now, zone)

    def apply(row: PreapprovalRow) -> str:
        if Status(row.status) not in OPEN:
            raise TransitionRefused(f"{row.ref} is resolved; nothing will be sent about it anyway.")
        row.snoozed_until = until
        return "preapproval.snooze"

    note = None
    if capped:
        note = (
            f"Snoozes are capped at {MAX_SNOOZE.days} days, so I'll remind you "
            f"{format_when(until, zone)} instead. Snooze again then if it still waits."
        )
    return _change(care, team_id, user_id, ref, apply, note)


def _snooze_until(care: Care, text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    words = " ".join(text.split())
    if not words:
        raise PreauthRefused(f"For how long? Example: {SNOOZE_USAGE}")
    span = _SPAN.match(words)
    rounds = rounds_of(care)
    if span is not None:
        unit = span[2][0].lower()
        until = now + int(span[1]) * _UNIT[unit]
        if unit != "h" and not rounds.calendar.is_business_day(until.astimezone(zone).date()):
            until = rounds.on_or_after(until, zone)  # "3 days" from Thursday: Monday's round
    else:
        when = words[len("until") :].strip() if words.lower().startswith("until") else words
        try:
            parsed = care.times.parse(when, now, zone)
        except TimeParseError as error:
            raise PreauthRefused(f"{error} Example: {SNOOZE_USAGE}") from None
        until = parsed.at
        if not parsed.has_time:  # a day: its round, or the next business day's
            day = parsed.at.astimezone(zone).date()
            until = at_local(day, care.settings.preauth_round, zone)
            if until > now and not rounds.calendar.is_business_day(day):
                until = rounds.on_or_after(until, zone)
    if until <= now:
        raise PreauthRefused(
            f"{format_when(until, zone)} has already passed; snooze until a time ahead. "
            f"Example: {SNOOZE_USAGE}"
        )
    if until - now > MAX_SNOOZE:
        return now + MAX_SNOOZE, True
    return until.replace(second=0, microsecond=0), False


def note(care: Care, team_id: str, user_id: str, ref: str, text: str) -> Changed:
    """Add a note; shown with the author's name and the time."""
    now = care.clock.now()
    words = " ".join(text.split())
    if not words:
        raise PreauthRefused(
            "What should the note say? Example: /preauth note PA-3 faxed clinicals"
        )
    if len(words) > MAX_NOTE_CHARS:
        raise PreauthRefused(
            f"A note is at most {MAX_NOTE_CHARS} characters; that one has {len(words)}."
        )

    def apply(row: PreapprovalRow) -> str:
        row.notes = add_note_line(row.notes, user_id, now, words)
        return "preapproval.note"

    return _change(care, team_id, user_id, ref, apply)
