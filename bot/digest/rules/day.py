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
# Later than this after its time, a digest says it is a catch-up.
LATE = timedelta(minutes=15)
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


def latest_due(now: datetime, in_force: ChannelSettings) -> datetime | None:
    """The channel's last digest time up to `now` (today's once it has passed); None when off."""
    if in_force.digest_time is None:
        return None
    latest = daily_at_after(now - DAY, in_force.timezone, in_force.digest_time)
    return latest if latest <= now else None


def posts_now(now: datetime, in_force: ChannelSettings) -> bool | None:
    """Whether today's digest goes out now: None (not today: a holiday, or more than half a
    day late), else whether it is late (posted on catch-up after downtime, and said so).

    It is today's digest time that counts, not the reminder's: a bot down from Sunday to
    Monday 07:31 posts Monday's digest, late, once; the reminder then waits for Tuesday.
    """
    latest = latest_due(now, in_force)
    local = today(now, in_force.timezone)
    if latest is None or not local.holds(latest) or now - latest > MISSED:
        return None
    if local.day in in_force.holidays:
        return None
    return now - latest > LATE
