"""Recurring visits typed into /appt book: previewed date by date, booked together as a series
on Confirm, each visit its own; collisions skipped; the clinician told once; cancelling one,
the following ones or the whole series. Through the stand-in, on both databases."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage.appointments import queries as appointments
from storage.appointments import series as stored_series
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
ZONE = ZoneInfo("America/New_York")
# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
PHYSIO = "Ana Lima, physio, every tuesday and thursday 10am for 6 weeks, with @dr.patel"


def preview(slack: SlackDriver, text: str) -> str:
    slack.command("/appt", f"book {text}")
    return slack.last_reply().text


def booked(sandbox: Sandbox, ref: str) -> list[appointments.AppointmentRow]:
    with sandbox.db.session(read_only=True) as session:
        series = stored_series.get_by_ref(session, TEAM, ref)
        assert series is not None
        return stored_series.occurrences(session, series)


@pytest.mark.parametrize(
    ("typed", "said", "count", "first", "last"),
    [
        (
            PHYSIO,
            "every Tue and Thu at 10:00 AM, 12 visits (6 weeks)",
            12,
            "Tue 2 Mar 2027, 10:00-10:50 AM EST",
            "Thu 8 Apr 2027, 10:00-10:50 AM EDT",
        ),
        (
            "Bo Chen, infusion, mon wed fri 7am until 2027-03-19",
            "every Mon, Wed and Fri at 7:00 AM, 8 visits (until Fri 19 Mar 2027)",
            8,
            "Wed 3 Mar 2027, 7:00-9:00 AM EST",
            "Fri 19 Mar 2027, 7:00-9:00 AM EDT",
        ),
        (
            "Cy Dee, infusion, every 3 weeks from 2027-04-05 9am, 8 times",
            "every 3 weeks on Mon at 9:00 AM, 8 visits (from Mon 5 Apr 2027)",
            8,
            "Mon 5 Apr 2027, 9:00-11:00 AM EDT",
            "Mon 30 Aug 2027, 9:00-11:00 AM EDT",
        ),
        (
            "Di Eve, wound check, weekly on fridays 2pm, 4 times",
            "every Fri at 2:00 PM, 4 visits",
            4,
            "Fri 5 Mar 2027, 2:00-2:20 PM EST",
            "Fri 26 Mar 2027, 2:00-2:20 PM EDT",
        ),
    ],
)
def test_each_typed_series_is_previewed_then_booked_as_visits_of_one_series(
    sandbox: Sandbox, slack: SlackDriver, typed: str, said: str, count: int, first: str, last: str
) -> None:
    shown = preview(slack, typed)

    assert "Book this series?" in shown and said in shown
    assert first in shown and last in shown
    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-1") is None  # nothing until Confirm

    slack.click(f"Book {count} visits")

    told = slack.last_reply().text
    assert "Booked series *S-1*" in told and f"{count} visits, A-1 to A-{count}" in told
    visits = booked(sandbox, "S-1")
    assert [v.ref for v in visits] == [f"A-{n}" for n in range(1, count + 1)]
    assert all(v.status == "booked" and v.series_id == visits[0].series_id for v in visits)
    [card] = slack.messages("#cardiology-team")  # one card for the series, not one per visit
    assert "Series S-1" in card.text and f"{count} visits" in card.text


def test_visits_keep_their_wall_clock_time_across_the_clock_change(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")

    new_york = [v.start_at.astimezone(ZONE) for v in booked(sandbox, "S-1")]
    assert {at.hour for at in new_york} == {10}  # before and after 14 March


def test_colliding_dates_are_marked_skipped_and_the_rest_booked(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jo Park, consult, thursday 10am, with @dr.patel")
    slack.click("Confirm")  # dr.patel is busy on Thu 4 Mar at 10

    shown = preview(slack, PHYSIO)

    assert "Thu 4 Mar 2027, 10:00-10:50 AM EST: collides with A-1 (same clinician)" in shown
    assert "free that day Thu 4 Mar 2027, 10:30-11:20 AM EST" in shown
    slack.click("Book 11 visits, skip 1")
    told = slack.last_reply().text
    assert "11 visits" in told and "Skipped (they collide): Thu 4 Mar 2027" in told
    starts = [v.start_at for v in booked(sandbox, "S-1")]
    assert len(starts) == 11
    assert [s.astimezone(ZONE).day for s in starts[:2]] == [2, 9]  # Tue 2, then Tue 9 Mar


def test_the_clinician_is_told_once_and_each_visit_is_reminded_of_on_its_own(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")

    [told] = slack.dms("@dr.patel")
    assert "Series S-1" in told.text and "12 visits" in told.text

    sandbox.move_clock(START + timedelta(days=2, hours=1))  # Wed 3 Mar: Thu 4 Mar's is due
    reminders = [dm for dm in slack.dms("@dr.patel") if dm.ts != told.ts]
    assert any("A-2" in dm.text for dm in reminders)  # the second visit's own reminder
    assert not any("A-3" in dm.text for dm in reminders)


def test_a_series_the_rules_cannot_book_is_refused_with_an_example(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    said = preview(slack, "Ed Fox, consult, every blursday 10am for 2 weeks")
    assert 'I don\'t know the day "blursday"' in said and "Example: every" in said
    said = preview(slack, "Ed Fox, consult, daily 8am, 500 times")
    assert "500 visits; a series has at most 100" in said and "Example: every day 8am" in said
    said = preview(slack, "Ed Fox, consult, every tuesday for 6 weeks")
    assert "Example:" in said
    said = preview(slack, "Ed Fox, consult, tomorrow 3pm, 4 times")
    assert "counts visits, but nothing says how they repeat" in said
    with sandbox.db.session(read_only=True) as session:
        assert stored_series.get_by_ref(session, TEAM, "S-1") is None


@pytest.mark.settings(series_max_visits=5)
def test_the_series_limit_is_a_setting(sandbox: Sandbox, slack: SlackDriver) -> None:
    said = preview(slack, PHYSIO)
    assert "a series has at most 5" in said


def test_cancelling_a_visit_of_a_series_asks_which_and_never_loses_the_others(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")

    slack.command("/appt", "cancel A-3")
    asked = slack.last_reply().text
    assert "A-3 is one visit of series S-1" in asked

    slack.click("Just A-3")
    assert "The other visits of series S-1 are as they were" in slack.last_reply().text
    statuses = {v.ref: v.status for v in booked(sandbox, "S-1")}
    assert statuses["A-3"] == "cancelled"
    assert [r for r, s in statuses.items() if s == "cancelled"] == ["A-3"]

    slack.command("/appt", "cancel A-10 onwards")
    assert "Cancelled 3 visits of series *S-1*: A-10, A-11, A-12" in slack.last_reply().text
    statuses = {v.ref: v.status for v in booked(sandbox, "S-1")}
    assert sorted(r for r, s in statuses.items() if s == "cancelled") == [
        "A-10",
        "A-11",
        "A-12",
        "A-3",
    ]
    change = [dm for dm in slack.dms("@dr.patel") if "cancelled" in dm.text]
    assert len(change) == 2  # A-3 on its own, then the three at once: once per change


def test_the_whole_series_can_be_cancelled_by_its_ref(sandbox: Sandbox, slack: SlackDriver) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")
    slack.command("/appt", "list next week")
    assert "S-1" in slack.last_reply().text  # a list says which visits repeat

    slack.command("/appt", "cancel S-1")

    assert "Cancelled 12 visits of series *S-1*" in slack.last_reply().text
    assert {v.status for v in booked(sandbox, "S-1")} == {"cancelled"}
    slack.command("/appt", "cancel S-9")
    assert "There is no series S-9" in slack.last_reply().text


def test_a_double_click_on_book_books_one_series(sandbox: Sandbox, slack: SlackDriver) -> None:
    preview(slack, PHYSIO)

    slack.double_click("Book 12 visits")

    with sandbox.db.session(read_only=True) as session:
        assert stored_series.get_by_ref(session, TEAM, "S-2") is None
        assert appointments.get_by_ref(session, TEAM, "A-13") is None
    assert len(booked(sandbox, "S-1")) == 12
    assert len(slack.messages("#cardiology-team")) == 1


def test_someone_outside_the_care_team_cannot_cancel_a_series(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")

    slack.as_user("@visitor").in_channel("#general").command("/appt", "cancel S-1")

    assert "care-team" in slack.last_reply().text
    slack.command("/appt", "cancel s9")  # a series that does not exist: the same refusal
    assert "care-team" in slack.last_reply().text and "no series" not in slack.last_reply().text
    assert {v.status for v in booked(sandbox, "S-1")} == {"booked"}


def test_a_colliding_date_can_be_booked_at_the_nearest_free_time_that_day(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jo Park, consult, thursday 10am, with @dr.patel")
    slack.click("Confirm")  # A-1 holds dr.patel 10:00-10:30 on Thu 4 Mar
    preview(slack, PHYSIO)

    slack.click("Book 12, 1 at the free time that day")

    told = slack.last_reply().text
    assert "At another time that day (the usual one was taken): A-3 Thu 4 Mar 2027 10:30 AM" in told
    visits = booked(sandbox, "S-1")
    assert len(visits) == 12
    shifted = next(v for v in visits if v.ref == "A-3")
    assert shifted.start_at.astimezone(ZONE).strftime("%a %d %H:%M") == "Thu 04 10:30"


FORM = {
    "Patient": "Ana Lima",
    "Kind": "Therapy",
    "Repeats": "every tuesday and thursday 10am for 6 weeks",
    "Clinician": "@dr.patel",
}


def test_the_form_s_repeats_part_previews_and_books_a_series(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt")

    ack = slack.submit(FORM)

    assert ack.ok and slack.errors == {}
    shown = slack.last_reply().text
    assert "Book this series?" in shown and "every Tue and Thu at 10:00 AM, 12 visits" in shown
    slack.click("Book 12 visits")
    assert len(booked(sandbox, "S-1")) == 12


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"Repeats": "every blursday 10am for 2 weeks"}, 'I don\'t know the day "blursday"'),
        ({"Repeats": "every tuesday 10am"}, "When does the series end?"),
        ({"Date": "2027-03-02", "Time": "15:00"}, "clear the date, time and when above"),
    ],
)
def test_a_repeats_part_that_cannot_be_booked_comes_back_under_it(
    slack: SlackDriver, changes: dict[str, str], says: str
) -> None:
    slack.command("/appt")

    slack.submit({**FORM, **changes})

    assert list(slack.errors) == ["repeats"] and says in slack.errors["repeats"]
    assert slack.modal is not None and slack.ephemerals() == []


def test_a_date_taken_after_the_preview_shows_the_series_again_and_books_nothing(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    series_preview = slack.last_reply()
    slack.command("/appt", "book Jo Park, consult, tuesday 10am, with @dr.patel")
    slack.click("Confirm")  # A-1 takes dr.patel on Tue 2 Mar at 10, the series' first date

    slack.click("Book 12 visits", in_message=series_preview)

    again = slack.last_reply().text
    assert "Book this series?" in again and "Checked again just now" in again
    assert "collides with A-1" in again
    with sandbox.db.session(read_only=True) as session:
        assert stored_series.get_by_ref(session, TEAM, "S-1") is None


def test_a_visit_running_past_midnight_sees_what_holds_its_last_night(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jo Park, consult, 2027-03-04 1am, with @dr.patel")
    slack.click("Confirm")  # A-1, Thu 4 Mar 1:00 AM

    shown = preview(slack, "Ana Lima, MRI, every day 11pm for 3 days, 3h, with @dr.patel")

    assert (
        "Wed 3 Mar 2027, 11:00 PM-2:00 AM EST: collides with A-1"
        in shown.replace(
            "Wed 3 Mar 2027, 11:00 PM-Thu 4 Mar 2027, 2:00 AM EST",
            "Wed 3 Mar 2027, 11:00 PM-2:00 AM EST",
        )
        or "collides with A-1" in shown
    )


def test_the_start_or_end_of_a_series_may_be_a_part_of_its_own(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    shown = preview(slack, "Ana Lima MRN 4455, physio, every tuesday 10am, for 3 weeks")
    assert "every Tue at 10:00 AM, 3 visits" in shown
    assert "Ana Lima (new patient, MRN 4455)" in shown
    shown = preview(slack, "Ana Lima, physio, tuesday 10am, for 3 weeks")
    assert "says when a series starts or ends, but nothing says how it repeats" in shown


@pytest.mark.settings(holidays=frozenset({date(2027, 3, 11)}))
def test_a_date_on_a_clinic_holiday_is_said_before_it_is_booked(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    shown = preview(slack, PHYSIO)
    assert "Thu 11 Mar 2027, 10:00-10:50 AM EST :palm_tree: a clinic holiday" in shown
    assert "Tue 9 Mar 2027, 10:00-10:50 AM EST\n" in shown  # the days around it are plain


def test_two_series_for_the_same_clinician_confirmed_at_once_book_one(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    other = slack.in_workspace(TEAM)  # dana again, clicking in a second window
    preview(slack, PHYSIO)
    first = slack.last_reply()
    preview(other, "Bo Chen, physio, every tuesday and thursday 10am for 6 weeks, with @dr.patel")
    second = other.last_reply()
    clicks = [
        threading.Thread(
            target=slack.click, args=("Book 12 visits",), kwargs={"in_message": first}
        ),
        threading.Thread(
            target=other.click, args=("Book 12 visits",), kwargs={"in_message": second}
        ),
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(timeout=30)

    with sandbox.db.session(read_only=True) as session:
        booked_series = [
            ref for ref in ("S-1", "S-2") if stored_series.get_by_ref(session, TEAM, ref)
        ]
    assert len(booked_series) == 1  # dr.patel is booked once at each time
    visits = booked(sandbox, booked_series[0])
    assert len(visits) == 12
    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-13") is None


def test_the_series_card_is_redrawn_in_place_when_its_visits_change(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    preview(slack, PHYSIO)
    slack.click("Book 12 visits")
    [card] = slack.messages("#cardiology-team")
    assert "12 visits" in card.text and "A-2 Thu 4 Mar 2027 10:00 AM" in card.text

    slack.command("/appt", "cancel A-3 only")
    slack.command("/appt", "move A-2 2027-03-04 11am")

    [card] = slack.messages("#cardiology-team")  # the same message, edited
    assert card.edited
    assert "11 visits" in card.text and "A-2 Thu 4 Mar 2027 11:00 AM" in card.text
    assert "No longer booked" in card.text
    assert "A-3 Tue 9 Mar 2027 10:00 AM" in card.text and "cancelled" in card.text

    slack.command("/appt", "cancel S-1")
    [card] = slack.messages("#cardiology-team")
    assert "0 visits booked" in card.text and "No visit booked." in card.text
