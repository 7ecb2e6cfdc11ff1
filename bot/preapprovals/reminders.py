"""Each owner's round DM: one per owner per round, listing what is due; see risk.py too.

The round reminder is one row per owner (subject: the owner's id), due at their earliest
nudge. A claimed batch of owners is served with a handful of queries whatever its size:
their due items in one read, their rounds claimed in one insert, the outcome in one
write. The round's key (the instant it was planned for) is the primary key of
preapproval_rounds, so no owner gets two DMs for one round, whatever the replicas do.
What to send and what comes next is decided in bot.preapprovals.rules.rounds; this
module reads, sends and writes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.preapprovals.items import Item, item_in
from bot.preapprovals.plan import (
    ROUND,
    channels_of,
    chase_of,
    owners_zones,
    plan,
    plan_round,
    rounds_in,
)
from bot.preapprovals.rules import rounds
from bot.preapprovals.rules.preapproval import OPEN
from bot.preapprovals.rules.rounds import SHOWN, OwnerDue, Pending
from bot.shared.commands import Reply
from bot.shared.departures import REFUSALS
from bot.shared.messages import slack_code
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.reminders import LEASE, DueReminder, EachTeam, Outcome, unconfirmed
from storage import SqlAuditLog
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.home import HomeTab
    from bot.shared.messages import OnceSender
    from bot.shared.rules.channel_settings import ChannelSettings
    from storage.preapprovals.models import PreapprovalRow
    from storage.preapprovals.queries import Due

__all__ = ["CHANNEL_GONE", "SHOWN", "OwnerRound", "Renderers", "RiskPost", "RoundDM", "slack_error"]

log = logging.getLogger(__name__)

# A round's key only matters while its reminder can still fire; a week is ample.
KEEP_ROUNDS = timedelta(days=7)
# Older reminder DMs and risk posts are no longer redrawn when a request changes.
KEEP_MESSAGES = timedelta(days=30)
# The bot cannot post in the care team's channel (removed, archived, gone): owners hear instead.
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


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
    return slack_code(error) if isinstance(error, SlackApiError) else type(error).__name__


def pending_of(row: PreapprovalRow | Due, channels: dict[str, ChannelSettings]) -> Pending:
    own = channels[row.channel_id or ""]
    return Pending(
        id=row.id,
        number=row.number,
        owner=row.owner_id,
        chase=chase_of(row),
        nudge_at=row.nudge_at,
        zone=own.timezone,
        rounds=rounds_in(own),
    )


class OwnerRound(RecordsUseCase, EachTeam):
    """The `preauth-round` kind: one DM per owner per round, listing what is due."""

    name = ROUND

    def __init__(
        self,
        records: Records,
        *,
        slack: WebClient,
        once: OnceSender,
        home: HomeTab,
        render: Renderers,
    ) -> None:
        super().__init__(records)
        self.slack, self.once, self.home, self.render = slack, once, home, render

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        owners = {r.subject_ref: OwnerDue(r.id, r.subject_ref, r.next_at) for r in due}
        claims = {r.subject_ref: r for r in due}
        policy = self.in_force.patient_display(team)
        with self.db.session(read_only=True) as session:
            due_items = preapprovals.due_for_owners(session, team, owners, now)
            later = preapprovals.later_nudges(session, team, owners, now)
            known = owners_zones(session, team, owners)
            wanted = [r.channel_id for r in due_items]
            channels = channels_of(self.in_force, session, team, wanted)
        pending = [pending_of(row, channels) for row in due_items]
        keys = rounds.round_keys(owners, pending)
        # From the people cache; Slack is asked only about owners it never described.
        zones = {o: known.get(o) or self.people.timezone(team, o) for o in keys}
        with self.db.session() as session:
            claimed = preapproval_sent.claim_rounds(
                session, team, list(keys.items()), now=now, stale_before=now - LEASE
            )
        sent: list[tuple[str, str, str, str]] = []
        shown: list[tuple[str, str, str, list[int]]] = []
        nudges: list[tuple[int, datetime | None, datetime | None]] = []
        failed: dict[str, str] = {}
        gone: list[str] = []
        dms = rounds.dms(owners, pending, claimed, zones, now)
        with self.db.session(read_only=True) as session:  # only what the DMs show, in full
            rows = preapprovals.by_ids(session, [i.id for dm in dms for i in dm.shown])
        for dm in dms:
            views = tuple(
                item_in(rows[i.id], policy, now, channels) for i in dm.shown if i.id in rows
            )
            reply = self.render.round(RoundDM(dm.owner, views, dm.more, dm.zone, dm.late))
            try:
                posted = self.once.post(
                    f"{ROUND}:{dm.owner}:{dm.key}",  # one DM per owner per round
                    channel=dm.owner,
                    text=reply.text,
                    blocks=reply.blocks,
                    look_since=claims[dm.owner].maybe_sent_since,
                )
            except Exception as error:  # the round stays due and is tried again
                failure = slack_error(error)
                log.warning("pre-approval round for an owner not sent: %s", failure)
                if self.people.departures.has_left(team, dm.owner, failure, now):
                    gone.append(dm.owner)
                elif failure in REFUSALS:  # refused, yet still here: next round, not a handover
                    failed[dm.owner] = unconfirmed(failure)
                else:
                    failed[dm.owner] = f"slack_{failure}"
                continue
            channel, ts = posted.channel, posted.ts
            sent.append((dm.owner, dm.key, channel, ts))
            shown.append((channel, ts, "round", [i.id for i in dm.shown]))
            nudges += rounds.nudges_after(dm, now)
        with self.db.session() as session:
            preapproval_sent.sent_rounds(session, team, sent)
            preapproval_sent.remember_messages(session, team, shown, now=now)
            preapprovals.set_nudges(session, nudges)
            preapproval_sent.release_rounds(
                session, team, [(o, keys[o]) for o in [*failed, *gone] if o in keys]
            )
            preapproval_sent.purge_rounds(session, team, now - KEEP_ROUNDS)
            preapproval_sent.purge_messages(session, team, now - KEEP_MESSAGES)
        for owner in gone:
            self.reassign_unreachable(team, owner, now)
        moved = {item_id: at for item_id, _, at in nudges}
        return rounds.outcomes(owners, pending, claimed, moved, later, failed, gone, now)

    def reassign_unreachable(self, team: str, owner: str, now: datetime) -> None:
        """An owner Slack says has left: their open work goes to whoever opened it."""
        open_states = [s.value for s in OPEN]
        with self.db.session(read_only=True) as session:
            listed = preapprovals.listed(session, team, open_states, owner_id=owner)
            heirs = {r.created_by for r in listed}
        # Looked up before the write: on a cache miss it asks Slack and writes the answer.
        zones = {heir: self.people.timezone(team, heir) for heir in heirs - {owner}}
        moved: dict[str | None, list[tuple[str, str | None]]] = defaultdict(list)
        with self.db.session() as session:
            rows = preapprovals.listed(session, team, open_states, owner_id=owner)
            for row in rows:
                heir = row.created_by if row.created_by != owner else None
                if heir is None:
                    moved[row.channel_id].append((row.ref, None))
                    row.nudge_at = None  # nobody to tell; the channel hears below
                    continue
                row.owner_id = heir
                row.updated_at = now
                plan(self.in_force, session, row, now, zones.get(heir))
                if row.nudge_at is not None and not (row.snoozed_until and row.snoozed_until > now):
                    row.nudge_at = now  # the work was due: the new owner hears at their next sweep
                    plan_round(session, team, heir, now)
                SqlAuditLog(session).record(team, "carebot", "preapproval.assign", row.ref, at=now)
                moved[row.channel_id].append((row.ref, heir))
            plan_round(session, team, owner, now)
        log.info("reassigned %d pre-approval(s) of an unreachable owner team=%s", len(rows), team)
        self.home.changed(team, heirs)
        for channel, refs in moved.items():
            lines = [
                f"• {ref} → <@{heir}>"
                if heir
                else f"• {ref}: nobody to hand it to; `/preauth assign {ref} @someone`"
                for ref, heir in refs
            ]
            text = (
                f":warning: I can't reach <@{owner}> any more (no longer in this workspace), "
                "so their pre-approvals went back to whoever opened them:\n" + "\n".join(lines)
            )
            try:
                self.slack.chat_postMessage(channel=channel or refs[0][1] or owner, text=text)
            except Exception as error:
                log.warning(
                    "could not tell a channel about reassigned work: %s", slack_error(error)
                )
