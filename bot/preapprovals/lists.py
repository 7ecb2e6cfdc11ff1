"""Reading pre-approvals: one by ref, lists sorted by urgency, the messages that show one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.preapprovals.opening import Item, PreauthRefused, item_of
from bot.preapprovals.plan import chase_of, rounds_of
from bot.preapprovals.rules.preapproval import OPEN, Status
from bot.preapprovals.rules.timing import Risk, urgency_key
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent

if TYPE_CHECKING:
    from bot.runtime.services import Care
    from storage.preapprovals.models import PreapprovalRow

LIST_USAGE = "/preauth list [mine|overdue|at-risk|all]"
_REF = re.compile(r"^[Pp][Aa]-?\d{1,9}$")


def request_row(session: Any, team_id: str, ref: str, *, for_update: bool = True) -> PreapprovalRow:
    """The request a typed ref names, locked for a change unless told otherwise."""
    ref = ref.strip()
    if not _REF.match(ref):
        raise PreauthRefused(
            f'"{ref or "?"}" is not a pre-approval ref; they look like PA-3. {LIST_USAGE}'
        )
    row = preapprovals.get_by_ref(session, team_id, ref, for_update=for_update)
    if row is None:
        raise PreauthRefused(
            f"There is no pre-approval {ref.upper()} in this workspace. `{LIST_USAGE}` lists them."
        )
    return row


@dataclass(frozen=True)
class ItemList:
    title: str
    items: tuple[Item, ...]
    zone: ZoneInfo
    empty: str


def list_items(care: Care, team_id: str, user_id: str, which: str) -> ItemList:
    """`/preauth list [mine|overdue|at-risk|all]`, most urgent first."""
    now = care.clock.now()
    word = (which.strip().lower() or "mine").replace("_", "-")
    if word not in ("mine", "overdue", "at-risk", "all"):
        raise PreauthRefused(
            f'I list mine, overdue, at-risk or all, not "{which.strip()}". {LIST_USAGE}'
        )
    zone = care.people.timezone(team_id, user_id)
    policy = care.patient_display(team_id)
    rounds = rounds_of(care)
    clinic = care.settings.timezone
    statuses = [s.value for s in Status] if word == "all" else [s.value for s in OPEN]
    if word == "at-risk":
        statuses += [Status.APPROVED.value, Status.PARTIAL.value]
    with care.db.session(read_only=True) as session:
        rows = preapprovals.listed(
            session, team_id, statuses, owner_id=user_id if word == "mine" else None
        )
        keyed = [
            (
                urgency_key(chase_of(row), now, clinic, rounds, row.number),
                item_of(row, policy, now, clinic, rounds),
            )
            for row in rows
        ]
    items = [item for _, item in sorted(keyed, key=lambda pair: pair[0])]
    if word == "overdue":
        items = [i for i in items if i.late]
    elif word == "at-risk":
        items = [i for i in items if i.risk is not Risk.NONE]
    titles = {
        "mine": ("Your open pre-approvals", "You have no open pre-approvals. :tada:"),
        "overdue": ("Past the payer's decision clock", "Nothing is past the payer's clock."),
        "at-risk": ("At risk: needed within 3 business days", "Nothing is at risk."),
        "all": ("All pre-approvals", "No pre-approvals yet. Start one with `/preauth new`."),
    }
    title, empty = titles[word]
    return ItemList(title, tuple(items), zone, empty)


def show(care: Care, team_id: str, ref: str) -> Item:
    """One request as it stands now."""
    now = care.clock.now()
    policy = care.patient_display(team_id)
    with care.db.session(read_only=True) as session:
        row = request_row(session, team_id, ref, for_update=False)
        return item_of(row, policy, now, care.settings.timezone, rounds_of(care))


@dataclass(frozen=True)
class Shown:
    """A Slack message that shows some requests, with how they stand now."""

    channel: str
    ts: str
    kind: str
    items: tuple[Item, ...]


def messages_showing(care: Care, team_id: str, item_id: int) -> list[Shown]:
    """Every message that shows this request, each with all the requests it shows."""
    now = care.clock.now()
    policy = care.patient_display(team_id)
    rounds = rounds_of(care)
    clinic = care.settings.timezone
    found = []
    with care.db.session(read_only=True) as session:
        for channel, ts, kind in preapproval_sent.messages_showing(session, item_id):
            rows = preapproval_sent.items_in_message(session, team_id, channel, ts)
            items = tuple(item_of(row, policy, now, clinic, rounds) for row in rows)
            found.append(Shown(channel, ts, kind, items))
    return found
