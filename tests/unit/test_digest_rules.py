"""The daily digest, decided without a database: which day, which channels, what goes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.digest.rules.contents import (
    Unacknowledged,
    Waiting,
    at_risk,
    awaiting,
    todays_appointments,
)
from bot.digest.rules.day import next_due, posts_now, span, today
from bot.digest.rules.plan import plan
from bot.preapprovals.rules.timing import Risk
from bot.shared.rules.channel_settings import ChannelSettings
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.reminders import DueReminder
from bot.shared.rules.severity import Severity

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# Tue 2 Mar 2027, 7:30 AM in New York: the default digest time there.
NOW = datetime(2027, 3, 2, 12, 30, tzinfo=UTC)
CARDIO, ONCO = "C0CARDIO1", "C0ONCO01"


@dataclass(frozen=True)
class Appointment:
    ref: str
    start: datetime


@dataclass(frozen=True)
class Request:
    ref: str
    channel_id: str | None
    risk: Risk


def clinic(zone: ZoneInfo = NEW_YORK, **overrides: object) -> ChannelSettings:
    return ChannelSettings(timezone=zone, **overrides)  # type: ignore[arg-type]


def due(channel: str, at: datetime = NOW, id: int = 1) -> DueReminder:
    return DueReminder(id, "T1", "digest", channel, at, 0, {})


def handoff(channel: str, ref: str = "H-1", posted_at: datetime | None = NOW) -> Unacknowledged:
    return Unacknowledged(
        channel_id=channel,
        ref=ref,
        patient_ref="P-2",
        patient_name="Omar Haddad",
        severity=Severity.WATCHER,
        receiver_user="U0SAM",
        receiver_group=None,
        posted_at=posted_at,
    )


def test_a_channels_day_runs_midnight_to_midnight_on_its_own_wall_clock() -> None:
    day = today(NOW, NEW_YORK)

    assert day.day == date(2027, 3, 2)
    assert day.start == datetime(2027, 3, 2, 5, 0, tzinfo=UTC)
    assert day.end == datetime(2027, 3, 3, 5, 0, tzinfo=UTC)
    assert day.holds(day.start) and not day.holds(day.end)
    assert today(NOW, TOKYO).day == date(2027, 3, 2)  # 9:30 PM there


def test_the_day_the_clocks_go_forward_has_23_hours() -> None:
    day = today(datetime(2027, 3, 14, 16, 0, tzinfo=UTC), NEW_YORK)

    # Aware datetimes in one zone subtract as wall clocks: compare the instants.
    assert day.end.astimezone(UTC) - day.start.astimezone(UTC) == 23 * HOUR


def test_one_read_spans_every_channels_day() -> None:
    start, end = span([today(NOW, NEW_YORK), today(NOW, TOKYO)])

    assert start == datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # midnight in Tokyo
    assert end == datetime(2027, 3, 3, 5, 0, tzinfo=UTC)  # midnight in New York


def test_the_next_digest_is_at_the_channels_time_and_none_when_off() -> None:
    assert next_due(NOW, clinic()) == NOW + DAY
    assert next_due(NOW - HOUR, clinic()) == NOW
    assert next_due(NOW, clinic(digest_time=time(6, 45))) == datetime(
        2027, 3, 3, 11, 45, tzinfo=UTC
    )
    assert next_due(NOW, clinic(digest_time=None)) is None


def test_no_digest_on_a_holiday_or_half_a_day_late() -> None:
    assert posts_now(NOW, clinic()) is False  # on time
    assert posts_now(NOW + 12 * HOUR, clinic()) is True  # late, and said so
    assert posts_now(NOW + 12 * HOUR + timedelta(seconds=1), clinic()) is None
    assert posts_now(NOW, clinic(holidays=frozenset({date(2027, 3, 2)}))) is None
    assert posts_now(NOW, clinic(digest_time=None)) is None


def test_after_downtime_todays_digest_is_posted_late_whatever_day_the_reminder_was_for() -> None:
    # Down from Sunday 03:45 to Monday 07:31: the reminder was Sunday's; Monday's goes out.
    monday_0731 = datetime(2027, 3, 1, 12, 31, tzinfo=UTC)
    assert posts_now(monday_0731, clinic()) is False  # one minute after its time: on time
    assert posts_now(monday_0731 + HOUR, clinic()) is True
    assert posts_now(datetime(2027, 3, 1, 11, 0, tzinfo=UTC), clinic()) is None  # 6 am: not yet


def test_visits_go_to_their_channels_digest_on_its_day_in_start_order() -> None:
    days = {CARDIO: today(NOW, NEW_YORK), ONCO: today(NOW, TOKYO)}
    early = Appointment("A-1", datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    late = Appointment("A-2", datetime(2027, 3, 2, 20, 0, tzinfo=UTC))
    tomorrow = Appointment("A-3", datetime(2027, 3, 3, 14, 0, tzinfo=UTC))
    tied = Appointment("A-4", late.start)

    found = todays_appointments(
        [(CARDIO, late), (CARDIO, tomorrow), (CARDIO, early), (CARDIO, tied), (ONCO, late)],
        days,
    )

    assert found[CARDIO] == [early, late, tied]
    assert found[ONCO] == []  # 5 AM tomorrow in Tokyo
    assert "C0ELSE" not in todays_appointments([("C0ELSE", early)], days)


def test_only_requests_at_risk_in_a_due_channel_count() -> None:
    urgent = Request("PA-1", CARDIO, Risk.URGENT)
    calm = Request("PA-2", CARDIO, Risk.NONE)
    risky = Request("PA-3", CARDIO, Risk.AT_RISK)
    elsewhere = Request("PA-4", "C0ELSE", Risk.URGENT)
    in_a_dm = Request("PA-5", None, Risk.URGENT)

    found = at_risk([urgent, calm, risky, elsewhere, in_a_dm], [CARDIO])

    assert found == {CARDIO: [urgent, risky]}


def test_waiting_handoffs_show_patients_by_their_channels_policy() -> None:
    policies = {CARDIO: PatientDisplay.INITIALS, ONCO: PatientDisplay.FULL}

    found = awaiting(
        [handoff(CARDIO), handoff(ONCO, "H-2", posted_at=None), handoff("C0ELSE", "H-3")],
        policies,
        NOW,
    )

    assert found[CARDIO] == [Waiting("H-1", "O.H. (P-2)", Severity.WATCHER, "U0SAM", None, NOW)]
    assert [(w.ref, w.patient, w.posted_at) for w in found[ONCO]] == [
        ("H-2", "Omar Haddad (P-2)", NOW)
    ]
    assert "C0ELSE" not in found


def test_a_channel_with_something_to_say_gets_its_digest_and_tomorrows_time() -> None:
    visit = Appointment("A-1", datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    request = Request("PA-1", CARDIO, Risk.AT_RISK)

    [step] = plan([due(CARDIO)], NOW, {CARDIO: clinic()}, [(CARDIO, visit)], [request], [])

    assert step.reminder_id == 1 and step.next_at == NOW + DAY
    assert step.post is not None
    assert step.post.channel == CARDIO and step.post.day == date(2027, 3, 2)
    assert step.post.visits == (visit,) and step.post.at_risk == (request,)
    assert step.post.zone == NEW_YORK and step.post.handoffs == ()


def test_a_quiet_day_or_a_holiday_posts_nothing_and_waits_for_tomorrow() -> None:
    in_force = {CARDIO: clinic(), ONCO: clinic(holidays=frozenset({date(2027, 3, 2)}))}
    batch = [due(CARDIO, id=1), due(ONCO, id=2)]

    steps = plan(batch, NOW, in_force, [], [], [handoff(ONCO)])

    assert [(s.reminder_id, s.next_at, s.post) for s in steps] == [
        (1, NOW + DAY, None),
        (2, NOW + DAY, None),
    ]


def test_a_reminder_left_from_yesterday_posts_todays_digest_once_and_late_if_it_is() -> None:
    stale = due("C0LATE", NOW - 13 * HOUR, id=3)  # the bot was down over yesterday's

    [on_time] = plan([stale], NOW, {"C0LATE": clinic()}, [], [], [handoff("C0LATE")])
    [late] = plan([stale], NOW + 2 * HOUR, {"C0LATE": clinic()}, [], [], [handoff("C0LATE")])
    [stale_today] = plan([stale], NOW + 13 * HOUR, {"C0LATE": clinic()}, [], [], [])

    assert on_time.post is not None and not on_time.post.late and on_time.next_at == NOW + DAY
    assert late.post is not None and late.post.late and late.next_at == NOW + DAY
    assert stale_today.post is None and stale_today.next_at == NOW + DAY


def test_a_digest_turned_off_finishes_its_reminder() -> None:
    [step] = plan([due(CARDIO)], NOW, {CARDIO: clinic(digest_time=None)}, [], [], [handoff(CARDIO)])

    assert step.next_at is None and step.post is None


def test_each_channel_gets_its_own_day_display_and_time() -> None:
    in_force = {
        CARDIO: clinic(),
        ONCO: clinic(TOKYO, digest_time=time(21, 30), patient_display=PatientDisplay.ID),
    }

    steps = plan([due(CARDIO, id=1), due(ONCO, id=2)], NOW, in_force, [], [], [handoff(ONCO)])

    assert steps[0].post is None and steps[0].next_at == NOW + DAY
    onco = steps[1].post
    assert onco is not None and onco.policy is PatientDisplay.ID
    assert [w.patient for w in onco.handoffs] == ["P-2"]
    assert steps[1].next_at == NOW + DAY
