"""A handoff as plain values: what the author gave, and what is stored, for cards and reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.handoffs.rules.handoff import Receiver, Template
from bot.shared.rules.severity import Severity


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
    # A receiver typed without a mention ("to sam.nurse", a mistyped "to @sam"): resolved to
    # one person or role, or refused with the closest matches, before anything is stored.
    receiver_typed: str | None = None


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
    written_at: datetime  # its escalation counts from here, posted or not
    message_ts: str | None  # the channel card; None until Slack took it
    posted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    synthesis: str | None
    escalated: int

    @property
    def open_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.done_at is None)

    def item(self, position: int) -> Item | None:
        return next((i for i in self.items if i.position == position), None)

    def named(self, user_id: str) -> bool:
        """True for its author, its receiver and its action items' owners."""
        owners = {i.owner for i in self.items if i.owner}
        return user_id in {self.author_id, self.receiver.user_id, *owners}


def concerned(handoff: Handoff) -> tuple[set[str], set[str]]:
    """Whose day a change to this handoff touches: people, and user groups to expand."""
    people = {handoff.author_id, *(i.owner for i in handoff.items if i.owner)}
    if handoff.receiver.user_id:
        people.add(handoff.receiver.user_id)
    groups = {handoff.receiver.group_id} if handoff.receiver.group_id else set()
    return people, groups


def item_subject(ref: str, position: int) -> str:
    """The reminder subject of one action item: "H-7/2"."""
    return f"{ref}/{position}"


def item_of_subject(subject: str) -> tuple[str, int | None]:
    """ "H-7/2" -> ("H-7", 2); a subject without a readable position gives None."""
    ref, _, position = subject.partition("/")
    return ref, int(position) if position.isdigit() else None
