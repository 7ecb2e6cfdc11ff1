"""Pre-approval rules as plain values: states, the payer clock, rounds, the risk ladder."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.preapprovals.rules.preapproval import (
    Action,
    Status,
    TransitionRefused,
    Urgency,
    check_auth_number,
    past_payer_clock,
    transition,
)
from bot.preapprovals.rules.timing import (
    Chase,
    Risk,
    Rounds,
    at_risk_from,
    next_nudge,
    next_risk_check,
    risk,
    urgency_key,
)
from bot.shared.rules.business_days import (
    BusinessCalendar,
    daily_at_after,
    round_after,
    round_on_or_after,
)

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
NINE = time(9, 0)
CALENDAR = BusinessCalendar.of([date(2027, 3, 3)])  # a Wednesday holiday
ROUNDS = Rounds(NINE, CALENDAR)
MON_2PM = datetime(2027, 3, 1, 14, 0, tzinfo=NY)


def local(day: int, hour: int, minute: int = 0, zone: ZoneInfo = NY) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=zone)


def test_rounds_are_at_nine_on_business_days_in_the_owners_zone() -> None:
    assert round_on_or_after(MON_2PM, NY, NINE, CALENDAR) == local(2, 9)
    assert round_on_or_after(local(2, 9), NY, NINE, CALENDAR) == local(2, 9)
    assert round_after(local(2, 9), NY, NINE, CALENDAR) == local(4, 9)  # Wednesday is a holiday
    assert round_on_or_after(local(5, 10), NY, NINE, CALENDAR) == local(8, 9)  # weekend skipped
    assert round_on_or_after(MON_2PM, LA, NINE, CALENDAR) == local(1, 9, zone=LA) + timedelta(
        days=1
    )


def test_a_round_on_the_day_clocks_spring_forward_is_still_nine_local() -> None:
    at = round_on_or_after(datetime(2027, 3, 13, 12, tzinfo=UTC), NY, NINE, BusinessCalendar())
    assert at.astimezone(NY).hour == 9 and at.astimezone(NY).day == 15
    assert at.astimezone(UTC).hour == 13  # EDT now, an hour earlier in UTC than in winter


def test_business_days_before_skip_weekends_and_holidays() -> None:
    assert CALENDAR.business_days_before(date(2027, 3, 5), 3) == date(2027, 3, 1)
    assert CALENDAR.business_days_before(date(2027, 3, 8), 1) == date(2027, 3, 5)
    assert CALENDAR.business_days_between(date(2027, 3, 1), date(2027, 3, 5)) == 3


def test_daily_time_comes_every_day() -> None:
    assert daily_at_after(local(6, 8), NY, time(7, 30)) == local(7, 7, 30)
    assert daily_at_after(local(6, 7), NY, time(7, 30)) == local(6, 7, 30)


@pytest.mark.parametrize(
    ("status", "action", "to"),
    [
        (Status.NOT_STARTED, Action.SUBMIT, Status.SUBMITTED),
        (Status.SUBMITTED, Action.PEND, Status.PENDED),
        (Status.PENDED, Action.SUBMIT, Status.SUBMITTED),
        (Status.SUBMITTED, Action.APPROVE, Status.APPROVED),
        (Status.SUBMITTED, Action.PARTIAL, Status.PARTIAL),
        (Status.SUBMITTED, Action.DENY, Status.DENIED),
        (Status.DENIED, Action.APPEAL, Status.APPEALED),
        (Status.APPEALED, Action.APPROVE, Status.APPROVED),
        (Status.APPROVED, Action.EXPIRE, Status.EXPIRED),
        (Status.EXPIRED, Action.SUBMIT, Status.SUBMITTED),
        (Status.NOT_STARTED, Action.NOT_REQUIRED, Status.NOT_REQUIRED),
        (Status.SUBMITTED, Action.CANCEL, Status.CANCELLED),
    ],
)
def test_allowed_changes(status: Status, action: Action, to: Status) -> None:
    assert transition(status, action, "PA-1") is to


def test_approving_a_denied_request_is_explained_with_what_to_do() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(Status.DENIED, Action.APPROVE, "PA-3")
    assert "PA-3 is denied, so it cannot be marked approved" in str(refused.value)
    assert "/preauth appeal PA-3" in str(refused.value)


def test_doing_the_same_thing_twice_says_so() -> None:
    with pytest.raises(TransitionRefused, match="already submitted"):
        transition(Status.SUBMITTED, Action.SUBMIT, "PA-1")


@pytest.mark.parametrize("number", ["AUTH 123", "AUTH-1✅", "", "x" * 41, "-123"])
def test_auth_numbers_with_spaces_or_emoji_are_refused(number: str) -> None:
    with pytest.raises(ValueError, match="no spaces or symbols"):
        check_auth_number(number)


def test_auth_numbers_as_payers_write_them_pass() -> None:
    assert check_auth_number(" A1B2-33.4/5 ") == "A1B2-33.4/5"


def test_the_payer_clock_is_72_hours_expedited_and_7_days_standard() -> None:
    sent = local(1, 10)
    assert not past_payer_clock(
        Status.SUBMITTED, sent, Urgency.EXPEDITED, sent + timedelta(hours=71)
    )
    assert past_payer_clock(Status.SUBMITTED, sent, Urgency.EXPEDITED, sent + timedelta(hours=72))
    assert not past_payer_clock(Status.SUBMITTED, sent, Urgency.STANDARD, sent + timedelta(days=6))
    assert past_payer_clock(Status.SUBMITTED, sent, Urgency.STANDARD, sent + timedelta(days=7))
    assert not past_payer_clock(Status.APPROVED, sent, Urgency.STANDARD, sent + timedelta(days=9))


def test_open_requests_are_nudged_at_the_next_round_resolved_ones_never() -> None:
    fresh = Chase(Status.NOT_STARTED, Urgency.STANDARD)
    assert next_nudge(fresh, MON_2PM, NY, ROUNDS) == local(2, 9)
    assert next_nudge(fresh, local(2, 9), NY, ROUNDS, nudged=True) == local(4, 9)
    assert next_nudge(Chase(Status.APPROVED, Urgency.STANDARD), MON_2PM, NY, ROUNDS) is None
    assert next_nudge(Chase(Status.DENIED, Urgency.STANDARD), MON_2PM, NY, ROUNDS) is None


def test_a_request_with_the_payer_waits_for_the_clock_then_the_next_round() -> None:
    submitted = Chase(Status.SUBMITTED, Urgency.EXPEDITED, submitted_at=local(1, 10))
    assert next_nudge(submitted, MON_2PM, NY, ROUNDS) == local(5, 9)  # due Thu 10:00 -> Fri 9:00


def test_a_snooze_is_honoured_to_the_minute() -> None:
    snoozed = Chase(Status.NOT_STARTED, Urgency.STANDARD, snoozed_until=local(2, 14, 37))
    assert next_nudge(snoozed, MON_2PM, NY, ROUNDS) == local(2, 14, 37)
    assert next_nudge(snoozed, local(2, 14, 37), NY, ROUNDS, nudged=True) == local(4, 9)


def test_the_risk_ladder_three_business_days_then_one_day() -> None:
    needed = local(8, 10)  # Monday: three business days before is Wednesday... a holiday
    chase = Chase(Status.SUBMITTED, Urgency.STANDARD, needed_by=needed)
    assert at_risk_from(needed, NY, ROUNDS) == local(2, 9)
    assert risk(chase, local(2, 8), NY, ROUNDS) is Risk.NONE
    assert risk(chase, local(2, 9), NY, ROUNDS) is Risk.AT_RISK
    assert risk(chase, local(7, 10), NY, ROUNDS) is Risk.URGENT
    assert next_risk_check(chase, MON_2PM, NY, ROUNDS) == local(2, 9)
    assert next_risk_check(chase, local(2, 9), NY, ROUNDS, Risk.AT_RISK) == local(7, 10)
    assert next_risk_check(chase, local(7, 10), NY, ROUNDS, Risk.URGENT) == needed
    assert risk(chase, needed, NY, ROUNDS) is Risk.PAST_DUE
    assert next_risk_check(chase, needed, NY, ROUNDS, Risk.URGENT) == needed  # told at once
    assert next_risk_check(chase, needed, NY, ROUNDS, Risk.PAST_DUE) is None  # told once


def test_past_due_is_the_most_urgent_until_approved_cancelled_or_re_dated() -> None:
    needed = local(4, 10)
    after = needed + timedelta(days=2)
    open_one = Chase(Status.SUBMITTED, Urgency.STANDARD, needed_by=needed)
    soon = Chase(Status.NOT_STARTED, Urgency.EXPEDITED, needed_by=after)
    assert risk(open_one, after - timedelta(hours=1), NY, ROUNDS) is Risk.PAST_DUE
    keys = [
        urgency_key(c, needed + timedelta(hours=1), NY, ROUNDS, n)
        for n, c in ((2, soon), (1, open_one))
    ]
    assert min(keys)[0] == -int(Risk.PAST_DUE)
    for done in (Status.APPROVED, Status.CANCELLED):
        resolved = Chase(done, Urgency.STANDARD, needed_by=needed)
        assert risk(resolved, after, NY, ROUNDS) is Risk.NONE
        assert next_risk_check(resolved, after, NY, ROUNDS, Risk.URGENT) is None
    redated = Chase(Status.SUBMITTED, Urgency.STANDARD, needed_by=after + timedelta(days=7))
    assert risk(redated, after, NY, ROUNDS) is Risk.NONE


def test_a_request_opened_inside_the_window_is_flagged_at_once() -> None:
    chase = Chase(Status.NOT_STARTED, Urgency.STANDARD, needed_by=local(2, 10))
    assert next_risk_check(chase, MON_2PM, NY, ROUNDS) == MON_2PM


def test_an_approval_ending_before_the_visit_stays_at_risk() -> None:
    approved = Chase(Status.APPROVED, Urgency.STANDARD, needed_by=local(4, 10))
    assert risk(approved, local(2, 10), NY, ROUNDS) is Risk.NONE
    short = Chase(
        Status.APPROVED, Urgency.STANDARD, needed_by=local(4, 10), valid_to=date(2027, 3, 2)
    )
    assert risk(short, local(2, 10), NY, ROUNDS) is Risk.AT_RISK


def test_most_urgent_first() -> None:
    now = local(2, 10)
    calm = Chase(Status.NOT_STARTED, Urgency.STANDARD)
    expedited = Chase(Status.NOT_STARTED, Urgency.EXPEDITED)
    late = Chase(Status.SUBMITTED, Urgency.STANDARD, submitted_at=now - timedelta(days=8))
    urgent = Chase(Status.NOT_STARTED, Urgency.STANDARD, needed_by=now + timedelta(hours=5))
    ranked = sorted(
        [(calm, 1), (expedited, 2), (late, 3), (urgent, 4)],
        key=lambda pair: urgency_key(pair[0], now, NY, ROUNDS, pair[1]),
    )
    assert [n for _, n in ranked] == [4, 3, 2, 1]
