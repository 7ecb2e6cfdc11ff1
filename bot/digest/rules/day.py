"""When a channel's digest is due: its day on its own wall clock, its time, its holidays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.shared.rules.business_days import at_local, daily_at_after
from bot.shared.rules.channel_settings import ChannelSettings

# A digest this late (the bot was down all morning) would be stale: skip to the next one.
MISSED = timedelta(hours=12)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Today:
    """A channel's calendar day on its own wall clock, with the instants that bound it."""

    day: date
    zone: ZoneInfo
    start: datetime
    end: datetime  # the next midnight, excluded

    def holds(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def today(now: datetime, zone: ZoneInfo) -> Today:
    """The day `now` falls on in `zone`, midnight to midnight (23 or 25 hours at DST changes)."""
    day = now.astimezone(zone).date()
    return Today(day, zone, at_local(day, time(0), zone), at_local(day + DAY, time(0), zone))


def span(days: Iterable[Today]) -> tuple[datetime, datetime]:
    """From the earliest start to the latest end: one read covers every channel's day."""
    found = list(days)
    return min(d.start for d in found), max(d.end for d in found)


def next_due(now: datetime, in_force: ChannelSettings) -> datetime | None:
    """The channel's next digest time after `now`; None when its digest is off."""
    if in_force.digest_time is None:
        return None
    return daily_at_after(now, in_force.timezone, in_force.digest_time)


def posts_today(due_at: datetime, now: datetime, in_force: ChannelSettings) -> bool:
    """False on the channel's holidays and when the digest comes too late to be of use."""
    missed = now - due_at > MISSED
    return not missed and today(now, in_force.timezone).day not in in_force.holidays
