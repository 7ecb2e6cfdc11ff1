"""Planning a pre-approval's reminders, in the session of every change to it.

`plan` sets when the owner's round should next list the request, keeps the owner's
round reminder at their earliest nudge, keeps the care team's risk check at the next
step of the risk ladder, and keeps an approval's expiry check at its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.preapproval import Status, Urgency
from bot.preapprovals.rules.timing import Chase, Risk, Rounds, next_nudge, next_risk_check
from bot.shared import channel_settings
from bot.shared.rules.business_days import BusinessCalendar, at_local
from bot.shared.rules.channel_settings import ChannelSettings
from storage import reminders
from storage.preapprovals import queries as preapprovals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care
    from storage.preapprovals.models import PreapprovalRow

ROUND = "preauth-round"  # subject: the owner's user id
RISK = "preauth-risk"  # subject: the request's PA-ref
EXPIRY = "preauth-expiry"  # subject: the request's PA-ref
APPROVED = frozenset({Status.APPROVED, Status.PARTIAL})


def rounds_of(care: Care) -> Rounds:
    settings = care.settings
    return Rounds(settings.preauth_round, BusinessCalendar.of(settings.holidays))


def rounds_in(in_force: ChannelSettings) -> Rounds:
    """The rounds of a channel's requests: its round time, its holidays."""
    return Rounds(in_force.preauth_round, BusinessCalendar.of(in_force.holidays))


def rounds_by_channel(
    care: Care, session: Session, team_id: str, channel_ids: Iterable[str | None]
) -> dict[str, Rounds]:
    """Each channel's rounds (a request opened in a DM: the workspace's), read at once."""
    wanted = {channel or "" for channel in channel_ids}
    in_force = channel_settings.for_channels_in(session, care.settings, team_id, wanted)
    return {channel: rounds_in(settings) for channel, settings in in_force.items()}


def chase_of(row: PreapprovalRow) -> Chase:
    return Chase(
        status=Status(row.status),
        urgency=Urgency(row.urgency),
        submitted_at=row.submitted_at,
        snoozed_until=row.snoozed_until,
        needed_by=row.needed_by,
        valid_to=row.valid_to,
    )


def plan(
    care: Care, session: Session, row: PreapprovalRow, now: datetime, owner_zone: ZoneInfo
) -> None:
    """Set the request's next nudge and keep its owner's round and its risk check in step.

    Its nudges come at the round time of the channel it was opened in (else the workspace's).
    """
    rounds = rounds_of(care)
    chase = chase_of(row)
    own = rounds_by_channel(care, session, row.team_id, [row.channel_id])[row.channel_id or ""]
    row.nudge_at = next_nudge(chase, now, owner_zone, own)
    session.flush()
    plan_round(session, row.team_id, row.owner_id, now)
    plan_expiry(session, row, care.settings.timezone, now)
    team, ref = row.team_id, row.ref
    posted = Risk(row.risk_posted)
    check = next_risk_check(chase, now, care.settings.timezone, rounds, posted)
    if check is None:
        reminders.cancel(session, team, RISK, ref, now=now)
        return
    earlier = reminders.get(session, team, RISK, ref)
    if earlier is None or earlier.next_at != check:
        reminders.schedule(session, team, RISK, ref, check, now=now)


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


def ends_at(valid_to: date, zone: ZoneInfo) -> datetime:
    """The first instant after an approval's last valid day."""
    return at_local(valid_to + timedelta(days=1), time(0), zone)


def plan_expiry(session: Session, row: PreapprovalRow, clinic: ZoneInfo, now: datetime) -> None:
    """Keep the request's expiry check at the end of its approval, or drop it."""
    if Status(row.status) in APPROVED and row.valid_to is not None:
        at = ends_at(row.valid_to, clinic)
        reminders.schedule(session, row.team_id, EXPIRY, row.ref, at, now=now)
    else:
        reminders.cancel(session, row.team_id, EXPIRY, row.ref, now=now)
