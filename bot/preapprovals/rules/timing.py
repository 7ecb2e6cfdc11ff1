"""When a pre-approval deserves a nudge, when it is at risk, and which one is most urgent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.preapproval import (
    OPEN,
    WITH_PAYER,
    Status,
    Urgency,
    past_payer_clock,
    payer_deadline,
)
from bot.shared.rules.business_days import (
    BusinessCalendar,
    at_local,
    round_after,
    round_on_or_after,
)

AT_RISK_BUSINESS_DAYS = 3
URGENT_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class Rounds:
    """The reminder round: round_time on business days, on each owner's wall clock."""

    round_time: time
    calendar: BusinessCalendar

    def on_or_after(self, instant: datetime, zone: ZoneInfo) -> datetime:
        return round_on_or_after(instant, zone, self.round_time, self.calendar)

    def after(self, instant: datetime, zone: ZoneInfo) -> datetime:
        return round_after(instant, zone, self.round_time, self.calendar)


@dataclass(frozen=True)
class Chase:
    """What the nagging rules need to know about one request."""

    status: Status
    urgency: Urgency
    submitted_at: datetime | None = None
    snoozed_until: datetime | None = None
    needed_by: datetime | None = None
    valid_to: date | None = None


class Risk(IntEnum):
    NONE = 0
    AT_RISK = 1
    URGENT = 2
    PAST_DUE = 3  # needed already and still not approved: the most urgent of all


def next_nudge(
    chase: Chase, since: datetime, zone: ZoneInfo, rounds: Rounds, *, nudged: bool = False
) -> datetime | None:
    """When the owner should next hear about this request; None once it is resolved.

    `since` is now for a fresh change, or the moment of the round that just nudged
    (`nudged`), which then waits for the following round. A snooze ends to the minute;
    a request with the payer waits for the decision clock to run out.
    """
    if chase.status not in OPEN:
        return None
    if chase.snoozed_until is not None and chase.snoozed_until > since:
        return chase.snoozed_until
    if chase.status in WITH_PAYER:
        deadline = payer_deadline(chase.submitted_at, chase.urgency)
        if deadline is not None and deadline > since:
            return rounds.on_or_after(deadline, zone)
    return rounds.after(since, zone) if nudged else rounds.on_or_after(since, zone)


def at_risk_from(needed_by: datetime, zone: ZoneInfo, rounds: Rounds) -> datetime:
    """The round AT_RISK_BUSINESS_DAYS business days before the day it is needed."""
    needed_day = needed_by.astimezone(zone).date()
    day = rounds.calendar.business_days_before(needed_day, AT_RISK_BUSINESS_DAYS)
    return at_local(day, rounds.round_time, zone)


def urgent_from(needed_by: datetime) -> datetime:
    return needed_by - URGENT_WITHIN


def expires_too_soon(chase: Chase, zone: ZoneInfo) -> bool:
    """An approval that runs out before the day it is needed."""
    return (
        chase.status in (Status.APPROVED, Status.PARTIAL)
        and chase.valid_to is not None
        and chase.needed_by is not None
        and chase.valid_to < chase.needed_by.astimezone(zone).date()
    )


def risk(chase: Chase, now: datetime, zone: ZoneInfo, rounds: Rounds) -> Risk:
    """At risk: needed within 3 business days and not approved (or approved too briefly);
    past due: needed already and still open, until approved, cancelled or re-dated."""
    if chase.needed_by is None:
        return Risk.NONE
    if chase.needed_by <= now:
        return Risk.PAST_DUE if chase.status in OPEN else Risk.NONE
    if chase.status not in OPEN and not expires_too_soon(chase, zone):
        return Risk.NONE
    if now >= urgent_from(chase.needed_by):
        return Risk.URGENT
    if now >= at_risk_from(chase.needed_by, zone, rounds):
        return Risk.AT_RISK
    return Risk.NONE


def next_risk_check(
    chase: Chase, now: datetime, zone: ZoneInfo, rounds: Rounds, posted: Risk = Risk.NONE
) -> datetime | None:
    """When the care team should next hear of this request's risk; None when never.

    Now, when it is already riskier than what was posted (it was opened late, say);
    else the next step of the ladder (at risk, then urgent) not posted yet.
    """
    if chase.needed_by is None:
        return None
    if chase.status not in OPEN and (chase.needed_by <= now or not expires_too_soon(chase, zone)):
        return None
    if risk(chase, now, zone, rounds) > posted:
        return now
    steps = [
        (Risk.AT_RISK, at_risk_from(chase.needed_by, zone, rounds)),
        (Risk.URGENT, urgent_from(chase.needed_by)),
    ]
    if chase.status in OPEN:  # still open when it is needed: the team hears once more
        steps.append((Risk.PAST_DUE, chase.needed_by))
    for level, step in steps:
        if level > posted and step > now:
            return step
    return None


def urgency_key(
    chase: Chase, now: datetime, zone: ZoneInfo, rounds: Rounds, number: int
) -> tuple[int, int, int, float, int]:
    """Sort key, most urgent first: at risk, past the payer clock, expedited, soonest needed."""
    level = risk(chase, now, zone, rounds)
    late = past_payer_clock(chase.status, chase.submitted_at, chase.urgency, now)
    needed = chase.needed_by.timestamp() if chase.needed_by else float("inf")
    return (
        -int(level),
        0 if late else 1,
        0 if chase.urgency is Urgency.EXPEDITED else 1,
        needed,
        number,
    )
