"""Planning a pre-approval's reminders, in the session of every change to it.

`plan` sets when the owner's round should next list the request, keeps the owner's
round reminder at their earliest nudge, keeps the care team's risk check at the next
step of the risk ladder, and keeps an approval's expiry check at its end.

Settings: a request follows the channel it was opened in (the workspace's when it was
opened in a DM): its round time and holidays, and the zone of its risk ladder and expiry.
Its nudges come at that round time on the owner's own wall clock (the channel's zone when
the owner's is unknown).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.preapprovals.rules.coverage import SeriesVisit, Terms, cover, needed_from
from bot.preapprovals.rules.expiry import APPROVED, ends_at
from bot.preapprovals.rules.preapproval import Status, Urgency
from bot.preapprovals.rules.timing import Chase, Risk, Rounds, next_nudge, next_risk_check
from bot.shared.rules.business_days import BusinessCalendar
from storage import reminders
from storage.preapprovals import queries as preapprovals
from storage.preapprovals.models import PreapprovalRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.shared.channel_settings import SettingsResolver
    from bot.shared.rules.channel_settings import ChannelSettings
    from storage.preapprovals.listed import Listed
    from storage.preapprovals.queries import Due

__all__ = ["APPROVED", "EXPIRY", "RISK", "ROUND", "ends_at", "plan", "plan_round", "rounds_of"]

ROUND = "preauth-round"  # subject: the owner's user id
RISK = "preauth-risk"  # subject: the request's PA-ref
EXPIRY = "preauth-expiry"  # subject: the request's PA-ref


class Resolves(Protocol):
    """Anything that carries the settings resolver (the runtime's collaborators do)."""

    @property
    def in_force(self) -> SettingsResolver: ...


def rounds_of(source: Resolves, team_id: str = "") -> Rounds:
    """The workspace's rounds: its round time, its holidays."""
    return rounds_in(source.in_force.for_workspace(team_id))


def rounds_in(in_force: ChannelSettings) -> Rounds:
    """The rounds of a channel's requests: its round time, its holidays."""
    return Rounds(in_force.preauth_round, BusinessCalendar.of(in_force.holidays))


def channels_of(
    in_force: SettingsResolver, session: Session, team_id: str, channel_ids: Iterable[str | None]
) -> dict[str, ChannelSettings]:
    """Each channel's settings, by id ("" for a request opened in a DM), read at once."""
    return in_force.in_session(session, team_id, {channel or "" for channel in channel_ids})


def cached_zone(name: str | None) -> ZoneInfo | None:
    """A zone the people cache named, or None when it named none (or one zoneinfo lacks)."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def chase_of(row: PreapprovalRow | Listed | Due) -> Chase:
    chase = Chase(
        status=Status(row.status),
        urgency=Urgency(row.urgency),
        submitted_at=row.submitted_at,
        snoozed_until=row.snoozed_until,
        needed_by=row.needed_by,
        valid_to=row.valid_to,
    )
    # A round's due items (Due) are open: what an approval covers does not matter to them.
    if isinstance(row, preapprovals.Due) or row.series_id is None:
        return chase
    return replace(
        chase,
        valid_from=row.valid_from,
        approved_units=row.approved_units,
        visits=series_visits(row),
    )


def series_visits(row: PreapprovalRow | Listed) -> tuple[SeriesVisit, ...] | None:
    """The visits of the request's series (loaded with it), or None when it has no series."""
    if row.series_id is None or row.series is None:
        return None
    return tuple(SeriesVisit(v.ref, v.start_at, v.status) for v in row.series.visits)


def plan(
    in_force: SettingsResolver,
    session: Session,
    row: PreapprovalRow,
    now: datetime,
    owner_zone: ZoneInfo | None,
) -> None:
    """Set the request's next nudge and keep its owner's round and its risk check in step
    (a series' request is needed by the first of its visits not covered yet)."""
    own = channels_of(in_force, session, row.team_id, [row.channel_id])[row.channel_id or ""]
    rounds = rounds_in(own)
    if row.series_id is not None:
        row.needed_by = series_needed_by(row, own.timezone)
    chase = chase_of(row)
    row.nudge_at = next_nudge(chase, now, owner_zone or own.timezone, rounds)
    session.flush()
    plan_round(session, row.team_id, row.owner_id, now)
    plan_expiry(session, row, own.timezone, now)
    team, ref = row.team_id, row.ref
    check = next_risk_check(chase, now, own.timezone, rounds, Risk(row.risk_posted))
    if check is None:
        reminders.cancel(session, team, RISK, ref, now=now)
        return
    earlier = reminders.get(session, team, RISK, ref)
    if earlier is None or earlier.next_at != check:
        reminders.schedule(session, team, RISK, ref, check, now=now)


def series_needed_by(row: PreapprovalRow, zone: ZoneInfo) -> datetime | None:
    """A series' request is needed by its first visit on the schedule since it was opened
    that no approval recorded on it covers (all of them, before any is)."""
    visits = series_visits(row) or ()
    approved = None
    if row.auth_number is not None:
        approved = cover(visits, Terms(row.approved_units, row.valid_from, row.valid_to), zone)
    return needed_from(visits, row.created_at, approved)


def plan_round(session: Session, team_id: str, owner_id: str, now: datetime) -> None:
    """Keep the owner's round reminder at their earliest nudge (or finished when none)."""
    first = preapprovals.first_nudge(session, team_id, owner_id)
    current = reminders.get(session, team_id, ROUND, owner_id)
    if first is None:
        if current is not None and current.next_at is not None:
            reminders.cancel(session, team_id, ROUND, owner_id, now=now)
        return
    # Left alone when unchanged: rescheduling drops the lease of a round being sent.
    if current is None or current.next_at != first:
        reminders.schedule(session, team_id, ROUND, owner_id, first, now=now)


def plan_expiry(session: Session, row: PreapprovalRow, zone: ZoneInfo, now: datetime) -> None:
    """Keep the request's expiry check at the end of its approval, or drop it."""
    if Status(row.status) in APPROVED and row.valid_to is not None:
        at = ends_at(row.valid_to, zone)
        reminders.schedule(session, row.team_id, EXPIRY, row.ref, at, now=now)
    else:
        reminders.cancel(session, row.team_id, EXPIRY, row.ref, now=now)


def owners_zones(session: Session, team_id: str, owners: Collection[str]) -> dict[str, ZoneInfo]:
    """Owners' zones the people cache knows: no Slack call inside a write session."""
    known = preapprovals.zones(session, team_id, owners)
    return {owner: zone for owner, name in known.items() if (zone := cached_zone(name))}
