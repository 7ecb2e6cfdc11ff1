"""When a pre-approval deserves a nudge, when it is at risk, and which one is most urgent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.preapprovals.rules.coverage import Coverage, SeriesVisit, Terms, cover
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
    valid_from: date | None = None
    approved_units: int | None = None
    visits: tuple[SeriesVisit, ...] | None = None  # the visits of its series, when it has one


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
    return _at_risk_from(needed_by.astimezone(UTC), zone, rounds)  # UTC: one key an instant


@lru_cache(maxsize=4096)  # every list, round and risk check asks it of each request again
def _at_risk_from(needed_by: datetime, zone: ZoneInfo, rounds: Rounds) -> datetime:
    needed_day = needed_by.astimezone(zone).date()
    day = rounds.calendar.business_days_before(needed_day, AT_RISK_BUSINESS_DAYS)
    return at_local(day, rounds.round_time, zone)


def urgent_from(needed_by: datetime) -> datetime:
    return needed_by - URGENT_WITHIN


APPROVED = (Status.APPROVED, Status.PARTIAL)


def coverage(chase: Chase, zone: ZoneInfo) -> Coverage | None:
    """How the approval's terms cover the visits of its series; None without a series."""
    if chase.visits is None:
        return None
    terms = Terms(chase.approved_units, chase.valid_from, chase.valid_to)
    return cover(chase.visits, terms, zone)


def coverage_gap(chase: Chase, now: datetime, zone: ZoneInfo) -> datetime | None:
    """An approved series: when its first visit ahead that the approval does not cover starts."""
    found = coverage(chase, zone) if chase.status in APPROVED else None
    return found.next_gap(now) if found is not None else None


def expires_too_soon(chase: Chase, zone: ZoneInfo) -> bool:
    """An approval that runs out before the day it is needed (a series': see coverage_gap)."""
    return (
        chase.status in APPROVED
        and chase.visits is None
        and chase.valid_to is not None
        and chase.needed_by is not None
        and chase.valid_to < chase.needed_by.astimezone(zone).date()
    )


def risk(chase: Chase, now: datetime, zone: ZoneInfo, rounds: Rounds) -> Risk:
    """At risk: needed within 3 business days and not approved (or approved too briefly);
    past due: needed already and still open, until approved, cancelled or re-dated.

    An approved series is at risk by the same ladder before its first visit ahead that the
    approval does not cover (past its units or its dates)."""
    if chase.visits is not None and chase.status in APPROVED:
        gap = coverage_gap(chase, now, zone)
        return Risk.NONE if gap is None else _ladder(gap, now, zone, rounds)
    if chase.needed_by is None:
        return Risk.NONE
    if chase.needed_by <= now:
        return Risk.PAST_DUE if chase.status in OPEN else Risk.NONE
    if chase.status not in OPEN and not expires_too_soon(chase, zone):
        return Risk.NONE
    return _ladder(chase.needed_by, now, zone, rounds)


def _ladder(needed: datetime, now: datetime, zone: ZoneInfo, rounds: Rounds) -> Risk:
    """Urgent within a day of `needed`, at risk from 3 business days before, else none."""
    if now >= urgent_from(needed):
        return Risk.URGENT
    if now >= at_risk_from(needed, zone, rounds):
        return Risk.AT_RISK
    return Risk.NONE


def next_risk_check(
    chase: Chase, now: datetime, zone: ZoneInfo, rounds: Rounds, posted: Risk = Risk.NONE
) -> datetime | None:
    """When the care team should next hear of this request's risk; None when never.

    Now, when it is already riskier than what was posted (it was opened late, say);
    else the next step of the ladder (at risk, then urgent) not posted yet. An approved
    series climbs the ladder once, before its first visit ahead that is not covered.
    """
    if chase.visits is not None and chase.status in APPROVED:
        gap = coverage_gap(chase, now, zone)
        if gap is None:
            return None
        if risk(chase, now, zone, rounds) > posted:
            return now
        return _next_step(gap, now, zone, rounds, posted, past_due=False)
    if chase.needed_by is None:
        return None
    if chase.status not in OPEN and (chase.needed_by <= now or not expires_too_soon(chase, zone)):
        return None
    if risk(chase, now, zone, rounds) > posted:
        return now
    # Still open when it is needed: the team hears once more.
    return _next_step(chase.needed_by, now, zone, rounds, posted, past_due=chase.status in OPEN)


def _next_step(
    needed: datetime, now: datetime, zone: ZoneInfo, rounds: Rounds, posted: Risk, *, past_due: bool
) -> datetime | None:
    steps = [(Risk.AT_RISK, at_risk_from(needed, zone, rounds)), (Risk.URGENT, urgent_from(needed))]
    if past_due:
        steps.append((Risk.PAST_DUE, needed))
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
    return ranked(level, late, chase.urgency, chase.needed_by, number)


def ranked(
    level: Risk, late: bool, urgency: Urgency, needed_by: datetime | None, number: int
) -> tuple[int, int, int, float, int]:
    """`urgency_key` from a request's risk and lateness already worked out."""
    needed = needed_by.timestamp() if needed_by else float("inf")
    return (
        -int(level),
        0 if late else 1,
        0 if urgency is Urgency.EXPEDITED else 1,
        needed,
        number,
    )
