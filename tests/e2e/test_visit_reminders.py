"""Visit reminders as people get them: the clinician's heads-up, the checklist, the no-show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.appointments.reminders import forget, plan
from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit, patients, reminders
from storage.appointments import queries as appointments
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
# START (tests/e2e/conftest.py) is Mon 1 Mar 2027, 2:00 PM in New York, where dana and the
# clinic are; dr.patel reads Chicago time.
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"
SURGERY = "Omar Haddad, surgery, wednesday 7:30am, 3h, at OR 4"
TUESDAY_3PM = datetime(2027, 3, 2, 20, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def book(sandbox: Sandbox, slack: SlackDriver, text: str) -> str:
    slack.command("/appt", f"book {text}")
    slack.click("Confirm")
    return slack.last_reply().text.split("*")[1]


def reminders_to(slack: SlackDriver, user: str) -> list[Seen]:
    return [m for m in slack.dms(user) if m.text.startswith("Reminder:")]


def checklists(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.dms("@dana") if "Pre-procedure checklist" in m.text]


def flags(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.dms("@dana") if "A-1 (" in m.text or "Nothing changed" in m.text]


def status(sandbox: Sandbox, ref: str) -> str:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row.status


def test_the_clinician_hears_a_day_and_an_hour_before_and_only_then(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)

    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=24) - MINUTE)
    assert reminders_to(slack, "@dr.patel") == []
    assert sandbox.move_clock(TUESDAY_3PM - timedelta(hours=24)) == [
        "appt-clinician: 1 sent for 1 reminder(s)"
    ]
    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=1) - MINUTE)
    assert len(reminders_to(slack, "@dr.patel")) == 1
    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=1))
    sandbox.move_clock(TUESDAY_3PM + timedelta(minutes=30))

    day, hour = reminders_to(slack, "@dr.patel")
    # The date is a token Slack shows in each reader's zone; its fallback is dr.patel's.
    assert day.text == (
        "Reminder: A-1 in 24 hours — J.D. (P-1), MRI (imaging), "
        "Tue 2 Mar 2027, 2:00 PM CST at Radiology 2"
    )
    assert f"<!date^{int(TUESDAY_3PM.timestamp())}^" in day.raw_text
    assert hour.text.startswith("Reminder: A-1 in 1 hour — J.D. (P-1)")


def test_a_cancelled_visit_never_fires(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(sandbox, slack, "Omar Haddad, surgery, wednesday 7:30am, 3h, with @dr.patel, at OR 4")
    slack.command("/appt", "cancel A-1 patient unwell")

    for hour in range(1, 4 * 24):  # past every instant a reminder was planned for
        sandbox.move_clock(START + timedelta(hours=hour))

    assert reminders_to(slack, "@dr.patel") == []
    assert slack.dms("@dana") == []
    with sandbox.db.session(read_only=True) as session:
        # Only the channel's daily digest is left; no reminder about the visit.
        assert reminders.pending_count(session, TEAM) == 1
        assert reminders.get(session, TEAM, "digest", "C0CARDIO1") is not None


def test_a_moved_visit_fires_at_the_new_times_not_the_old(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    slack.command("/appt", "move A-1 wednesday 3pm")
    wednesday_3pm = TUESDAY_3PM + timedelta(days=1)

    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=24))
    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=1))
    assert reminders_to(slack, "@dr.patel") == []
    sandbox.move_clock(wednesday_3pm - timedelta(hours=24))
    sandbox.move_clock(wednesday_3pm - timedelta(hours=1))

    day, hour = reminders_to(slack, "@dr.patel")
    assert "A-1 in 24 hours" in day.text and "Wed 3 Mar 2027, 2:00 PM CST" in day.text
    assert "A-1 in 1 hour" in hour.text


def test_a_reminder_planned_before_a_move_it_missed_is_not_sent_stale(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    later = TUESDAY_3PM + timedelta(hours=2)
    with sandbox.db.session() as session:  # moved without planning again, as a bug might
        row = appointments.get_by_ref(session, TEAM, "A-1")
        assert row is not None
        appointments.reschedule(session, row, later, later + timedelta(minutes=45), now=START)

    assert sandbox.move_clock(TUESDAY_3PM - timedelta(hours=24)) == [
        "appt-clinician: 0 sent for 1 reminder(s)"
    ]
    sandbox.move_clock(later - timedelta(hours=24))

    [day] = reminders_to(slack, "@dr.patel")
    assert "A-1 in 24 hours" in day.text and "Tue 2 Mar 2027, 4:00 PM CST" in day.text


def test_the_checklist_comes_the_day_before_at_nine_for_a_surgery_not_an_mri(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, SURGERY)
    book(sandbox, slack, "Jane Doe, MRI, wednesday 1pm, with @dr.patel, at Radiology 2")
    nine_tuesday = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)  # 9:00 AM EST

    sandbox.move_clock(nine_tuesday - MINUTE)
    assert checklists(slack) == []
    assert sandbox.move_clock(nine_tuesday) == ["appt-checklist: 1 sent for 1 reminder(s)"]
    sandbox.move_clock(nine_tuesday + timedelta(hours=20))

    [checklist] = checklists(slack)
    assert "Pre-procedure checklist for A-1* — O.H. (P-1), surgery" in checklist.text
    for line in ("Equipment checked", "Patient prepared", "Consent signed", "/preauth list"):
        assert line in checklist.text


def test_a_surgery_booked_after_nine_the_day_before_gets_its_checklist_at_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, "Omar Haddad, surgery, tomorrow 7:30am, 3h, at OR 4")

    assert sandbox.move_clock(START) == ["appt-checklist: 1 sent for 1 reminder(s)"]
    assert len(checklists(slack)) == 1


def test_plan_schedules_every_kind_and_forget_drops_them_all(sandbox: Sandbox) -> None:
    with sandbox.db.session() as session:
        patient = patients.find_or_create(session, TEAM, "Omar Haddad", None, "U0COORD01")
        start = START + timedelta(days=2)
        row = appointments.add(
            session,
            TEAM,
            patient_id=patient.id,
            kind="surgery",
            label="surgery",
            start_at=start,
            end_at=start + timedelta(hours=3),
            clinician_id="U0DRPATEL",
            location="OR 4",
            notes=None,
            booked_by="U0COORD01",
            channel_id=None,
            now=START,
        )
        plan(session, row, START, sandbox.runtime.shared.settings.timezone)
        assert reminders.pending_count(session, TEAM) == 3
        assert forget(session, TEAM, row.ref) == 3
        assert reminders.pending_count(session, TEAM) == 0


def test_ticking_updates_the_checklist_in_place_and_a_double_click_ticks_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, SURGERY)
    sandbox.move_clock(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))
    dana = slack.as_user("@dana").in_dm()

    dana.click("Signed")
    dana.double_click("Checked")

    [checklist] = checklists(slack)
    assert checklist.edited
    assert "Consent signed — @dana, Tue 2 Mar 2027, 9:05 AM EST" in checklist.text
    assert checklist.text.count("Equipment checked — @dana") == 1
    assert "Patient prepared" in checklist.text and "Complete" not in checklist.text
    with sandbox.db.session(read_only=True) as session:
        ticks = [r for r in audit.recent(session, TEAM) if "checklist" in r.action]
    assert sorted((r.action, r.actor, r.ref) for r in ticks) == [
        ("appointment.checklist.consent", "U0COORD01", "A-1"),
        ("appointment.checklist.equipment", "U0COORD01", "A-1"),
    ]

    dana.click("Prepared")
    dana.click("Confirmed")
    [checklist] = checklists(slack)
    assert "Checklist complete" in checklist.text
    assert "Pre-approval confirmed — @dana" in checklist.text


def test_a_visit_still_booked_a_day_later_is_flagged_and_no_show_sets_it(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    asked_at = TUESDAY_3PM + timedelta(minutes=45, hours=24)

    sandbox.move_clock(asked_at - MINUTE)
    assert flags(slack) == []
    sandbox.move_clock(asked_at)
    [flag] = flags(slack)
    assert flag.text.startswith(
        "A-1 (J.D., Tue 2 Mar 3:00 PM) is still booked a day after its time. Was it a no-show?"
    )
    slack.as_user("@dana").in_dm().click("No-show")

    assert status(sandbox, "A-1") == "noshow"
    [flag] = flags(slack)
    assert flag.edited and "A-1 (J.D. (P-1)) is now no-show, marked by @dana" in flag.text
    [card] = slack.messages("#cardiology-team")
    assert "No-show" in card.text


def test_the_no_show_button_does_no_harm_once_the_patient_checked_in(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)
    sandbox.move_clock(TUESDAY_3PM + timedelta(days=1, hours=1))
    slack.command("/appt", "checkin A-1")

    slack.as_user("@dana").in_dm().click("No-show")

    assert status(sandbox, "A-1") == "checked-in"
    [flag] = flags(slack)
    assert "Nothing changed" in flag.text and "checked in" in flag.text
    assert "No-show" not in flag.text


@pytest.mark.parametrize("status_code", [429, 500])
def test_slack_trouble_leaves_a_reminder_due_for_the_next_sweep(
    sandbox: Sandbox, slack: SlackDriver, status_code: int
) -> None:
    book(sandbox, slack, JANE)
    day_before = TUESDAY_3PM - timedelta(hours=24)
    # A long Retry-After and repeated 5xx answers outlast the client's own retries.
    sandbox.standin.fail_next("chat.postMessage", status=status_code, retry_after=60, times=10)

    assert sandbox.move_clock(day_before) == [
        "appt-clinician: 0 sent for 1 reminder(s), 1 failed (will retry)"
    ]
    sandbox.standin.heal("chat.postMessage")
    sandbox.move_clock(day_before + MINUTE)
    sandbox.move_clock(day_before + 2 * MINUTE)

    [day] = reminders_to(slack, "@dr.patel")
    assert "A-1 in 24 hours" in day.text


def test_a_reminder_sent_late_says_how_long_is_really_left(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(sandbox, slack, JANE)

    sandbox.move_clock(TUESDAY_3PM - timedelta(hours=12, minutes=30))  # the bot was down at -24 h

    [dm] = [m.text for m in slack.dms("@dr.patel") if "Reminder" in m.text]
    assert "A-1 in 12 hours" in dm


@pytest.mark.settings(reminder_leads=())
def test_clinician_reminders_can_be_turned_off(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(sandbox, slack, JANE)

    sandbox.move_clock(TUESDAY_3PM - MINUTE)

    assert [m for m in slack.dms("@dr.patel") if "Reminder" in m.text] == []


# The channel's digest reads the day's visits too: not counted.
@pytest.mark.settings(digest_time=None)
def test_a_sweep_reads_its_batch_of_visits_at_once(sandbox: Sandbox, slack: SlackDriver) -> None:
    for hour in (9, 10, 11, 13, 14):
        book(sandbox, slack, f"Patient {hour}, consult, wednesday {hour}:00, with @dr.patel")
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(sandbox.db.engine, "before_cursor_execute", count)
    try:
        sandbox.move_clock(TUESDAY_3PM)  # every visit's 24 h lead is due, no 1 h one yet
    finally:
        sa.event.remove(sandbox.db.engine, "before_cursor_execute", count)

    assert len(reminders_to(slack, "@dr.patel")) == 5
    visit_reads = [
        s for s in statements if s.lstrip().startswith("SELECT") and "FROM appointments" in s
    ]
    assert len(visit_reads) == 1  # not one per reminder
