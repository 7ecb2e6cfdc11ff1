"""Reading pre-approvals: one by ref, lists sorted by urgency, the messages that show one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.preapprovals.items import Item, PreapprovalRefused, item_in, item_of
from bot.preapprovals.plan import channels_of, rounds_in
from bot.preapprovals.rules.preapproval import OPEN, Status
from bot.preapprovals.rules.timing import Risk, ranked
from bot.shared.audit_trail import parse_ref
from bot.shared.records import RecordsUseCase
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent
from storage.preapprovals.listed import listed_values

if TYPE_CHECKING:
    from bot.shared.access import Actor
    from storage.preapprovals.models import PreapprovalRow

LIST_USAGE = "/preauth list [mine|overdue|at-risk|all]"
LOOK_UP = "look up pre-approvals"
LIST = "list pre-approvals"
_REF = re.compile(r"^[Pp][Aa]-?\d{1,9}$")
_TITLES = {
    "mine": ("Your open pre-approvals", "You have no open pre-approvals. :tada:"),
    "overdue": (
        "Past due, or past the payer's decision clock",
        "Nothing is past due or past the payer's clock.",
    ),
    "at-risk": (
        "Past due or at risk: needed within 3 business days",
        "Nothing is past due or at risk.",
    ),
    "all": ("All pre-approvals", "No pre-approvals yet. Start one with `/preauth new`."),
}


def request_row(session: Any, team_id: str, ref: str, *, for_update: bool = True) -> PreapprovalRow:
    """The request a typed ref names, locked for a change unless told otherwise."""
    ref = ref.strip()
    if not _REF.match(ref):
        raise PreapprovalRefused(
            f'"{ref or "?"}" is not a pre-approval ref; they look like PA-3. {LIST_USAGE}'
        )
    row = preapprovals.get_by_ref(session, team_id, ref, for_update=for_update)
    if row is None:
        raise PreapprovalRefused(
            f"There is no pre-approval {ref.upper()} in this workspace. `{LIST_USAGE}` lists them."
        )
    return row


@dataclass(frozen=True)
class ItemList:
    title: str
    items: tuple[Item, ...]
    zone: ZoneInfo
    empty: str


@dataclass(frozen=True)
class Shown:
    """A Slack message that shows some requests, with how they stand now."""

    channel: str
    ts: str
    kind: str
    items: tuple[Item, ...]
    zone: ZoneInfo  # of the channel the changed request was opened in


class Lists(RecordsUseCase):
    """Looking requests up: for care-team members only, in the zone of their channels."""

    def list_items(self, actor: Actor, which: str) -> ItemList:
        """`/preauth list [mine|overdue|at-risk|all]`, most urgent first."""
        self.access.require_care_team(actor, LIST)
        team_id, user_id = actor.team_id, actor.user_id
        now = self.clock.now()
        word = (which.strip().lower() or "mine").replace("_", "-")
        if word not in _TITLES:
            raise PreapprovalRefused(
                f'I list mine, overdue, at-risk or all, not "{which.strip()}". {LIST_USAGE}'
            )
        zone = self.people.timezone(team_id, user_id)
        statuses = [s.value for s in Status] if word == "all" else [s.value for s in OPEN]
        if word == "at-risk":
            statuses += [Status.APPROVED.value, Status.PARTIAL.value]
        with self.db.session(read_only=True) as session:
            rows = listed_values(
                session, team_id, statuses, owner_id=user_id if word == "mine" else None
            )
            wanted = [None, *(r.channel_id for r in rows)]  # None: the workspace's own
            channels = channels_of(self.in_force, session, team_id, wanted)
        policy = channels[""].patient_display  # patients show as the workspace says
        rounds = {channel: rounds_in(own) for channel, own in channels.items()}
        keyed = []
        for row in rows:
            channel = row.channel_id or ""
            item = item_of(row, policy, now, channels[channel].timezone, rounds[channel])
            key = ranked(item.risk, item.late, item.urgency, item.needed_by, row.number)
            keyed.append((key, item))
        items = [item for _, item in sorted(keyed, key=lambda pair: pair[0])]
        if word == "overdue":  # past the payer's clock, or needed already: both are late
            items = [i for i in items if i.late or i.risk is Risk.PAST_DUE]
        elif word == "at-risk":
            items = [i for i in items if i.risk is not Risk.NONE]
        title, empty = _TITLES[word]
        return ItemList(title, tuple(items), zone, empty)

    def show(self, actor: Actor, ref: str) -> Item:
        """One request as it stands now."""
        self.access.require_care_team(actor, LOOK_UP, parse_ref(ref))
        return self.current(actor.team_id, ref)

    def current(self, team_id: str, ref: str) -> Item:
        """One request as it stands now, for redrawing what shows it (no person reads it here)."""
        return current_item(self, team_id, ref)

    def messages_showing(self, team_id: str, item: Item) -> list[Shown]:
        """Every message that shows this request, each with all the requests it shows."""
        now = self.clock.now()
        policy = self.in_force.patient_display(team_id)
        found = []
        with self.db.session(read_only=True) as session:
            for channel, ts, kind in preapproval_sent.messages_showing(session, item.id):
                rows = preapproval_sent.items_in_message(session, team_id, channel, ts)
                in_a_channel = channel[:1] in ("C", "G")  # a risk post; else its owner's DM
                wanted = [r.channel_id for r in rows] + ([channel] if in_a_channel else [])
                channels = channels_of(self.in_force, session, team_id, wanted)
                if in_a_channel:  # as the channel it is posted in shows patients and time
                    shown_as, zone = channels[channel].patient_display, channels[channel].timezone
                else:  # as the round DM was drawn: the workspace's policy, the owner's clock
                    shown_as, zone = policy, self.people.timezone(team_id, item.owner)
                items = tuple(item_in(row, shown_as, now, channels) for row in rows)
                found.append(Shown(channel, ts, kind, items, zone))
        return found


def current_item(service: RecordsUseCase, team_id: str, ref: str) -> Item:
    """One request as it stands now, as a service over records reads it; no access decided."""
    now = service.clock.now()
    policy = service.in_force.patient_display(team_id)
    with service.db.session(read_only=True) as session:
        row = request_row(session, team_id, ref, for_update=False)
        channels = channels_of(service.in_force, session, team_id, [row.channel_id])
        return item_in(row, policy, now, channels)
