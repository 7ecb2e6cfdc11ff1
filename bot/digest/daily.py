"""The daily digest per care-team channel: today's visits, pre-approvals at risk, open handoffs.

One reminder row per channel (subject: the channel id), due at the channel's digest time
on its own wall clock every day but its holidays (settings: the channel's, else the
workspace's from env). A channel joins when a visit is booked, a pre-approval
opened or a handoff posted there, and leaves when the bot can no longer post in it.
Nothing is posted on a day with nothing to say.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.appointments.changes import Visit, visit_of
from bot.digest.schedule import DIGEST
from bot.preapprovals.opening import Item, item_of
from bot.preapprovals.plan import rounds_of
from bot.preapprovals.reminders import CHANNEL_GONE, slack_error
from bot.preapprovals.rules.timing import Risk
from bot.shared import channel_settings
from bot.shared.commands import Reply
from bot.shared.rules.business_days import at_local, daily_at_after
from bot.shared.rules.display import PatientDisplay, patient_label
from bot.shared.rules.reminders import DueReminder, Outcome, by_team
from bot.shared.rules.severity import Severity
from storage import digest
from storage.appointments import queries as appointments

if TYPE_CHECKING:
    from bot.runtime.services import Care

log = logging.getLogger(__name__)

# Far enough ahead to hold every request that can be at risk today (3 business days + weekends).
RISK_HORIZON = timedelta(days=10)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Waiting:
    """A handoff nobody has acknowledged yet."""

    ref: str
    patient: str  # escaped mrkdwn, per the display policy
    severity: Severity
    receiver_user: str | None
    receiver_group: str | None
    posted_at: datetime


@dataclass(frozen=True)
class Digest:
    channel: str
    day: date
    zone: ZoneInfo
    visits: tuple[Visit, ...]
    at_risk: tuple[Item, ...]
    policy: PatientDisplay
    handoffs: tuple[Waiting, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.visits and not self.at_risk and not self.handoffs


class DailyDigest:
    """The `digest` kind: one post per channel per day, or none."""

    name = DIGEST

    def __init__(self, care: Care, render: Callable[[Digest], Reply]) -> None:
        self.care, self.render = care, render

    def fire(self, due: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        return [
            o for team, found in by_team(due).items() for o in self._fire_team(team, found, now)
        ]

    def _fire_team(self, team: str, due: list[DueReminder], now: datetime) -> list[Outcome]:
        care = self.care
        channels = [r.subject_ref for r in due]
        # Each channel's own time zone, digest time, holidays and display policy.
        settings = channel_settings.for_channels(care, team, channels)
        days = {c: now.astimezone(s.timezone).date() for c, s in settings.items()}
        windows = {
            c: (
                at_local(days[c], time(0), s.timezone),
                at_local(days[c] + DAY, time(0), s.timezone),
            )
            for c, s in settings.items()
        }
        start = min(begin for begin, _ in windows.values())
        end = max(finish for _, finish in windows.values())
        rounds = rounds_of(care)
        with care.db.session(read_only=True) as session:
            visits = digest.visits_between(
                session, team, channels, start, end, appointments.HOLDS_SLOT
            )
            needed = digest.requests_needed_between(
                session, team, channels, now, now + RISK_HORIZON
            )
            waiting = digest.handoffs_awaiting(session, team, channels)
        per_handoff: dict[str, list[Waiting]] = defaultdict(list)
        for handoff in waiting:
            policy = settings[handoff.channel_id].patient_display
            per_handoff[handoff.channel_id].append(
                Waiting(
                    ref=handoff.ref,
                    patient=patient_label(
                        policy, handoff.patient.ref, handoff.patient.display_name
                    ),
                    severity=Severity(handoff.severity),
                    receiver_user=handoff.receiver_user,
                    receiver_group=handoff.receiver_group,
                    posted_at=handoff.posted_at or now,
                )
            )
        per_visit: dict[str, list[Visit]] = defaultdict(list)
        for row in sorted(visits, key=lambda r: (r.start_at, r.number)):
            channel = row.channel_id or ""
            if channel in windows and windows[channel][0] <= row.start_at < windows[channel][1]:
                per_visit[channel].append(visit_of(row, settings[channel].patient_display))
        per_risk: dict[str, list[Item]] = defaultdict(list)
        for request in needed:
            channel = request.channel_id or ""
            if channel not in settings:
                continue
            in_force = settings[channel]
            item = item_of(request, in_force.patient_display, now, in_force.timezone, rounds)
            if item.risk is not Risk.NONE:
                per_risk[channel].append(item)
        outcomes = []
        for reminder in due:
            channel = reminder.subject_ref
            in_force = settings[channel]
            if in_force.digest_time is None:
                outcomes.append(Outcome(reminder.id))  # turned off: the row finishes
                continue
            following = daily_at_after(now, in_force.timezone, in_force.digest_time)
            if now - reminder.next_at > timedelta(hours=12) or days[channel] in in_force.holidays:
                # Down all morning, or a clinic holiday: no digest today; wait for the next.
                outcomes.append(Outcome(reminder.id, next_at=following))
                continue
            report = Digest(
                channel,
                days[channel],
                in_force.timezone,
                tuple(per_visit[channel]),
                tuple(per_risk[channel]),
                in_force.patient_display,
                tuple(per_handoff[channel]),
            )
            if report.empty:
                outcomes.append(Outcome(reminder.id, next_at=following))
                continue
            reply = self.render(report)
            try:
                care.slack.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)
            except Exception as error:
                failure = slack_error(error)
                log.warning("digest not posted: %s", failure)
                if failure in CHANNEL_GONE:
                    # Not in the channel any more: no digest there until it is used again.
                    outcomes.append(Outcome(reminder.id))
                else:
                    outcomes.append(Outcome(reminder.id, error=f"slack_{failure}"[:64]))
                continue
            outcomes.append(Outcome(reminder.id, sent=1, next_at=following))
        return outcomes
