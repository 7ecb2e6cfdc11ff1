"""Handoffs: write one for a care-team channel, acknowledge it with a read-back, tick items off.

Slack rendering stays in handlers; this module checks, stores, schedules and audits. A
handoff is stored before it is posted, so a post Slack refuses loses nothing: the author
is told why and can post it again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.core.display import PatientDisplay, patient_label
from bot.core.escalation import first_at
from bot.core.handoff_actions import parse_actions
from bot.core.handoffs import (
    QUICK_USAGE,
    HandoffRefused,
    Receiver,
    Severity,
    Template,
    acknowledge_refusal,
    check_sections,
    check_synthesis,
)
from bot.core.mrkdwn import escape, plain_slack_text
from bot.core.people import UnknownPerson
from bot.core.quickform import QuickFormError, read_patient
from storage import SqlAuditLog, handoffs, patients, reminders

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.services import Care
    from storage.handoff_models import HandoffRow
    from storage.models import PatientRow

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


def check_channel(care: Care, channel_id: str) -> None:
    """Refuse a channel a handoff cannot go to: a DM, an archived channel, one without the bot."""
    invite = "Invite me there with `/invite @carebot`, then try again."
    if channel_id.startswith("D"):
        raise HandoffRefused(
            "Handoffs go to a care-team channel, not a direct message. Run `/handoff` in the "
            "team's channel, or pick the channel in the form."
        )
    try:
        channel = care.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            raise HandoffRefused(f"I can't see <#{channel_id}>. {invite}") from None
        raise
    if channel.get("is_im") or channel.get("is_mpim"):
        raise HandoffRefused("Handoffs go to a care-team channel, not a direct message.")
    if channel.get("is_archived"):
        raise HandoffRefused(
            f"<#{channel_id}> is archived, so nobody would see the handoff there. "
            "Pick the team's current channel."
        )
    if channel.get("is_member") is False:
        raise HandoffRefused(f"I'm not in <#{channel_id}>. {invite}")


def check_receiver(care: Care, team_id: str, author_id: str, receiver: Receiver) -> None:
    if receiver.user_id:
        if receiver.user_id == author_id:
            raise HandoffRefused(
                "You can't hand off to yourself: name who takes over, or leave the receiver "
                "empty so anyone in the channel can acknowledge."
            )
        try:
            person = care.people.person(team_id, receiver.user_id)
        except UnknownPerson:
            raise HandoffRefused("I can't find that receiver in this workspace.") from None
        if not person.can_be_assigned:
            raise HandoffRefused(
                f"<@{receiver.user_id}> can't receive handoffs (a bot or a deactivated "
                "account). Name someone on the team."
            )
    if receiver.group_id and not members_of(care, receiver.group_id):
        raise HandoffRefused(
            f"The group <!subteam^{receiver.group_id}> has nobody in it (or I can't read it). "
            "Name a person, or a group with members."
        )


def members_of(care: Care, group_id: str) -> frozenset[str]:
    """Who is in a Slack user group now; empty when Slack can't say."""
    try:
        answer = care.slack.usergroups_users_list(usergroup=group_id)
    except SlackApiError as error:
        log.info("could not read a user group's members: %s", error.response.get("error"))
        return frozenset()
    return frozenset(answer.get("users") or ())


def check_can_read(care: Care, handoff: Handoff, user_id: str) -> None:
    """Refuse someone the handoff was not for: patient details stay with the care team.

    Its author, receiver (or a member of its role), an action item's owner and anyone in
    its channel may read it.
    """
    named = {handoff.author_id, handoff.receiver.user_id, *(i.owner for i in handoff.items)}
    if user_id in named:
        return
    if handoff.receiver.group_id and user_id in members_of(care, handoff.receiver.group_id):
        return
    if user_id in _channel_members(care, handoff.channel_id):
        return
    raise HandoffRefused(
        f"{handoff.ref} was posted in <#{handoff.channel_id}>, which you're not in, so I can't "
        f"show it to you. Ask <@{handoff.author_id}>, who wrote it."
    )


def _channel_members(care: Care, channel_id: str) -> frozenset[str]:
    """Who is in a channel now; empty when Slack can't say (so nobody extra reads it)."""
    members: set[str] = set()
    cursor = ""
    try:
        while True:
            page = care.slack.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
            members.update(page.get("members") or ())
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return frozenset(members)
    except SlackApiError as error:
        log.info("could not read a channel's members: %s", error.response.get("error"))
        return frozenset()


def create(
    care: Care, team_id: str, author_id: str, given: HandoffInput, request_id: str
) -> Handoff:
    """Check and store a handoff (not yet posted); raises HandoffRefused with the reason."""
    sections = check_sections(given.template, given.sections)
    check_receiver(care, team_id, author_id, given.receiver)
    zone = care.people.timezone(team_id, author_id)
    now = care.clock.now()
    items = parse_actions(given.actions, care.times, now, zone) if given.actions else []
    check_channel(care, given.channel_id)
    policy = care.patient_display(team_id)
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
            team_id, author_id, "handoff.create", row.ref, given.channel_id, request_id or None
        )
        return view_of(row, policy)


def _patient(session: Session, team_id: str, typed: str, by: str, now: datetime) -> PatientRow:
    try:
        spec = read_patient(typed)
    except QuickFormError as problem:
        raise HandoffRefused(escape(str(problem))) from None
    if spec.ref:
        found = patients.get_by_ref(session, team_id, spec.ref)
        if found is None:
            raise HandoffRefused(
                f"There is no patient {spec.ref} here. Give the name instead, as in "
                f"`{QUICK_USAGE}`."
            )
        return found
    return patients.find_or_create(session, team_id, spec.name or "", spec.mrn, by, now=now)


def record_posted(care: Care, handoff: Handoff, message_ts: str) -> Handoff:
    """The card is in the channel: remember where, start the escalation clock and item reminders."""
    now = care.clock.now()
    ladder = care.settings.handoff_ladders[handoff.severity]
    policy = care.patient_display(handoff.team_id)  # read before the write session: one at a time
    with care.db.session() as session:
        handoffs.set_posted(session, handoff.team_id, handoff.id, message_ts, now)
        escalate_at = first_at(ladder, now)
        if escalate_at is not None and handoff.acknowledged_at is None:
            reminders.schedule(
                session, handoff.team_id, ESCALATION, handoff.ref, escalate_at, now=now
            )
        _plan_items(session, handoff, handoff.items, now)
        SqlAuditLog(session).record(
            handoff.team_id, handoff.author_id, "handoff.post", handoff.ref, handoff.channel_id
        )
        row = handoffs.get(session, handoff.team_id, handoff.id)
        return view_of(row, policy)


def _plan_items(session: Session, handoff: Handoff, items: tuple[Item, ...], now: datetime) -> None:
    for item in items:
        subject = item_subject(handoff.ref, item.position)
        if item.owner and item.due and item.done_at is None:
            reminders.schedule(
                session, handoff.team_id, ACTION_DUE, subject, max(item.due, now), now=now
            )
        else:
            reminders.cancel(session, handoff.team_id, ACTION_DUE, subject, now=now)


def item_subject(ref: str, position: int) -> str:
    """The reminder subject of one action item: "H-7/2"."""
    return f"{ref}/{position}"


def get(care: Care, team_id: str, ref: str) -> Handoff:
    """The handoff with this ref; HandoffRefused (saying so) when there is none."""
    policy = care.patient_display(team_id)  # its own session: never one inside another
    with care.db.session(read_only=True) as session:
        row = handoffs.get_by_ref(session, team_id, ref)
        if row is None:
            typed = escape(" ".join(ref.split())[:40]) or "(none given)"
            raise HandoffRefused(f"There is no handoff {typed} here. Example: H-7")
        return view_of(row, policy)


def acknowledge_refusal_for(care: Care, team_id: str, user_id: str, handoff: Handoff) -> str | None:
    """Why this user may not acknowledge this handoff now, or None when they may."""
    if handoff.acknowledged_at is not None:
        return f"{handoff.ref} was already acknowledged by <@{handoff.acknowledged_by}>."
    receiver = handoff.receiver
    in_role = bool(receiver.group_id) and user_id in members_of(care, receiver.group_id or "")
    return acknowledge_refusal(user_id, handoff.author_id, receiver, in_role)


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
    policy = care.patient_display(team_id)
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
            )
        row = handoffs.get(session, team_id, handoff.id)
        return Changed(view_of(row, policy), first)


def mark_done(care: Care, team_id: str, user_id: str, ref: str, position: int) -> Changed:
    """Tick one action item off; a second tick (or a double click) changes nothing."""
    handoff = get(care, team_id, ref)
    if not any(i.position == position for i in handoff.items):
        raise HandoffRefused(f"{handoff.ref} has no action item {position}.")
    now = care.clock.now()
    policy = care.patient_display(team_id)
    with care.db.session() as session:
        first = handoffs.mark_done(session, team_id, handoff.id, position, user_id, now)
        if first:
            reminders.cancel(
                session, team_id, ACTION_DUE, item_subject(handoff.ref, position), now=now
            )
            SqlAuditLog(session).record(
                team_id, user_id, "handoff.action_done", handoff.ref, handoff.channel_id
            )
        row = handoffs.get(session, team_id, handoff.id)
        return Changed(view_of(row, policy), first)


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
    policy = care.patient_display(team_id)
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
            team_id, user_id, "handoff.edit", row.ref, row.channel_id, request_id or None
        )
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
    ladder = care.settings.handoff_ladders[handoff.severity]
    if handoff.escalated >= len(ladder):
        reminders.cancel(session, handoff.team_id, ESCALATION, handoff.ref, now=now)
        return
    due = max(posted_at + ladder[handoff.escalated][1], now)
    reminders.schedule(session, handoff.team_id, ESCALATION, handoff.ref, due, now=now)


def remember_escalated(care: Care, handoff: Handoff, rungs: int) -> None:
    with care.db.session() as session:
        handoffs.set_escalated(session, handoff.team_id, handoff.id, rungs)


@dataclass(frozen=True)
class MyHandoffs:
    """What /handoff list shows one person."""

    waiting: tuple[Handoff, ...]  # addressed to me or my roles, not yet acknowledged
    sent: tuple[Handoff, ...]  # mine, not yet acknowledged
    items: tuple[tuple[Handoff, Item], ...]  # my open action items


def mine(care: Care, team_id: str, user_id: str) -> MyHandoffs:
    with care.db.session(read_only=True) as session:
        groups = handoffs.open_groups(session, team_id)
    my_groups = [g for g in groups if user_id in members_of(care, g)]
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        waiting = tuple(
            view_of(r, policy) for r in handoffs.waiting_for(session, team_id, user_id, my_groups)
        )
        sent = tuple(view_of(r, policy) for r in handoffs.sent_by(session, team_id, user_id))
        items = tuple(
            (
                view_of(a.handoff, policy, with_items=False),
                Item(a.position, a.text, a.owner_id, a.due_at, None, None),
            )
            for a in handoffs.open_actions_of(session, team_id, user_id)
        )
    return MyHandoffs(waiting, sent, items)
