"""Handoffs as plain values, read from storage: one by its ref, and what waits for a person.

Slack rendering stays in handlers; changes are in bot.handoffs.changes and the checks of
where a handoff may go and who may read it in bot.handoffs.access.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.rules.handoff import QUICK_USAGE, HandoffRefused, Receiver, Template
from bot.shared import channel_settings
from bot.shared.directory import members_of
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.mrkdwn import escape, plain_slack_text
from bot.shared.rules.people import UnknownPerson
from bot.shared.rules.severity import Severity
from storage.handoffs import queries as handoffs

if TYPE_CHECKING:
    from bot.runtime.services import Care
    from storage.handoffs.models import HandoffRow

log = logging.getLogger(__name__)

ESCALATION = "handoff-escalation"
ACTION_DUE = "handoff-action"
_RECEIVER = re.compile(
    r"\bto\s+(<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>|<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>)"
)
_BARE_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
_SEVERITY = re.compile(r"\b(stable|watcher|unstable)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HandoffInput:
    """A handoff as the author gave it, from the quick form or the modal."""

    patient: str  # as typed: "Jane Doe", "Jane Doe MRN 88123" or "P-4"
    channel_id: str
    template: Template = Template.IPASS
    severity: Severity = Severity.STABLE
    sections: dict[str, str] = field(default_factory=dict)  # plain text by section key
    actions: str = ""  # Slack-formatted lines: "Call family <@U1> by 5pm"
    receiver: Receiver = field(default_factory=Receiver)


@dataclass(frozen=True)
class Item:
    position: int
    text: str
    owner: str | None
    due: datetime | None
    done_by: str | None
    done_at: datetime | None


@dataclass(frozen=True)
class Handoff:
    """A stored handoff as plain values, for cards, lists and reminders."""

    id: int
    team_id: str
    ref: str
    template: Template
    severity: Severity
    sections: dict[str, str]
    patient: str  # shaped by the display policy, escaped: "J.D. (P-4)"
    patient_ref: str
    channel_id: str
    author_id: str
    receiver: Receiver
    items: tuple[Item, ...]
    message_ts: str | None
    posted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    synthesis: str | None
    escalated: int

    @property
    def open_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.done_at is None)


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
    return HandoffInput(
        patient=" ".join(plain_slack_text(head).split()),
        channel_id=channel_id,
        severity=severity,
        sections={"summary": plain_slack_text(summary).strip()},
        receiver=receiver,
    )


def plain_message(care: Care, team_id: str, text: str) -> str:
    """A Slack message's text as plain text for a summary: mentions read back, no pings."""

    def named(found: re.Match[str]) -> str:  # a message carries <@U123>, without the name
        try:
            return f"<@{found.group(1)}|{care.people.person(team_id, found.group(1)).name}>"
        except (UnknownPerson, SlackApiError):
            return found.group(0)

    return plain_slack_text(_BARE_MENTION.sub(named, text)).strip()


def get_many(
    care: Care, team_id: str, refs: Collection[str], *, as_posted: bool = False
) -> dict[str, Handoff]:
    """The handoffs with these refs that exist, by ref: one read however many there are.

    `as_posted`: patients shown as each one's channel says, for what is said in the channel.
    """
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        rows = handoffs.get_many_by_refs(session, team_id, refs)
        if not as_posted:
            return {ref: view_of(row, policy) for ref, row in rows.items()}
        channels = sorted({row.channel_id for row in rows.values()})
        in_force = channel_settings.for_channels_in(session, care.settings, team_id, channels)
        return {
            ref: view_of(row, in_force[row.channel_id].patient_display) for ref, row in rows.items()
        }


def item_subject(ref: str, position: int) -> str:
    """The reminder subject of one action item: "H-7/2"."""
    return f"{ref}/{position}"


def get(care: Care, team_id: str, ref: str, *, as_posted: bool = False) -> Handoff:
    """The handoff with this ref; HandoffRefused (saying so) when there is none.

    `as_posted`: patients shown as its channel's policy says, for redrawing its card there.
    """
    policy = care.patient_display(team_id)  # its own session: never one inside another
    with care.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, team_id, ref)
        if row is None:
            typed = escape(" ".join(ref.split())[:40]) or "(none given)"
            raise HandoffRefused(f"There is no handoff {typed} here. Example: H-7")
        if as_posted:
            channel = row.channel_id
            in_force = channel_settings.for_channels_in(session, care.settings, team_id, [channel])
            policy = in_force[channel].patient_display
        return view_of(row, policy)


@dataclass(frozen=True)
class MyHandoffs:
    """What /handoff list shows one person."""

    waiting: tuple[Handoff, ...]  # addressed to me or my roles, not yet acknowledged
    sent: tuple[Handoff, ...]  # mine, not yet acknowledged
    items: tuple[tuple[Handoff, Item], ...]  # my open action items


def waiting(care: Care, team_id: str, user_id: str, limit: int = 20) -> tuple[Handoff, ...]:
    """Posted handoffs waiting for this person's acknowledgement, as receiver or in a role."""
    with care.db.session(read_only=True) as session:
        groups = handoffs.open_groups(session, team_id)
    my_groups = [g for g in groups if user_id in members_of(care, g)]
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        rows = handoffs.waiting_for(session, team_id, user_id, my_groups, limit)
        return tuple(view_of(r, policy) for r in rows)


def open_items(
    care: Care, team_id: str, user_id: str, limit: int = 20
) -> tuple[tuple[Handoff, Item], ...]:
    """This person's action items not yet done, soonest due first, with their handoffs."""
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        return tuple(
            (
                view_of(a.handoff, policy, with_items=False),
                Item(a.position, a.text, a.owner_id, a.due_at, None, None),
            )
            for a in handoffs.open_actions_of(session, team_id, user_id, limit)
        )


def mine(care: Care, team_id: str, user_id: str) -> MyHandoffs:
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        sent = tuple(view_of(r, policy) for r in handoffs.sent_by(session, team_id, user_id))
    return MyHandoffs(waiting(care, team_id, user_id), sent, open_items(care, team_id, user_id))


def concerned(handoff: Handoff) -> tuple[set[str], set[str]]:
    """Whose day a change to this handoff touches: people, and user groups to expand."""
    people = {handoff.author_id, *(i.owner for i in handoff.items if i.owner)}
    if handoff.receiver.user_id:
        people.add(handoff.receiver.user_id)
    groups = {handoff.receiver.group_id} if handoff.receiver.group_id else set()
    return people, groups
