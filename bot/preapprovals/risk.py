"""The care team hears of risk: a channel post when a needed request is not approved in time.

One reminder row per request with a needed-by (subject: its PA-ref), due at the next step
of the risk ladder (3 business days before, then a day before). A claimed batch is posted
as one message per channel; a channel the bot cannot post in sends each owner a DM instead.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.preapprovals.opening import item_of
from bot.preapprovals.plan import RISK, chase_of, rounds_of
from bot.preapprovals.reminders import CHANNEL_GONE, Renderers, RiskPost, slack_error
from bot.preapprovals.rules.timing import Risk, next_risk_check, risk, urgency_key
from bot.shared import channel_settings
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.reminders import DueReminder, Outcome, by_team
from storage.preapprovals import queries as preapprovals
from storage.preapprovals import sent as preapproval_sent

if TYPE_CHECKING:
    from bot.runtime.services import Care
    from storage.preapprovals.models import PreapprovalRow

log = logging.getLogger(__name__)


class RiskCheck:
    """The `preauth-risk` kind: tell the care team when a needed request is not approved."""

    name = RISK

    def __init__(self, care: Care, render: Renderers) -> None:
        self.care, self.render = care, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        return [
            o for team, found in by_team(due).items() for o in self._fire_team(team, found, now)
        ]

    def _fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        care = self.care
        rounds = rounds_of(care)
        clinic = care.settings.timezone
        with care.db.session(read_only=True) as session:
            rows = preapprovals.by_refs(session, team, [r.subject_ref for r in due])
        posts: dict[str, list[PreapprovalRow]] = defaultdict(list)
        for row in rows.values():
            level = risk(chase_of(row), now, clinic, rounds)
            if level > Risk(row.risk_posted):
                posts[row.channel_id or row.owner_id].append(row)
        posted: dict[int, Risk] = {}
        shown: list[tuple[str, str, str, list[int]]] = []
        failed: set[int] = set()
        leads: set[int] = set()
        # Each channel's own display policy (an owner's DM: the workspace's), read at once.
        in_force = channel_settings.for_channels(care, team, list(posts))
        for channel, items in posts.items():
            ranked = sorted(
                items, key=lambda r: urgency_key(chase_of(r), now, clinic, rounds, r.number)
            )
            try:
                messages = self._post(channel, ranked, in_force[channel].patient_display, now)
            except Exception as error:
                log.warning("at-risk post not sent: %s", slack_error(error))
                failed.update(r.id for r in ranked)
                continue
            shown += messages
            posted.update({r.id: risk(chase_of(r), now, clinic, rounds) for r in ranked})
            # The report counts messages, not the requests in them.
            leads.update(item_ids[0] for _, _, _, item_ids in messages)
        with care.db.session() as session:
            preapprovals.set_risk_posted(session, [(i, int(level)) for i, level in posted.items()])
            preapproval_sent.remember_messages(session, team, shown, now=now)
        outcomes = []
        for reminder in due:
            found = rows.get(reminder.subject_ref.upper())
            if found is None:
                outcomes.append(Outcome(reminder.id))
                continue
            row = found
            if row.id in failed:
                outcomes.append(Outcome(reminder.id, error="slack_post_failed"))
                continue
            level = posted.get(row.id, Risk(row.risk_posted))
            next_at = next_risk_check(chase_of(row), now, clinic, rounds, level)
            outcomes.append(Outcome(reminder.id, sent=1 if row.id in leads else 0, next_at=next_at))
        return outcomes

    def _post(
        self, channel: str, ranked: list[PreapprovalRow], policy: PatientDisplay, now: datetime
    ) -> list[tuple[str, str, str, list[int]]]:
        """Post in the care team's channel; if the bot cannot, tell each owner in a DM instead."""
        care, clinic, rounds = self.care, self.care.settings.timezone, rounds_of(self.care)
        views = tuple(item_of(r, policy, now, clinic, rounds) for r in ranked)
        reply = self.render.risk(RiskPost(channel, views, clinic))
        try:
            answer = care.slack.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks
            )
            return [(str(answer["channel"]), str(answer["ts"]), "risk", [r.id for r in ranked])]
        except SlackApiError as error:
            if slack_error(error) not in CHANNEL_GONE:
                raise
            log.warning(
                "at-risk post not possible in its channel (%s); DMing owners", slack_error(error)
            )
        shown = []
        for owner in dict.fromkeys(v.owner for v in views):
            theirs = tuple(v for v in views if v.owner == owner)
            reply = self.render.risk(RiskPost(owner, theirs, clinic))
            answer = care.slack.chat_postMessage(
                channel=owner, text=reply.text, blocks=reply.blocks
            )
            shown.append(
                (str(answer["channel"]), str(answer["ts"]), "risk", [v.id for v in theirs])
            )
        return shown
