"""The care team hears of risk: a channel post when a needed request is not approved in time.

One reminder row per request with a needed-by (subject: its PA-ref), due at the next step
of the risk ladder (3 business days before, then a day before), on the clock and rounds of
the channel it was opened in. A claimed batch is posted as one message per channel; a
channel the bot cannot post in sends each owner a DM instead. What is at risk and where it
goes is decided in bot.preapprovals.rules.risk_posts; this module reads, posts and writes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.preapprovals.items import Item, item_in
from bot.preapprovals.plan import RISK, channels_of, chase_of, rounds_in
from bot.preapprovals.reminders import CHANNEL_GONE, Renderers, RiskPost, slack_error
from bot.preapprovals.rules import risk_posts
from bot.preapprovals.rules.risk_posts import PlannedPost, Watched
from bot.preapprovals.rules.timing import Risk
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.reminders import DueReminder, EachTeam, Outcome
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent

if TYPE_CHECKING:
    from bot.shared.messages import OnceSender
    from bot.shared.rules.channel_settings import ChannelSettings
    from storage.preapprovals.models import PreapprovalRow

log = logging.getLogger(__name__)
Message = tuple[str, str, str, list[int]]  # channel, ts, kind, the requests it shows


def watched_of(row: PreapprovalRow, channels: dict[str, ChannelSettings]) -> Watched:
    own = channels[row.channel_id or ""]
    return Watched(
        id=row.id,
        ref=row.ref,
        number=row.number,
        owner=row.owner_id,
        channel=row.channel_id,
        chase=chase_of(row),
        posted=Risk(row.risk_posted),
        zone=own.timezone,
        rounds=rounds_in(own),
    )


class RiskCheck(RecordsUseCase, EachTeam):
    """The `preauth-risk` kind: tell the care team when a needed request is not approved."""

    name = RISK

    def __init__(self, records: Records, *, once: OnceSender, render: Renderers) -> None:
        super().__init__(records)
        self.once, self.render = once, render

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        with self.db.session(read_only=True) as session:
            rows = preapprovals.by_refs(session, team, [r.subject_ref for r in due])
            wanted = [r.channel_id for r in rows.values()]
            channels = channels_of(self.in_force, session, team, wanted)
        watched = {ref: watched_of(row, channels) for ref, row in rows.items()}
        by_id = {row.id: row for row in rows.values()}
        planned = risk_posts.posts(list(watched.values()), now)
        # Each target's own display policy and zone (an owner's DM: the workspace's), at once.
        targets = self.in_force.for_channels(team, [p.target for p in planned])
        posted: dict[int, Risk] = {}
        shown: list[Message] = []
        failed: set[int] = set()
        leads: set[int] = set()
        for post in planned:
            where = targets[post.target]
            views = {
                i.id: item_in(by_id[i.id], where.patient_display, now, channels)
                for i in post.ranked
            }
            try:
                messages = self._post(post, views, where.timezone, _send_of(post, due))
            except Exception as error:
                log.warning("at-risk post not sent: %s", slack_error(error))
                failed.update(i.id for i in post.ranked)
                continue
            shown += messages
            posted.update({i.id: level for i, level in zip(post.ranked, post.levels, strict=True)})
            # The report counts messages, not the requests in them.
            leads.update(item_ids[0] for _, _, _, item_ids in messages)
        with self.db.session() as session:
            preapprovals.set_risk_posted(session, [(i, int(level)) for i, level in posted.items()])
            preapproval_sent.remember_messages(session, team, shown, now=now)
        reminders = [(r.id, r.subject_ref) for r in due]
        return risk_posts.outcomes(reminders, watched, posted, failed, leads, now)

    def _post(
        self, post: PlannedPost, views: dict[int, Item], zone: ZoneInfo, send: Send
    ) -> list[Message]:
        """Post in the care team's channel; if the bot cannot, tell each owner in a DM instead."""
        everyone = tuple(views[i.id] for i in post.ranked)
        reply = self.render.risk(RiskPost(post.target, everyone, zone))
        key, since = send
        try:
            answer = self.once.post(
                key, channel=post.target, text=reply.text, blocks=reply.blocks, look_since=since
            )
            return [(answer.channel, answer.ts, "risk", list(views))]
        except SlackApiError as error:
            if slack_error(error) not in CHANNEL_GONE:
                raise
            log.warning(
                "at-risk post not possible in its channel (%s); DMing owners", slack_error(error)
            )
        shown = []
        for owner, theirs in risk_posts.per_owner(post):
            items = tuple(views[i.id] for i in theirs)
            reply = self.render.risk(RiskPost(owner, items, zone))
            sent = self.once.post(
                f"{key}:{owner}",
                channel=owner,
                text=reply.text,
                blocks=reply.blocks,
                look_since=since,
            )
            shown.append((sent.channel, sent.ts, "risk", [i.id for i in theirs]))
        return shown


Send = tuple[str, "datetime | None"]  # a post's send key, and since when it may be in Slack


def _send_of(post: PlannedPost, due: list[DueReminder]) -> Send:
    """One post stands for the reminders of the requests it shows: its key names them all and
    the instant they came due, and it may be in Slack if any of their claims might have sent
    it."""
    refs = {i.ref for i in post.ranked}
    mine = [r for r in due if r.subject_ref in refs]
    key = (
        f"{RISK}:{post.target}:{'+'.join(sorted(refs))}@{min(r.next_at for r in mine):%Y%m%dT%H%M}"
    )
    maybe = [r.maybe_sent_since for r in mine if r.maybe_sent_since is not None]
    return key, min(maybe) if maybe else None
