"""Booking and managing visits with /appt, as coordinators and clinicians see it in Slack."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox
from storage import patients
from storage.appointments import queries as appointments
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"


def book(slack: SlackDriver, text: str) -> str:
    """Book through the preview's Confirm; returns what the booker was told."""
    slack.command("/appt", f"book {text}")
    slack.click("Confirm")
    return slack.last_reply().text


def stored(sandbox: Sandbox, ref: str) -> appointments.AppointmentRow:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def test_the_quick_form_is_shown_back_before_anything_is_booked(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", f"book {JANE}")

    preview = slack.last_reply()
    assert preview.ephemeral
    assert "Book this visit?" in preview.text
    assert "Tue 2 Mar 2027, 3:00-3:45 PM EST" in preview.text
    assert "MRI (imaging)" in preview.text
    assert "@dr.patel" in preview.text and "Radiology 2" in preview.text
    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-1") is None


def test_confirm_books_posts_to_the_channel_and_tells_the_clinician(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    told = book(slack, JANE)

    assert "Booked *A-1* for Jane Doe (P-1)" in told
    [post] = slack.messages("#cardiology-team")
    assert "A-1" in post.text and "J.D. (P-1)" in post.text  # initials: the default policy
    assert "Jane Doe" not in post.text
    [dm] = slack.dms("@dr.patel")
    assert "A-1" in dm.text
    row = stored(sandbox, "A-1")
    assert row.status == "booked"
    assert row.start_at == START + timedelta(days=1, hours=1)
    assert row.end_at - row.start_at == timedelta(minutes=45)


def test_the_other_examples_from_the_brief_work(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, "Omar Haddad MRN 88123, follow-up, next tuesday 9:30")
    slack.command("/appt", "book P-1, surgery, 2027-03-09 07:30, 3h, at OR 4")
    preview = slack.last_reply().text

    assert stored(sandbox, "A-1").end_at - stored(sandbox, "A-1").start_at == timedelta(minutes=20)
    assert "Omar Haddad (P-1)" in preview
    assert "Tue 9 Mar 2027, 7:30-10:30 AM EST" in preview


def test_a_double_clicked_confirm_books_once(sandbox: Sandbox, slack: SlackDriver) -> None:
    slack.command("/appt", f"book {JANE}")
    preview = slack.last_reply()

    first, second = slack.double_click("Confirm", in_message=preview)

    assert first.ok and second.ok
    assert len(slack.messages("#cardiology-team")) == 1
    with sandbox.db.session(read_only=True) as session:
        assert appointments.get_by_ref(session, TEAM, "A-2") is None


def test_a_clash_names_what_it_collides_with_and_offers_free_slots(slack: SlackDriver) -> None:
    book(slack, JANE)

    slack.command("/appt", "book Sam Lee, consult, tomorrow 3:15pm, with @dr.patel")
    preview = slack.last_reply()

    assert "collides with" in preview.text
    assert "A-1" in preview.text and "same clinician" in preview.text
    assert "Confirm" not in preview.text
    slack.click(1)  # the first free slot: right after A-1 ends
    moved = slack.last_reply().text
    assert "Tue 2 Mar 2027, 3:45-4:15 PM EST" in moved
    assert "Booked *A-2*" in book_last(slack)


def book_last(slack: SlackDriver) -> str:
    slack.click("Confirm")
    return slack.last_reply().text


def test_a_clash_appearing_after_the_preview_is_caught_at_confirm(slack: SlackDriver) -> None:
    slack.command("/appt", f"book {JANE}")
    first = slack.last_reply()
    # sam works in Los Angeles: noon there is 3 PM in New York, the same slot in the same room.
    slack.as_user("@sam.nurse").command(
        "/appt", "book Ann Bell, MRI, tomorrow 12pm, at Radiology 2"
    )
    slack.click("Confirm")

    slack.as_user("@dana").click("Confirm", in_message=first)

    refused = slack.last_reply().text
    assert "collides with" in refused and "A-1" in refused
    assert len(slack.messages("#cardiology-team")) == 1


def test_an_old_preview_is_checked_again_not_booked_blindly(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", f"book {JANE}")
    sandbox.clock.advance(hours=1)

    slack.click("Confirm")

    again = slack.last_reply().text
    assert "Checked again just now" in again
    assert slack.messages("#cardiology-team") == []
    slack.click("Confirm")
    assert "Booked *A-1*" in slack.last_reply().text


def test_cancel_on_the_preview_books_nothing(slack: SlackDriver) -> None:
    slack.command("/appt", f"book {JANE}")
    slack.click("Cancel")

    assert slack.last_reply().text == "Not booked."
    assert slack.messages("#cardiology-team") == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Jane Doe, MRI, blorp", "when"),
        ("Jane Doe, MRI, 30 feb 3pm", 'couldn\'t read "30 feb 3pm" as a date or time'),
        ("Jane Doe, MRI, 2027-03-14 02:30", "2:30 AM does not exist"),
        ("Jane Doe, MRI, yesterday 3pm", "in the past"),
        ("Jane Doe, MRI, tomorrow", "without a time"),
        ("Jane Doe, MRI, tomorrow 3pm, 0 min", "5 minutes to 12 hours"),
        ("Jane Doe, MRI, tomorrow 3pm, 30 hours", "5 minutes to 12 hours"),
        ("Jane Doe, MRI, tomorrow 3pm, with @nobody", 'couldn\'t find "@nobody"'),
        ("P-77, MRI, tomorrow 3pm", "no patient P-77"),
        ("", "/appt book Jane Doe"),
    ],
)
def test_bad_input_gets_a_clear_reply_with_an_example(
    slack: SlackDriver, text: str, says: str
) -> None:
    ack = slack.command("/appt", f"book {text}")

    assert ack.ok
    reply = slack.last_reply().text
    assert says in reply
    assert slack.messages("#cardiology-team") == []


def test_a_4000_character_patient_name_is_refused_quickly(slack: SlackDriver) -> None:
    ack = slack.command("/appt", "book " + "x" * 4000 + ", MRI, tomorrow 3pm")

    assert ack.ok
    assert "/appt book" in slack.last_reply().text


def test_mentions_typed_into_a_name_are_escaped_everywhere(slack: SlackDriver) -> None:
    book(slack, "<!channel> Smith, MRI, tomorrow 3pm")

    [post] = slack.messages("#cardiology-team")
    assert "<!channel>" not in post.raw_text
    assert "&lt;!channel&gt;" in slack.last_reply().raw_text


def test_list_groups_by_day_in_the_readers_zone(slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, "Omar Haddad, follow-up, thursday 9:30am, with @dr.patel")

    slack.command("/appt", "list week")
    mine = slack.last_reply().text
    slack.as_user("@dr.patel").command("/appt", "list week mine")
    theirs = slack.last_reply().text

    assert mine.index("Tue 2 Mar") < mine.index("Thu 4 Mar")
    assert "3:00 PM" in mine and "A-1" in mine and "A-2" in mine
    assert "2:00 PM" in theirs  # dr.patel reads Chicago time
    assert "America/Chicago" in theirs


def test_a_list_of_200_is_paginated(sandbox: Sandbox, slack: SlackDriver) -> None:
    with sandbox.db.session() as session:
        from storage import patients

        patient = patients.find_or_create(session, TEAM, "Pat Many", None, "U0COORD01")
        for i in range(200):
            start = START + timedelta(days=1, minutes=3 * i)
            appointments.add(
                session,
                TEAM,
                patient_id=patient.id,
                kind="lab",
                label="lab",
                start_at=start,
                end_at=start + timedelta(minutes=3),
                clinician_id=None,
                location=None,
                notes=None,
                booked_by="U0COORD01",
                channel_id=None,
                now=START,
            )

    slack.command("/appt", "list week")
    first = slack.last_reply()
    slack.click("Next page")
    second = slack.last_reply()

    assert "Showing 1-40 of 200" in first.text
    assert "Showing 41-80 of 200" in second.text
    assert len(first.blocks) <= 50


def test_checkin_then_done_updates_the_channel_card_in_place(slack: SlackDriver) -> None:
    book(slack, JANE)

    slack.command("/appt", "checkin A-1")
    [card] = slack.messages("#cardiology-team")
    assert card.edited and "Checked in" in card.text
    slack.command("/appt", "done A-1")
    [card] = slack.messages("#cardiology-team")
    assert "Done" in card.text


def test_an_impossible_transition_is_explained_not_done(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)
    slack.command("/appt", "cancel A-1 patient unwell")

    slack.command("/appt", "checkin A-1")

    assert "cancelled" in slack.last_reply().text
    assert stored(sandbox, "A-1").status == "cancelled"
    assert stored(sandbox, "A-1").cancel_reason == "patient unwell"


def test_move_checks_conflicts_and_keeps_the_length(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, "Omar Haddad, follow-up, tomorrow 5pm, with @dr.patel")

    slack.command("/appt", "move A-2 tomorrow 3:30pm")
    refused = slack.last_reply().text
    slack.command("/appt", "move A-2 wednesday 10am")

    assert "was not moved" in refused and "A-1" in refused
    row = stored(sandbox, "A-2")
    assert row.start_at == START + timedelta(days=2, hours=-4)  # Wed 3 Mar, 10:00 EST
    assert row.end_at - row.start_at == timedelta(minutes=20)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("checkin A-99", "no visit A-99"),
        ("cancel", "Which visit?"),
        ("move A-1", "Say when"),
        ("checkin banana", "not a visit ref"),
        ("frobnicate", "I don't know `/appt frobnicate`"),
    ],
)
def test_unknown_refs_and_verbs_are_explained(slack: SlackDriver, command: str, says: str) -> None:
    slack.command("/appt", command)
    assert says in slack.last_reply().text


def test_another_workspaces_visit_is_invisible(sandbox: Sandbox, slack: SlackDriver) -> None:
    with sandbox.db.session() as session:
        from storage import patients

        patient = patients.find_or_create(session, "T0OTHER00", "Zed Other", None, "U0OTHER01")
        start = START + timedelta(days=1)
        appointments.add(
            session,
            "T0OTHER00",
            patient_id=patient.id,
            kind="lab",
            label="lab",
            start_at=start,
            end_at=start + timedelta(minutes=15),
            clinician_id=None,
            location=None,
            notes=None,
            booked_by="U0OTHER01",
            channel_id=None,
            now=START,
        )

    slack.command("/appt", "cancel A-1")

    assert "no visit A-1" in slack.last_reply().text


def test_the_same_commands_work_in_a_dm(slack: SlackDriver) -> None:
    slack.in_dm().message("appt list today")
    assert "Today" in slack.dms()[-1].text


def confirm_together(slack: SlackDriver, other: SlackDriver, dana: str, sam: str) -> list[str]:
    """dana and sam preview their bookings, then press Confirm at the same moment."""
    slack.command("/appt", f"book {dana}")
    dana_preview = slack.last_reply()
    other.as_user("@sam.nurse").command("/appt", f"book {sam}")
    sam_preview = other.last_reply()
    start = threading.Barrier(2)

    def confirm(driver: SlackDriver, preview: Seen) -> None:
        start.wait()
        driver.click("Confirm", in_message=preview)

    both = [
        threading.Thread(target=confirm, args=(slack, dana_preview)),
        threading.Thread(target=confirm, args=(other, sam_preview)),
    ]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    # Each preview is replaced in place by its outcome; the channel card may come after it.
    return [
        next(m.text for m in driver.ephemerals() if m.ts == preview.ts)
        for driver, preview in ((slack, dana_preview), (other, sam_preview))
    ]


@pytest.mark.parametrize(
    ("dana", "sam"),
    [
        # sam works in Los Angeles: noon there is 3 PM in New York.
        (
            "Jane Doe, MRI, tomorrow 3pm, with @dr.patel",
            "Ann Bell, consult, tomorrow 12pm, with @dr.patel",
        ),
        ("Nora Quinn, lab, tomorrow 3pm", "Nora Quinn, lab, tomorrow 12pm"),  # a new patient
    ],
    ids=["same clinician", "same new patient"],
)
def test_two_coordinators_confirming_the_same_slot_at_once_get_one_booking(
    sandbox: Sandbox, slack: SlackDriver, dana: str, sam: str
) -> None:
    other = SlackDriver(sandbox.standin, slack.bot_url, slack.signing_secret, settle=slack.settle)

    told = confirm_together(slack, other, dana, sam)

    assert sum("Booked *A-1*" in text for text in told) == 1, told
    assert sum("collides with" in text and "A-1" in text for text in told) == 1, told
    assert len(slack.messages("#cardiology-team")) == 1
    with sandbox.db.session(read_only=True) as session:
        assert len(patients.find_by_name(session, TEAM, "Nora Quinn")) <= 1


def test_a_no_show_is_recorded_and_shown_on_the_card(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)

    slack.command("/appt", "noshow A-1")
    slack.command("/appt", "done A-1")

    assert stored(sandbox, "A-1").status == "noshow"
    [card] = slack.messages("#cardiology-team")
    assert "No-show" in card.text
    assert "no-show" in slack.last_reply().text  # done after a no-show is explained, not done


@pytest.mark.parametrize(
    ("text", "says"),
    [("30 feb", 'couldn\'t read "30 feb"'), ("2027-02-30", "not a date"), ("banana", "banana")],
)
def test_a_list_of_an_unreadable_day_says_so(slack: SlackDriver, text: str, says: str) -> None:
    slack.command("/appt", f"list {text}")
    assert says in slack.last_reply().text


def test_a_past_day_can_be_listed_by_its_date(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    sandbox.clock.advance(days=3)

    slack.command("/appt", "list 2027-03-02")

    assert "A-1" in slack.last_reply().text


def test_a_visit_outside_clinic_hours_is_pointed_out_in_the_preview(slack: SlackDriver) -> None:
    slack.command("/appt", "book Jane Doe, MRI, saturday 10am")
    assert "outside clinic hours" in slack.last_reply().text
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 10am")
    assert "outside clinic hours" not in slack.last_reply().text


def test_checking_in_ends_the_reminders(sandbox: Sandbox, slack: SlackDriver) -> None:
    from storage import reminders

    book(slack, JANE)
    slack.command("/appt", "checkin A-1")

    with sandbox.db.session(read_only=True) as session:
        # Only the channel's daily digest is left; no reminder about the visit.
        assert reminders.pending_count(session, TEAM) == 1
        assert reminders.get(session, TEAM, "digest", "C0CARDIO1") is not None


@pytest.mark.settings(
    appointment_kinds={"dialysis": timedelta(hours=4), "other": timedelta(minutes=30)}
)
def test_a_clinic_can_list_its_own_kinds_of_visit(sandbox: Sandbox, slack: SlackDriver) -> None:

    slack.command("/appt", "book Jane Doe, dialysis, tomorrow 9am")
    preview = slack.last_reply().text
    slack.command("/appt")

    assert "9:00 AM-1:00 PM EST (4 h)" in preview
    form = slack.modal
    assert form is not None and "Dialysis" in form.text and "Surgery" not in form.text


def test_weeks_and_moves_read_as_people_say_them_and_far_dates_are_refused(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    # START is Monday 1 Mar 2027: this week runs Mon 1 to Sun 7 Mar, next week the one after.
    book(slack, "Jane Doe, MRI, tomorrow 3pm")
    book(slack, "Omar Haddad, lab, 2027-03-09 9am")

    slack.command("/appt", "list this week")
    this_week = slack.last_reply().text
    slack.command("/appt", "list next week")
    next_week = slack.last_reply().text
    slack.command("/appt", "move A-1 to thursday 2pm")
    moved = slack.last_reply().text

    assert this_week.startswith("*This week, Mon 1 Mar to Sun 7 Mar 2027*")
    assert "A-1" in this_week and "A-2" not in this_week
    assert next_week.startswith("*Next week, Mon 8 Mar to Sun 14 Mar 2027*") and "A-2" in next_week
    assert moved.startswith("A-1 is now booked: J.D. (P-1), Thu 4 Mar 2027, 2:00")
    for far in ("9999-12-31", "0001-01-01"):
        slack.command("/appt", f"list {far}")
        assert slack.last_reply().text.startswith(f"{far} is more than 10 years from today")


def test_a_clinician_typed_without_a_mention_is_found_for_sure_or_refused_with_the_closest(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm, with Dr Patel")
    assert "*With:* @dr.patel" in slack.last_reply().text

    slack.command("/appt", "book Jane Doe, MRI, tomorrow 4pm, with @dr.patl")
    refused = slack.last_reply().text
    assert refused.startswith(
        'I couldn\'t find "@dr.patl" in this workspace. Closest: @dr.patel (Dr. Anika Patel).'
    )
    assert "Confirm" not in refused
    slack.click("@dr.patel")  # the closest, offered as a button: the booking again, with him
    assert "*With:* @dr.patel" in slack.last_reply().text
    slack.click("Confirm")
    assert "Booked *A-1*" in slack.last_reply().text
