"""Each owner's round DM: one per owner per round, listing what is due; see preapproval_risk too.

The round reminder is one row per owner (subject: the owner's id), due at their earliest
nudge. A claimed batch of owners is served with a handful of queries whatever its size:
their due items in one read, their rounds claimed in one insert, the outcome in one
write. The round's key (the instant it was planned for) is the primary key of
preapproval_rounds, so no owner gets two DMs for one round, whatever the replicas do.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.preapprovals.opening import Item, item_of
from bot.preapprovals.plan import ROUND, chase_of, plan, plan_round, rounds_by_channel, rounds_of
from bot.preapprovals.rules.preapproval import OPEN
from bot.preapprovals.rules.timing import next_nudge, urgency_key
from bot.shared.commands import Reply
from bot.shared.rules.people import zone_or
from bot.shared.rules.reminders import LEASE, DueReminder, Outcome, by_team
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent

if TYPE_CHECKING:
    from bot.runtime.services import Care
    from storage.preapprovals.models import PreapprovalRow

log = logging.getLogger(__name__)

# A round's key only matters while its reminder can still fire; a week is ample.
KEEP_ROUNDS = timedelta(days=7)
# Older reminder DMs and risk posts are no longer redrawn when a request changes.
KEEP_MESSAGES = timedelta(days=30)
# A DM shows this many requests with buttons (Slack allows 50 blocks); the rest are counted.
SHOWN = 15
# The bot cannot post in the care team's channel (removed, archived, gone): owners hear instead.
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# Slack answers that no retry will change: the person cannot be reached any more.
UNREACHABLE = frozenset(
    {"channel_not_found", "user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot"}
)


@dataclass(frozen=True)
class RoundDM:
    """One owner's reminder: their requests due a nudge, most urgent first."""

    owner: str
    items: tuple[Item, ...]
    more: int  # due but not shown, for the list command
    zone: ZoneInfo
    late: bool  # a catch-up after downtime


@dataclass(frozen=True)
class RiskPost:
    """A care-team channel post: requests whose visit is near and that are not approved."""

    channel: str
    items: tuple[Item, ...]
    zone: ZoneInfo


@dataclass(frozen=True)
class Renderers:
    round: Callable[[RoundDM], Reply]
    risk: Callable[[RiskPost], Reply]


def slack_error(error: Exception) -> str:
    """A short code for logs and reminder rows: Slack's error, never the message sent."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None)
        return "ratelimited" if status == 429 else str(error.response.get("error") or status)
    return type(error).__name__


class OwnerRound:
    """The `preauth-round` kind: one DM per owner per round, listing what is due."""

    name = ROUND

    def __init__(self, care: Care, render: Renderers) -> None:
        self.care, self.render = care, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        return [
            o for team, found in by_team(due).items() for o in self._fire_team(team, found, now)
        ]

    def _fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        care = self.care
        rounds = rounds_of(care)
        owners = {r.subject_ref: r for r in due}
        policy = care.patient_display(team)
        with care.db.session(read_only=True) as session:
            rows = preapprovals.due_for_owners(session, team, owners, now)
            later = preapprovals.later_nudges(session, team, owners, now)
            known = preapprovals.zones(session, team, owners)
            by_channel = rounds_by_channel(care, session, team, [r.channel_id for r in rows])
        mine: dict[str, list[PreapprovalRow]] = defaultdict(list)
        for row in rows:
            mine[row.owner_id].append(row)
        # From the people cache; Slack is asked only about owners it never described.
        zones = {
            owner: zone_or(known[owner], care.settings.timezone)
            if owner in known
            else care.people.timezone(team, owner)
            for owner in mine
        }
        keys = {owner: owners[owner].next_at.isoformat() for owner in mine}
        with care.db.session() as session:
            claimed = preapproval_sent.claim_rounds(
                session, team, list(keys.items()), now=now, stale_before=now - LEASE
            )
        sent: list[tuple[str, str, str, str]] = []
        shown: list[tuple[str, str, str, list[int]]] = []
        nudges: list[tuple[int, datetime | None, datetime | None]] = []
        failed: dict[str, str] = {}
        gone: list[str] = []
        for owner, items in mine.items():
            if owner not in claimed:
                continue  # this round's DM is someone else's to send, or was sent
            zone = zones[owner]
            ranked = sorted(
                items,
                key=lambda r: urgency_key(
                    chase_of(r), now, care.settings.timezone, rounds, r.number
                ),
            )
            views = [item_of(r, policy, now, care.settings.timezone, rounds) for r in ranked]
            late = now - owners[owner].next_at > timedelta(hours=1)
            reply = self.render.round(
                RoundDM(owner, tuple(views[:SHOWN]), max(0, len(views) - SHOWN), zone, late)
            )
            try:
                posted = care.slack.chat_postMessage(
                    channel=owner, text=reply.text, blocks=reply.blocks
                )
            except Exception as error:  # the round stays due and is tried again
                failure = slack_error(error)
                log.warning("pre-approval round for an owner not sent: %s", failure)
                if failure in UNREACHABLE:
                    gone.append(owner)
                else:
                    failed[owner] = failure
                continue
            channel, ts = str(posted["channel"]), str(posted["ts"])
            sent.append((owner, keys[owner], channel, ts))
            shown.append((channel, ts, "round", [r.id for r in ranked[:SHOWN]]))
            for row in ranked:
                own = by_channel[row.channel_id or ""]
                following = next_nudge(chase_of(row), now, zone, own, nudged=True)
                nudges.append((row.id, row.nudge_at, following))
        with care.db.session() as session:
            preapproval_sent.sent_rounds(session, team, sent)
            preapproval_sent.remember_messages(session, team, shown, now=now)
            preapprovals.set_nudges(session, nudges)
            preapproval_sent.release_rounds(
                session, team, [(o, keys[o]) for o in [*failed, *gone] if o in keys]
            )
            preapproval_sent.purge_rounds(session, team, now - KEEP_ROUNDS)
            preapproval_sent.purge_messages(session, team, now - KEEP_MESSAGES)
        for owner in gone:
            reassign_unreachable(care, team, owner, now)
        moved = {item_id: at for item_id, _, at in nudges}
        outcomes = []
        for owner, reminder in owners.items():
            if owner in failed:
                outcomes.append(Outcome(reminder.id, error=f"slack_{failed[owner]}"[:64]))
                continue
            if owner in gone:
                outcomes.append(Outcome(reminder.id))  # their work has a new owner now
                continue
            upcoming = [moved[r.id] for r in mine.get(owner, []) if moved.get(r.id)]
            if owner in later:
                upcoming.append(later[owner])
            if owner in mine and owner not in claimed:
                upcoming.append(now + timedelta(minutes=1))  # the claimer moves them on
            next_at = min((at for at in upcoming if at is not None), default=None)
            outcomes.append(
                Outcome(
                    reminder.id,
                    sent=1 if owner in claimed and owner in mine else 0,
                    next_at=next_at,
                )
            )
        return outcomes


def reassign_unreachable(care: Care, team: str, owner: str, now: datetime) -> None:
    """An owner who cannot get DMs (left the workspace): their open work goes to its creators."""
    open_states = [s.value for s in OPEN]
    with care.db.session(read_only=True) as session:
        heirs = {
            r.created_by for r in preapprovals.listed(session, team, open_states, owner_id=owner)
        }
    # Looked up before the write: on a cache miss it asks Slack and writes the answer.
    zones = {heir: care.people.timezone(team, heir) for heir in heirs - {owner}}
    moved: dict[str | None, list[tuple[str, str | None]]] = defaultdict(list)
    with care.db.session() as session:
        rows = preapprovals.listed(session, team, open_states, owner_id=owner)
        for row in rows:
            heir = row.created_by if row.created_by != owner else None
            if heir is None:
                moved[row.channel_id].append((row.ref, None))
                row.nudge_at = None  # nobody to tell; the channel hears below
                continue
            row.owner_id = heir
            row.updated_at = now
            plan(care, session, row, now, zones.get(heir, care.settings.timezone))
            if row.nudge_at is not None and not (row.snoozed_until and row.snoozed_until > now):
                row.nudge_at = now  # the work was due: the new owner hears at their next sweep
                plan_round(session, team, heir, now)
            SqlAuditLog(session).record(team, "carebot", "preapproval.assign", row.ref, at=now)
            moved[row.channel_id].append((row.ref, heir))
        plan_round(session, team, owner, now)
    log.info("reassigned %d pre-approval(s) of an unreachable owner team=%s", len(rows), team)
    care.home.changed(team, heirs)
    for channel, refs in moved.items():
        lines = [
            f"• {ref} → <@{heir}>"
            if heir
            else f"• {ref}: nobody to hand it to; `/preauth assign {ref} @someone`"
            for ref, heir in refs
        ]
        text = (
            f":warning: I can't reach <@{owner}> any more (no longer in this workspace?), "
            "so their pre-approvals went back to whoever opened them:\n" + "\n".join(lines)
        )
        try:
            care.slack.chat_postMessage(channel=channel or refs[0][1] or owner, text=text)
        except Exception as error:
            log.warning("could not tell a channel about reassigned work: %s", slack_error(error))
