"""Changing handoffs: create and post, acknowledge, tick items off, edit; each audited.

Each operation takes the person acting and checks access first (bot.handoffs.access). A
handoff is stored before it is posted, so a post Slack refuses loses nothing. Every change
reads what it needs from Slack first and only then opens its write session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.handoffs.access import HandoffAccess
from bot.handoffs.lists import (
    ACKNOWLEDGED,
    ACTION_DUE,
    DELIVER,
    ESCALATION,
    HandoffReader,
    view_of,
)
from bot.handoffs.patients import existing_patient, stored_patient
from bot.handoffs.planning import as_typed, plan_items, retime_escalation
from bot.handoffs.rules.actions import ActionItem, parse_actions
from bot.handoffs.rules.escalation import first_at
from bot.handoffs.rules.handoff import HandoffRefused, Receiver, check_sections, check_synthesis
from bot.handoffs.rules.records import Handoff, HandoffInput, concerned, item_subject
from bot.shared.access import Actor
from bot.shared.patients import WhichPatient
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.people_match import NobodyByThatName
from storage import SqlAuditLog, reminders
from storage.handoffs import queries as handoffs

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.home import HomeTab
    from bot.shared.messages import Sent

log = logging.getLogger(__name__)

# Make sure a channel that gets handoffs gets its daily digest: (session, team, channel, now).
PlanDigest = Callable[["Session", str, str, datetime], None]


@dataclass(frozen=True)
class Changed:
    """A handoff after an acknowledgement or a tick; `first` is False when someone was first."""

    handoff: Handoff
    first: bool


@dataclass(frozen=True)
class FormProblems:
    """What is wrong in a handoff form, by field, to show under each before the ack."""

    patient: str | None = None
    sections: str | None = None
    actions: str | None = None
    channel: str | None = None
    receiver: str | None = None


class HandoffChanges(RecordsUseCase):
    """Create, post, acknowledge, tick off and edit handoffs, for whoever may."""

    def __init__(
        self,
        records: Records,
        *,
        who: HandoffAccess,
        reader: HandoffReader,
        home: HomeTab,
        plan_digest: PlanDigest,
    ) -> None:
        super().__init__(records)
        self.who, self.reader, self.home, self.plan_digest = who, reader, home, plan_digest

    def may_write(self, actor: Actor) -> None:
        """Opening the handoff form (command, button, shortcut): care-team members only."""
        self.who.require_care_team(actor, "write handoffs")

    def check_form(
        self, actor: Actor, given: HandoffInput, editing: Handoff | None
    ) -> FormProblems:
        """Problems to show under their fields, checked before the ack (the channel's refusal
        is audited, as when posting)."""
        problems: dict[str, str] = {}
        if editing is None:
            zone = self.people.timezone(actor.team_id, actor.user_id)
            try:
                existing_patient(self.db, actor.team_id, given.patient, self.clock.now(), zone)
            except WhichPatient as unsure:
                problems["patient"] = unsure.field_text
            except HandoffRefused as problem:
                problems["patient"] = str(problem)
        try:
            check_sections(given.template, given.sections)
        except HandoffRefused as problem:
            problems["sections"] = str(problem)
        try:
            self.who.check_owners(actor.team_id, self._items(actor, given))
        except HandoffRefused as problem:
            problems["actions"] = str(problem)
        if editing is None and given.channel_id:
            try:
                self.who.check_channel(actor, given.channel_id)
            except HandoffRefused as problem:
                problems["channel"] = str(problem)
        try:
            self.who.check_receiver(actor.team_id, actor.user_id, given.receiver)
        except HandoffRefused as problem:
            problems["receiver"] = str(problem)
        return FormProblems(**problems)

    def create(self, actor: Actor, given: HandoffInput) -> Handoff:
        """Check and store a handoff (not yet posted); raises HandoffRefused with the reason."""
        team, author = actor.team_id, actor.user_id
        given = self._receiver_named(team, given)
        sections = check_sections(given.template, given.sections)
        self.who.check_receiver(team, author, given.receiver)
        now = self.clock.now()
        items = self._items(actor, given)
        self.who.check_owners(team, items)
        # Where first: with no care-team channel yet, saying how to register one helps most.
        self.who.check_channel(actor, given.channel_id)
        self.who.require_care_team(actor, "write handoffs")
        # The card goes to the channel: its patients are shown as that channel says.
        in_force = self.in_force.for_channel(team, given.channel_id)
        policy = in_force.patient_display
        zone = self.people.timezone(team, author)  # for the visits a question about patients names
        with self.db.session() as session:
            patient = stored_patient(session, team, given.patient, author, now, zone)
            row = handoffs.add(
                session,
                team,
                patient_id=patient.id,
                template=given.template.value,
                severity=given.severity.value,
                sections=sections,
                channel_id=given.channel_id,
                author_id=author,
                receiver_user=given.receiver.user_id,
                receiver_group=given.receiver.group_id,
                actions=items,
                now=now,
            )
            SqlAuditLog(session).record(
                team, author, "handoff.create", row.ref, given.channel_id, actor.request_id, at=now
            )
            written = view_of(row, policy)
            # In the same transaction, so a crash after it loses none of them: the card's
            # delivery (sent at once, retried by the sweep), the escalation counted from now,
            # the item reminders and the channel's digest.
            reminders.schedule(session, team, DELIVER, written.ref, now, now=now)
            escalate_at = first_at(in_force.handoff_ladders[written.severity], now)
            if escalate_at is not None:
                reminders.schedule(session, team, ESCALATION, written.ref, escalate_at, now=now)
            plan_items(session, written, written.items, now)
            self.plan_digest(session, team, given.channel_id, now)
        self._redraw_homes(written)
        return written

    def _receiver_named(self, team: str, given: HandoffInput) -> HandoffInput:
        """A receiver typed without a mention, found: one person or role, never a guess."""
        if not given.receiver_typed:
            return given
        # A name that is no one for sure is asked back (NobodyByThatName).
        found = self.people.named(
            team,
            given.receiver_typed,
            what="receiver",
            example=f"`/handoff {given.patient or 'Jane Doe'} to {{mention}}: ...`",
            groups=True,
        )
        receiver = Receiver(group_id=found.id) if found.id.startswith("S") else Receiver(found.id)
        return replace(given, receiver=receiver, receiver_typed=None)

    def repost(self, actor: Actor, ref: str) -> Handoff:
        """Its author asks again for a card Slack refused: its delivery is due again now."""
        handoff = self.reader.authored(actor, ref, "post handoffs", "post it again")
        if handoff.message_ts is None:
            now = self.clock.now()
            with self.db.session() as session:
                reminders.schedule(session, handoff.team_id, DELIVER, handoff.ref, now, now=now)
        return handoff

    def record_posted(self, handoff: Handoff, message_ts: str) -> Handoff:
        """The card is in the channel: remember where (its reminders were planned when it was
        written)."""
        now = self.clock.now()
        policy = self.in_force.for_channel(handoff.team_id, handoff.channel_id).patient_display
        with self.db.session() as session:
            handoffs.set_posted(session, handoff.team_id, handoff.id, message_ts, now)
            SqlAuditLog(session).record(
                handoff.team_id,
                handoff.author_id,
                "handoff.post",
                handoff.ref,
                handoff.channel_id,
                at=now,
            )
            posted = view_of(handoffs.get(session, handoff.team_id, handoff.id), policy)
        self._redraw_homes(posted)
        return posted

    def acknowledge(self, actor: Actor, ref: str, synthesis: str) -> Changed:
        """The receiver's read-back closes the loop and stops the escalation; only one counts."""
        handoff = self.reader.found(actor, ref, "acknowledge handoffs")
        self.who.require_acknowledger(actor, handoff)
        text = check_synthesis(synthesis)
        team, user = actor.team_id, actor.user_id
        now = self.clock.now()
        policy = self.in_force.for_channel(team, handoff.channel_id).patient_display
        with self.db.session() as session:
            first = handoffs.acknowledge(session, team, handoff.id, user, text, now)
            if first:
                reminders.cancel(session, team, ESCALATION, handoff.ref, now=now)
                # What asked for the read-back is redrawn, and the author hears it: committed
                # with it, sent at once by the listener and retried by the sweep.
                reminders.schedule(session, team, ACKNOWLEDGED, handoff.ref, now, now=now)
                SqlAuditLog(session).record(
                    team,
                    user,
                    "handoff.acknowledge",
                    handoff.ref,
                    handoff.channel_id,
                    actor.request_id,
                    at=now,
                )
            changed = Changed(view_of(handoffs.get(session, team, handoff.id), policy), first)
        if first:
            self._redraw_homes(changed.handoff)
        return changed

    def mark_done(self, actor: Actor, ref: str, position: int) -> Changed:
        """Tick one action item off; a second tick (or a double click) changes nothing."""
        handoff = self.reader.found(actor, ref, "tick off action items")
        self.who.require_ticker(actor, handoff, position)
        team, user = actor.team_id, actor.user_id
        now = self.clock.now()
        policy = self.in_force.for_channel(team, handoff.channel_id).patient_display
        with self.db.session() as session:
            first = handoffs.mark_done(session, team, handoff.id, position, user, now)
            if first:
                subject = item_subject(handoff.ref, position)
                reminders.cancel(session, team, ACTION_DUE, subject, now=now)
                SqlAuditLog(session).record(
                    team, user, "handoff.action_done", handoff.ref, handoff.channel_id, at=now
                )
            changed = Changed(view_of(handoffs.get(session, team, handoff.id), policy), first)
        if first:
            self._redraw_homes(changed.handoff)
        return changed

    def edit(self, actor: Actor, ref: str, given: HandoffInput) -> Handoff:
        """The author completes or corrects a handoff that nobody has acknowledged yet."""
        handoff = self.reader.for_edit(actor, ref)
        if handoff.acknowledged_at is not None:
            raise HandoffRefused(
                f"{handoff.ref} was acknowledged by <@{handoff.acknowledged_by}>, so it stays as "
                "they read it. Post a new handoff for what changed."
            )
        team, user = actor.team_id, actor.user_id
        sections = check_sections(handoff.template, given.sections)
        self.who.check_receiver(team, user, given.receiver)
        now = self.clock.now()
        items = self._items(actor, given)
        self.who.check_owners(team, items)
        in_force = self.in_force.for_channel(team, handoff.channel_id)
        with self.db.session() as session:
            row = handoffs.get(session, team, handoff.id)
            if row.acknowledged_at is not None:
                raise HandoffRefused(
                    f"{handoff.ref} was acknowledged a moment ago; it stays as read."
                )
            gone = {item_subject(row.ref, a.position) for a in row.actions}
            as_was = {as_typed(a.position, a.text, a.owner_id, a.due_at) for a in row.actions}
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
            row = handoffs.get(session, team, handoff.id)
            edited = view_of(row, in_force.patient_display)
            for subject in gone - {item_subject(row.ref, i.position) for i in edited.items}:
                reminders.cancel(session, team, ACTION_DUE, subject, now=now)
            # An item typed back unchanged keeps its plan: its owner was reminded once already.
            changed = tuple(
                i
                for i in edited.items
                if as_typed(i.position, i.text, i.owner, i.due) not in as_was
            )
            plan_items(session, edited, changed, now)
            if edited.severity is not handoff.severity:
                ladder = in_force.handoff_ladders[edited.severity]
                retime_escalation(session, edited, ladder, now)
            SqlAuditLog(session).record(
                team, user, "handoff.edit", row.ref, row.channel_id, actor.request_id, at=now
            )
        self._redraw_homes(handoff, edited)
        return edited

    def remember_escalated(self, handoff: Handoff, rungs: int, asks: Sequence[Sent] = ()) -> None:
        """The rungs climbed, and the messages that asked for the read-back."""
        with self.db.session() as session:
            handoffs.set_escalated(session, handoff.team_id, handoff.id, rungs)
            handoffs.add_asks(
                session, handoff.team_id, handoff.id, [(s.channel, s.ts) for s in asks]
            )

    def remember_asks(self, handoff: Handoff, asks: Sequence[Sent]) -> None:
        """Messages that asked for the read-back (the receiver's copy of an unposted card)."""
        with self.db.session() as session:
            handoffs.add_asks(
                session, handoff.team_id, handoff.id, [(s.channel, s.ts) for s in asks]
            )

    def _items(self, actor: Actor, given: HandoffInput) -> list[ActionItem]:
        """The action list as typed, its times read in the author's zone."""
        if not given.actions:
            return []
        zone = self.people.timezone(actor.team_id, actor.user_id)
        items = parse_actions(given.actions, self.times, self.clock.now(), zone)
        return [self._owner_named(actor.team_id, item) for item in items]

    def _owner_named(self, team: str, item: ActionItem) -> ActionItem:
        """An owner typed as text ("@sam"), found for sure, or the list is refused."""
        if not item.owner_typed:
            return item
        try:
            found = self.people.named(
                team, item.owner_typed, what="owner", example="`Recheck K+ {mention} by 6am`"
            )
        except NobodyByThatName as refused:
            raise HandoffRefused(f'In "{escape(item.text)}": {refused}') from None
        return replace(item, owner=found.id, owner_typed=None)

    def _redraw_homes(self, *versions: Handoff) -> None:
        """Redraw the Home tabs of everyone a handoff (before and after a change) concerns."""
        people: set[str] = set()
        groups: set[str] = set()
        for handoff in versions:
            found_people, found_groups = concerned(handoff)
            people |= found_people
            groups |= found_groups
        self.home.changed(versions[0].team_id, people, groups)
