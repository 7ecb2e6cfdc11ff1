"""Changing handoffs: create and post, acknowledge, tick items off, edit; each audited.

A handoff is stored before it is posted, so a post Slack refuses loses nothing. Every
change reads what it needs from Slack first and only then opens its write session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.digest import schedule as digest_schedule
from bot.handoffs.access import acknowledge_refusal_for, check_channel, check_owners, check_receiver
from bot.handoffs.lists import (
    ACTION_DUE,
    ESCALATION,
    Handoff,
    HandoffInput,
    Item,
    concerned,
    get,
    item_subject,
    view_of,
)
from bot.handoffs.rules.actions import parse_actions
from bot.handoffs.rules.escalation import first_at
from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused, check_sections, check_synthesis
from bot.shared import channel_settings
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.patients import PatientSpec, QuickFormError, read_patient
from storage import SqlAuditLog, patients, reminders
from storage.handoffs import queries as handoffs

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care
    from storage.models import PatientRow

log = logging.getLogger(__name__)


def create(
    care: Care, team_id: str, author_id: str, given: HandoffInput, request_id: str
) -> Handoff:
    """Check and store a handoff (not yet posted); raises HandoffRefused with the reason."""
    sections = check_sections(given.template, given.sections)
    check_receiver(care, team_id, author_id, given.receiver)
    zone = care.people.timezone(team_id, author_id)
    now = care.clock.now()
    items = parse_actions(given.actions, care.times, now, zone) if given.actions else []
    check_owners(care, team_id, items)
    check_channel(care, team_id, author_id, given.channel_id, request_id)
    # The card goes to the channel: its patients are shown as that channel says.
    policy = care.channel_settings(team_id, given.channel_id).patient_display
    with care.db.session() as session:
        patient = _patient(session, team_id, given.patient, author_id, now)
        row = handoffs.add(
            session,
            team_id,
            patient_id=patient.id,
            template=given.template.value,
            severity=given.severity.value,
            sections=sections,
            channel_id=given.channel_id,
            author_id=author_id,
            receiver_user=given.receiver.user_id,
            receiver_group=given.receiver.group_id,
            actions=items,
            now=now,
        )
        SqlAuditLog(session).record(
            team_id,
            author_id,
            "handoff.create",
            row.ref,
            given.channel_id,
            request_id or None,
            at=now,
        )
        return view_of(row, policy)


def check_patient(care: Care, team_id: str, typed: str) -> None:
    """Refuse a patient that can't be read, or a P-ref nobody has in this workspace."""
    with care.db.session(read_only=True) as session:
        _existing(session, team_id, typed)


def _existing(session: Session, team_id: str, typed: str) -> tuple[PatientSpec, PatientRow | None]:
    """The typed patient read, and the stored one it names (None for a new name)."""
    try:
        spec = read_patient(typed)
    except QuickFormError as problem:
        raise HandoffRefused(escape(str(problem))) from None
    if not spec.ref:
        return spec, None
    found = patients.get_by_ref(session, team_id, spec.ref)
    if found is None:
        raise HandoffRefused(
            f"There is no patient {spec.ref} here. Give the name instead, as in `{QUICK_USAGE}`."
        )
    return spec, found


def _patient(session: Session, team_id: str, typed: str, by: str, now: datetime) -> PatientRow:
    spec, found = _existing(session, team_id, typed)
    if found is not None:
        return found
    return patients.find_or_create(session, team_id, spec.name or "", spec.mrn, by, now=now)


def record_posted(care: Care, handoff: Handoff, message_ts: str) -> Handoff:
    """The card is in the channel: remember where, start the escalation clock and item reminders."""
    now = care.clock.now()
    # Read before the write session: one at a time.
    in_force = care.channel_settings(handoff.team_id, handoff.channel_id)
    ladder, policy = in_force.handoff_ladders[handoff.severity], in_force.patient_display
    with care.db.session() as session:
        handoffs.set_posted(session, handoff.team_id, handoff.id, message_ts, now)
        escalate_at = first_at(ladder, now)
        if escalate_at is not None and handoff.acknowledged_at is None:
            reminders.schedule(
                session, handoff.team_id, ESCALATION, handoff.ref, escalate_at, now=now
            )
        _plan_items(session, handoff, handoff.items, now)
        digest_schedule.plan(session, care.settings, handoff.team_id, handoff.channel_id, now)
        SqlAuditLog(session).record(
            handoff.team_id,
            handoff.author_id,
            "handoff.post",
            handoff.ref,
            handoff.channel_id,
            at=now,
        )
        row = handoffs.get(session, handoff.team_id, handoff.id)
        posted = view_of(row, policy)
    _redraw_homes(care, posted)
    return posted


def _redraw_homes(care: Care, *versions: Handoff) -> None:
    """Redraw the Home tabs of everyone a handoff (before and after a change) concerns."""
    people: set[str] = set()
    groups: set[str] = set()
    for handoff in versions:
        found_people, found_groups = concerned(handoff)
        people |= found_people
        groups |= found_groups
    care.home.changed(versions[0].team_id, people, groups)


def _plan_items(session: Session, handoff: Handoff, items: tuple[Item, ...], now: datetime) -> None:
    for item in items:
        subject = item_subject(handoff.ref, item.position)
        if item.owner and item.due and item.done_at is None:
            reminders.schedule(
                session, handoff.team_id, ACTION_DUE, subject, max(item.due, now), now=now
            )
        else:
            reminders.cancel(session, handoff.team_id, ACTION_DUE, subject, now=now)


@dataclass(frozen=True)
class Changed:
    """A handoff after an acknowledgement or a tick; `first` is False when someone was first."""

    handoff: Handoff
    first: bool


def acknowledge(
    care: Care, team_id: str, user_id: str, ref: str, synthesis: str, request_id: str = ""
) -> Changed:
    """The receiver's read-back closes the loop and stops the escalation; only one counts."""
    text = check_synthesis(synthesis)
    handoff = get(care, team_id, ref)
    if handoff.acknowledged_at is None and (
        refusal := acknowledge_refusal_for(care, team_id, user_id, handoff)
    ):
        raise HandoffRefused(refusal)
    now = care.clock.now()
    policy = care.channel_settings(team_id, handoff.channel_id).patient_display
    with care.db.session() as session:
        first = handoffs.acknowledge(session, team_id, handoff.id, user_id, text, now)
        if first:
            reminders.cancel(session, team_id, ESCALATION, handoff.ref, now=now)
            SqlAuditLog(session).record(
                team_id,
                user_id,
                "handoff.acknowledge",
                handoff.ref,
                handoff.channel_id,
                request_id or None,
                at=now,
            )
        row = handoffs.get(session, team_id, handoff.id)
        changed = Changed(view_of(row, policy), first)
    if first:
        _redraw_homes(care, changed.handoff)
    return changed


def mark_done(care: Care, team_id: str, user_id: str, ref: str, position: int) -> Changed:
    """Tick one action item off; a second tick (or a double click) changes nothing."""
    handoff = get(care, team_id, ref)
    if not any(i.position == position for i in handoff.items):
        raise HandoffRefused(f"{handoff.ref} has no action item {position}.")
    now = care.clock.now()
    policy = care.channel_settings(team_id, handoff.channel_id).patient_display
    with care.db.session() as session:
        first = handoffs.mark_done(session, team_id, handoff.id, position, user_id, now)
        if first:
            reminders.cancel(
                session, team_id, ACTION_DUE, item_subject(handoff.ref, position), now=now
            )
            SqlAuditLog(session).record(
                team_id, user_id, "handoff.action_done", handoff.ref, handoff.channel_id, at=now
            )
        row = handoffs.get(session, team_id, handoff.id)
        changed = Changed(view_of(row, policy), first)
    if first:
        _redraw_homes(care, changed.handoff)
    return changed


def edit(
    care: Care, team_id: str, user_id: str, ref: str, given: HandoffInput, request_id: str = ""
) -> Handoff:
    """The author completes or corrects a handoff that nobody has acknowledged yet."""
    handoff = get(care, team_id, ref)
    if user_id != handoff.author_id:
        raise HandoffRefused(f"Only <@{handoff.author_id}>, who wrote {handoff.ref}, can edit it.")
    if handoff.acknowledged_at is not None:
        raise HandoffRefused(
            f"{handoff.ref} was acknowledged by <@{handoff.acknowledged_by}>, so it stays as they "
            "read it. Post a new handoff for what changed."
        )
    sections = check_sections(handoff.template, given.sections)
    check_receiver(care, team_id, user_id, given.receiver)
    now = care.clock.now()
    zone = care.people.timezone(team_id, user_id)
    items = parse_actions(given.actions, care.times, now, zone) if given.actions else []
    check_owners(care, team_id, items)
    policy = care.channel_settings(team_id, handoff.channel_id).patient_display
    with care.db.session() as session:
        row = handoffs.get(session, team_id, handoff.id)
        if row.acknowledged_at is not None:
            raise HandoffRefused(f"{handoff.ref} was acknowledged a moment ago; it stays as read.")
        gone = {item_subject(row.ref, a.position) for a in row.actions}
        as_was = {_as_typed(a.position, a.text, a.owner_id, a.due_at) for a in row.actions}
        handoffs.replace_content(
            session,
            row,
            severity=given.severity.value,
            sections=sections,
            receiver_user=given.receiver.user_id,
            receiver_group=given.receiver.group_id,
            actions=items,
            now=now,
        )
        row = handoffs.get(session, team_id, handoff.id)
        edited = view_of(row, policy)
        for subject in gone - {item_subject(row.ref, i.position) for i in edited.items}:
            reminders.cancel(session, team_id, ACTION_DUE, subject, now=now)
        if edited.posted_at is not None:
            # An item typed back unchanged keeps its plan: its owner was reminded once already.
            changed = tuple(
                i
                for i in edited.items
                if _as_typed(i.position, i.text, i.owner, i.due) not in as_was
            )
            _plan_items(session, edited, changed, now)
            if edited.severity is not handoff.severity:
                _retime_escalation(care, session, edited, edited.posted_at, now)
        SqlAuditLog(session).record(
            team_id, user_id, "handoff.edit", row.ref, row.channel_id, request_id or None, at=now
        )
    if edited.posted_at is not None:  # before it is posted it waits for nobody
        _redraw_homes(care, handoff, edited)
    return edited


def _as_typed(
    position: int, text: str, owner: str | None, due: datetime | None
) -> tuple[int, str, str | None, datetime | None]:
    """An action item as the edit form writes it back: its due time to the minute."""
    return position, text, owner, due.replace(second=0, microsecond=0) if due else None


def _retime_escalation(
    care: Care, session: Session, handoff: Handoff, posted_at: datetime, now: datetime
) -> None:
    """A new severity climbs its own ladder from the post, past the rungs already sent."""
    in_force = channel_settings.for_channels_in(
        session, care.settings, handoff.team_id, [handoff.channel_id]
    )[handoff.channel_id]
    ladder = in_force.handoff_ladders[handoff.severity]
    if handoff.escalated >= len(ladder):
        reminders.cancel(session, handoff.team_id, ESCALATION, handoff.ref, now=now)
        return
    due = max(posted_at + ladder[handoff.escalated][1], now)
    reminders.schedule(session, handoff.team_id, ESCALATION, handoff.ref, due, now=now)


def remember_escalated(care: Care, handoff: Handoff, rungs: int) -> None:
    with care.db.session() as session:
        handoffs.set_escalated(session, handoff.team_id, handoff.id, rungs)
