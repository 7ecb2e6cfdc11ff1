"""A workspace's due digests, decided: for each channel, post what or skip until when."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic

from bot.digest.rules.contents import (
    AppointmentT,
    Digest,
    ItemT,
    Unacknowledged,
    at_risk,
    awaiting,
    todays_appointments,
)
from bot.digest.rules.day import next_due, posts_now, today
from bot.shared.rules.channel_settings import ChannelSettings
from bot.shared.rules.reminders import DueReminder


@dataclass(frozen=True)
class Step(Generic[AppointmentT, ItemT]):
    """What to do with one due digest reminder."""

    reminder_id: int
    next_at: datetime | None  # None: the channel leaves the digest (turned off)
    post: Digest[AppointmentT, ItemT] | None = None  # None: nothing to post today


def plan(
    due: Sequence[DueReminder],
    now: datetime,
    in_force: Mapping[str, ChannelSettings],
    visits: Iterable[tuple[str, AppointmentT]],
    items: Iterable[ItemT],
    handoffs: Iterable[Unacknowledged],
) -> list[Step[AppointmentT, ItemT]]:
    """One step per due reminder (its subject is the channel id), in the order given.

    `in_force` holds every due channel's settings; `visits` pairs each visit with the
    channel it was booked in; `items` are the channels' pre-approvals needed soon.
    """
    channels = [reminder.subject_ref for reminder in due]
    days = {c: today(now, in_force[c].timezone) for c in channels}
    per_visit = todays_appointments(visits, days)
    per_risk = at_risk(items, channels)
    policies = {c: in_force[c].patient_display for c in channels}
    per_handoff = awaiting(handoffs, policies, now)
    steps: list[Step[AppointmentT, ItemT]] = []
    for reminder in due:
        channel = reminder.subject_ref
        in_channel = in_force[channel]
        following = next_due(now, in_channel)
        late = posts_now(now, in_channel)
        if following is None or late is None:
            steps.append(Step(reminder.id, following))
            continue
        report: Digest[AppointmentT, ItemT] = Digest(
            channel,
            days[channel].day,
            in_channel.timezone,
            tuple(per_visit[channel]),
            tuple(per_risk[channel]),
            in_channel.patient_display,
            tuple(per_handoff[channel]),
            late=late,
        )
        steps.append(Step(reminder.id, following, None if report.empty else report))
    return steps
