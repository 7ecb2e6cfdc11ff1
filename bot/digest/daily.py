"""The daily digest per care-team channel: today's visits, pre-approvals at risk, open handoffs.

One reminder row per channel (subject: the channel id), due at the channel's digest time
on its own wall clock every day but its holidays (settings: the channel's, else the
workspace's from env). A channel joins when a visit is booked, a pre-approval
opened or a handoff posted there, and leaves when the bot can no longer post in it.
Nothing is posted on a day with nothing to say. What to post is decided in
`bot.digest.rules`; this executor reads, posts and reports the outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.appointments.changes import Appointment, appointment_of
from bot.digest.rules.contents import Digest, Unacknowledged
from bot.digest.rules.day import span, today
from bot.digest.rules.plan import Step, plan
from bot.digest.schedule import DIGEST
from bot.preapprovals.opening import Item, item_of
from bot.preapprovals.reminders import CHANNEL_GONE, slack_error
from bot.preapprovals.rules.preapproval import OPEN
from bot.preapprovals.rules.timing import Rounds
from bot.shared.commands import Reply
from bot.shared.records import Records, RecordsUseCase
from bot.shared.rules.business_days import BusinessCalendar
from bot.shared.rules.channel_settings import ChannelSettings
from bot.shared.rules.reminders import DueReminder, EachTeam, Outcome
from bot.shared.rules.severity import Severity
from storage import digest
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.messages import OnceSender
    from storage.handoffs.models import HandoffRow

log = logging.getLogger(__name__)

# Far enough ahead to hold every request that can be at risk today (3 business days + weekends).
RISK_HORIZON = timedelta(days=10)
# Needed already and still in one of these: past due, the most urgent, always in the digest.
PAST_DUE_STATES = tuple(s.value for s in OPEN)

TodaysDigest = Digest[Appointment, Item]


class DailyDigest(RecordsUseCase, EachTeam):
    """The `digest` kind: one post per channel per day, or none."""

    name = DIGEST

    def __init__(
        self,
        records: Records,
        *,
        slack: WebClient,
        once: OnceSender,
        render: Callable[[TodaysDigest], Reply],
    ) -> None:
        super().__init__(records)
        self.slack, self.once, self.render = slack, once, render

    def fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        channels = [r.subject_ref for r in due]
        with self.db.session(read_only=True) as session:
            # Each channel's own time zone, digest time, holidays and display policy.
            in_force = self.in_force.in_session(session, team, channels)
            start, end = span(today(now, s.timezone) for s in in_force.values())
            visits = [
                (channel, appointment_of(row, in_force[channel].patient_display))
                for row in digest.appointments_between(
                    session, team, channels, start, end, appointments.HOLDS_SLOT
                )
                if (channel := row.channel_id or "") in in_force
            ]
            items = [
                item_of(row, s.patient_display, now, s.timezone, rounds_in(s))
                for row in digest.requests_needed_between(
                    session, team, channels, now, now + RISK_HORIZON, PAST_DUE_STATES
                )
                if (s := in_force.get(row.channel_id or "")) is not None
            ]
            handoffs = [
                unacknowledged(row) for row in digest.handoffs_awaiting(session, team, channels)
            ]
        claimed = {r.id: r for r in due}
        return [
            self._carry_out(claimed[step.reminder_id], step)
            for step in plan(due, now, in_force, visits, items, handoffs)
        ]

    def _carry_out(self, reminder: DueReminder, step: Step[Appointment, Item]) -> Outcome:
        if step.post is None:
            return Outcome(step.reminder_id, next_at=step.next_at)
        reply = self.render(step.post)
        try:
            self.once.post(
                reminder.key,
                channel=step.post.channel,
                text=reply.text,
                blocks=reply.blocks,
                look_since=reminder.maybe_sent_since,
            )
        except Exception as error:
            failure = slack_error(error)
            log.warning("digest not posted: %s", failure)
            if failure in CHANNEL_GONE and self._cannot_post_in(step.post.channel):
                # Not in the channel any more: no digest there until it is used again.
                return Outcome(step.reminder_id)
            return Outcome(step.reminder_id, error=f"slack_{failure}"[:64])
        return Outcome(step.reminder_id, sent=1, next_at=step.next_at)

    def _cannot_post_in(self, channel: str) -> bool:
        """Whether Slack confirms the channel is gone for the bot (deleted, archived, or the
        bot removed); one refused post is not enough, and a failed check means try again."""
        try:
            found = self.slack.conversations_info(channel=channel)["channel"]
        except SlackApiError as error:
            return bool(error.response.get("error") == "channel_not_found")
        except Exception:  # a dropped connection says nothing about the channel
            return False
        return bool(found.get("is_archived")) or found.get("is_member") is False


def rounds_in(in_force: ChannelSettings) -> Rounds:
    """A channel's pre-approval rounds (its round time, its holidays): its requests' risk."""
    return Rounds(in_force.preauth_round, BusinessCalendar.of(in_force.holidays))


def unacknowledged(row: HandoffRow) -> Unacknowledged:
    return Unacknowledged(
        channel_id=row.channel_id,
        ref=row.ref,
        patient_ref=row.patient.ref,
        patient_name=row.patient.display_name,
        severity=Severity(row.severity),
        receiver_user=row.receiver_user,
        receiver_group=row.receiver_group,
        posted_at=row.posted_at,
    )
