"""Reading handoffs: one by its ref (for whoever may read it), and what waits for a person.

Slack rendering stays in handlers; changes are in bot.handoffs.changes and who may read
what in bot.handoffs.access.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.handoffs.access import HandoffAccess
from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused, Receiver, Template
from bot.handoffs.rules.records import (
    Handoff,
    HandoffInput,
    Item,
    concerned,
    item_subject,
)
from bot.shared.access import Actor
from bot.shared.audit_trail import parse_ref
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.mrkdwn import escape, plain_slack_text
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.severity import Severity
from storage.handoffs import queries as handoffs

if TYPE_CHECKING:
    from storage.handoffs.models import HandoffRow

__all__ = ["Handoff", "HandoffInput", "Item", "concerned", "item_subject"]

log = logging.getLogger(__name__)

DELIVER = "handoff-deliver"  # subject: the H-ref; its card (and, if that fails, DMs)
ACKNOWLEDGED = "handoff-acked"  # subject: the H-ref; redraw what asked, tell the author
ESCALATION = "handoff-escalation"
ACTION_DUE = "handoff-action"
MOST = 20  # what /handoff list reads of each list
_RECEIVER = re.compile(
    r"\bto\s+(<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>|<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>)"
)
_BARE_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
# "to" and one to three words that end the part before the colon: "Jane Doe to sam.nurse".
_TYPED_RECEIVER = re.compile(r"\s+to\s+(@?[^\s:]+(?:\s+[^\s:]+){0,2})\s*$", re.IGNORECASE)
_SEVERITY = re.compile(r"\b(stable|watcher|unstable)\b", re.IGNORECASE)


def view_of(row: HandoffRow, policy: PatientDisplay, *, with_items: bool = True) -> Handoff:
    """The row as plain values; `with_items=False` for rows loaded without their items."""
    patient = row.patient
    return Handoff(
        id=row.id,
        team_id=row.team_id,
        ref=row.ref,
        template=Template(row.template),
        severity=Severity(row.severity),
        sections=dict(row.sections),
        patient=patient_label(policy, patient.ref, patient.display_name),
        patient_ref=patient.ref,
        channel_id=row.channel_id,
        author_id=row.author_id,
        receiver=Receiver(row.receiver_user, row.receiver_group),
        items=tuple(
            Item(a.position, a.text, a.owner_id, a.due_at, a.done_by, a.done_at)
            for a in (row.actions if with_items else ())
        ),
        written_at=row.created_at,
        message_ts=row.message_ts,
        posted_at=row.posted_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        synthesis=row.synthesis,
        escalated=row.escalated,
    )


def read_quick(text: str, channel_id: str) -> HandoffInput:
    """`<patient> [to @someone|@role] [severity]: <summary>` as a handoff input."""
    head, colon, summary = text.partition(":")
    if not colon or not summary.strip() or not head.strip():
        raise HandoffRefused(
            "Give the patient, a colon, then the handoff. Example: "
            f"`{QUICK_USAGE}` (or `/handoff` alone for the I-PASS form)."
        )
    receiver = Receiver()
    if (to := _RECEIVER.search(head)) is not None:
        receiver = Receiver(to.group(2), to.group(3))
        head = head[: to.start()] + head[to.end() :]
    severity = Severity.STABLE
    if (word := _SEVERITY.search(head)) is not None:
        severity = Severity(word.group(1).lower())
        head = head[: word.start()] + head[word.end() :]
    if "<@" in head or "<!subteam" in head:
        raise HandoffRefused(f"Name the receiver with `to`, as in `{QUICK_USAGE}`.")
    typed = None
    # "to sam.nurse" or a mistyped "to @sam" is a receiver to find, not part of a name.
    unnamed = not receiver.user_id and not receiver.group_id
    if unnamed and (named := _TYPED_RECEIVER.search(head)) is not None:
        typed = " ".join(plain_slack_text(named.group(1)).split())
        head = head[: named.start()]
    return HandoffInput(
        patient=" ".join(plain_slack_text(head).split()),
        channel_id=channel_id,
        severity=severity,
        sections={"summary": plain_slack_text(summary).strip()},
        receiver=receiver,
        receiver_typed=typed,
    )


@dataclass(frozen=True)
class MyHandoffs:
    """What /handoff list shows one person."""

    waiting: tuple[Handoff, ...]  # addressed to me or my roles, not yet acknowledged
    sent: tuple[Handoff, ...]  # mine, not yet acknowledged
    items: tuple[tuple[Handoff, Item], ...]  # my open action items


class HandoffReader(RecordsUseCase):
    """Handoffs as plain values, each read for a person who may read it."""

    def __init__(self, records: Records, *, who: HandoffAccess) -> None:
        super().__init__(records)
        self.who = who

    # -- operations: each takes the person acting and checks access first ---------------

    def show(self, actor: Actor, typed: str) -> Handoff:
        """/handoff show: for whoever may read it (see HandoffAccess.require_reader)."""
        return self.readable(actor, typed, "look up handoffs")

    def readable(self, actor: Actor, typed: str, doing: str) -> Handoff:
        """The handoff `typed` names, when the actor may read it; someone in no care team
        learns nothing, not even whether it exists."""
        found = self.found(actor, typed, doing)
        self.who.require_reader(actor, found, doing)
        return found

    def found(self, actor: Actor, typed: str, doing: str) -> Handoff:
        """The handoff `typed` names; when there is none, someone in no care team is refused
        (audited) rather than told so. Access to the handoff found is the caller's to check."""
        handoff = self.find(actor.team_id, typed)
        if handoff is None:
            self.who.require_care_team(actor, doing, parse_ref(typed))
            raise _missing(typed)
        return handoff

    def for_read_back(self, actor: Actor, ref: str) -> Handoff:
        """The handoff whose read-back form the actor opens: only someone who may acknowledge
        it, and only while nobody has."""
        handoff = self.found(actor, ref, "acknowledge handoffs")
        self.who.require_acknowledger(actor, handoff)
        if handoff.acknowledged_at is not None:
            raise HandoffRefused(
                f"{handoff.ref} was already acknowledged by <@{handoff.acknowledged_by}>."
            )
        return handoff

    def for_edit(self, actor: Actor, ref: str) -> Handoff:
        """The handoff its author opens (or submits) the edit form for."""
        return self.authored(actor, ref, "edit handoffs", "edit it")

    def authored(self, actor: Actor, ref: str, doing: str, what: str) -> Handoff:
        handoff = self.found(actor, ref, doing)
        self.who.require_author(actor, handoff, doing, what)
        return handoff

    def mine(self, actor: Actor) -> MyHandoffs:
        """/handoff list: for care-team members."""
        self.who.require_care_team(actor, "list handoffs")
        team, user = actor.team_id, actor.user_id
        policy = self.in_force.patient_display(team)
        with self.db.session(read_only=True) as session:
            sent = tuple(view_of(r, policy) for r in handoffs.sent_by(session, team, user))
        return MyHandoffs(self._waiting(team, user, MOST), sent, self._open_items(team, user, MOST))

    def waiting(self, actor: Actor, limit: int) -> tuple[Handoff, ...]:
        """Posted handoffs waiting for this person's read-back (Home): for care-team members."""
        self.who.require_care_team(actor, "list handoffs")
        return self._waiting(actor.team_id, actor.user_id, limit)

    def open_items(self, actor: Actor, limit: int) -> tuple[tuple[Handoff, Item], ...]:
        """This person's open action items (Home): for care-team members."""
        self.who.require_care_team(actor, "list handoffs")
        return self._open_items(actor.team_id, actor.user_id, limit)

    # -- reads for the bot itself (cards, reminders): no person is acting ----------------

    def find(self, team_id: str, ref: str, *, as_posted: bool = False) -> Handoff | None:
        """The handoff with this ref, or None.

        `as_posted`: patients shown as its channel's policy says, for redrawing its card there.
        """
        policy = self.in_force.patient_display(team_id)  # its own session: never one in another
        with self.db.session(read_only=True) as session:
            row = handoffs.get_by_ref(session, team_id, ref)
            if row is None:
                return None
            if as_posted:
                channel = row.channel_id
                policy = self.in_force.in_session(session, team_id, [channel])[
                    channel
                ].patient_display
            return view_of(row, policy)

    def get(self, team_id: str, ref: str, *, as_posted: bool = False) -> Handoff:
        """The handoff with this ref; HandoffRefused (saying so) when there is none."""
        found = self.find(team_id, ref, as_posted=as_posted)
        if found is None:
            raise _missing(ref)
        return found

    def get_many(self, team_id: str, refs: Collection[str]) -> dict[str, Handoff]:
        """The handoffs with these refs that exist, by ref, patients shown as each one's channel
        says (for what is said in the channel): one read however many there are."""
        with self.db.session(read_only=True) as session:
            rows = handoffs.get_many_by_refs(session, team_id, refs)
            channels = sorted({row.channel_id for row in rows.values()})
            in_force = self.in_force.in_session(session, team_id, channels)
            return {
                ref: view_of(row, in_force[row.channel_id].patient_display)
                for ref, row in rows.items()
            }

    def asks(self, handoff: Handoff) -> list[tuple[str, str]]:
        """Where messages asked for its read-back (channel, ts), oldest first."""
        with self.db.session(read_only=True) as session:
            return handoffs.asks_of(session, handoff.team_id, handoff.id)

    def card_zone(self, handoff: Handoff) -> ZoneInfo:
        """The zone a handoff's card shows its times in: its channel's."""
        return self.in_force.for_channel(handoff.team_id, handoff.channel_id).timezone

    def plain_message(self, team_id: str, text: str) -> str:
        """A Slack message's text as plain text for a summary: mentions read back, no pings."""

        def named(found: re.Match[str]) -> str:  # a message carries <@U123>, without the name
            try:
                return f"<@{found.group(1)}|{self.people.person(team_id, found.group(1)).name}>"
            except (UnknownPerson, SlackApiError):
                return found.group(0)

        return plain_slack_text(_BARE_MENTION.sub(named, text)).strip()

    def _waiting(self, team_id: str, user_id: str, limit: int) -> tuple[Handoff, ...]:
        with self.db.session(read_only=True) as session:
            groups = handoffs.open_groups(session, team_id)
        my_groups = [g for g in groups if user_id in self.who.role_members(Receiver(None, g))]
        policy = self.in_force.patient_display(team_id)
        with self.db.session(read_only=True) as session:
            rows = handoffs.waiting_for(session, team_id, user_id, my_groups, limit)
            return tuple(view_of(r, policy) for r in rows)

    def _open_items(
        self, team_id: str, user_id: str, limit: int
    ) -> tuple[tuple[Handoff, Item], ...]:
        policy = self.in_force.patient_display(team_id)
        with self.db.session(read_only=True) as session:
            return tuple(
                (
                    view_of(a.handoff, policy, with_items=False),
                    Item(a.position, a.text, a.owner_id, a.due_at, None, None),
                )
                for a in handoffs.open_actions_of(session, team_id, user_id, limit)
            )


def _missing(typed: str) -> HandoffRefused:
    shown = escape(" ".join(typed.split())[:40]) or "(none given)"
    return HandoffRefused(f"There is no handoff {shown} here. Example: H-7")
