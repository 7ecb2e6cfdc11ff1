"""/appt export: a coordinator's visits arrive in their DM as an .ics file a calendar reads."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_reading import Seen
from bot.sandbox.world import Sandbox
from storage import workspaces
from tests.e2e.test_appointments import JANE, TEAM, book
from tests.unit.test_ical import content_lines

# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
NEW_YORK = ZoneInfo("America/New_York")
OMAR = "Omar Haddad MRN 88123, follow-up, thursday 9:30, at Clinic B; desk 3"
DANA = "U0COORD01"


def sent_bytes(sandbox: Sandbox, message: Seen) -> tuple[str, bytes]:
    """The file a DM carries: its name and its bytes, as the stand-in stored them."""
    [shared] = message.files
    [stored] = [f for f in sandbox.standin.files() if f.id == shared["id"]]
    assert stored.data is not None
    return stored.filename, stored.data


def sent_file(sandbox: Sandbox, message: Seen) -> tuple[str, list[str]]:
    """The file a DM carries: its name and its unfolded content lines."""
    name, data = sent_bytes(sandbox, message)
    return name, content_lines(data)


def events(lines: list[str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT":
            name, _, value = line.partition(":")
            found[-1].setdefault(name, value)
    return found


def test_the_week_arrives_in_the_dm_as_a_calendar_file(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)
    book(slack, OMAR)

    slack.command("/appt", "export week")

    told = slack.last_reply()
    assert told.ephemeral
    assert "Sent 2 visits from Mon 1 Mar 2027 to Sun 7 Mar 2027" in told.text
    [dm] = slack.dms("@dana")
    assert dm.channel == sandbox.standin.dm_channel(DANA).id
    name, lines = sent_file(sandbox, dm)
    assert name == "carebot-visits-2027-03-01-to-2027-03-07.ics"
    assert lines[:5] == [  # icalendar writes VERSION before PRODID
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//carebot//Visits export 1.0//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    jane, omar = events(lines)
    assert jane == {
        "UID": "A-1-T0CAREBOT@carebot",
        "DTSTAMP": "20270301T190000Z",
        "DTSTART;TZID=America/New_York": "20270302T150000",  # Tue 3:00 PM, on dana's clock
        "DTEND;TZID=America/New_York": "20270302T154500",
        "SUMMARY": "A-1 J.D. (P-1) · imaging",  # initials, the default; the kind, not "MRI"
        "LOCATION": "Radiology 2",
        "STATUS": "CONFIRMED",
    }
    assert omar["UID"] == "A-2-T0CAREBOT@carebot"
    assert omar["DTSTART;TZID=America/New_York"] == "20270304T093000"
    assert omar["LOCATION"] == "Clinic B\\; desk 3"
    text = "\n".join(lines)
    for private in ("Jane", "Doe", "Omar", "MRN", "88123", "MRI"):
        assert private not in text


def test_the_file_reads_back_in_a_calendar_with_the_readers_zone(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)
    book(slack, OMAR)

    slack.command("/appt", "export week")

    file = Calendar.from_ical(sent_bytes(sandbox, slack.dms("@dana")[0])[1])
    assert [tz.tz_name for tz in file.timezones] == ["America/New_York"]
    assert file.prodid == "-//carebot//Visits export 1.0//EN" and file.method == "PUBLISH"
    jane, omar = file.events
    assert (jane.start, jane.end) == (
        datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK),
        datetime(2027, 3, 2, 15, 45, tzinfo=NEW_YORK),
    )
    assert (jane.summary, jane.location, jane.status) == (
        "A-1 J.D. (P-1) · imaging",
        "Radiology 2",
        "CONFIRMED",
    )
    assert omar.start == datetime(2027, 3, 4, 9, 30, tzinfo=NEW_YORK)
    assert omar.location == "Clinic B; desk 3"
    assert omar.summary == "A-2 O.H. (P-2) · follow-up"


def test_a_reader_in_london_gets_the_visits_on_london_time(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    book(slack, JANE)  # Tue 2 Mar, 3:00 PM in New York

    slack.as_user("@riley.sw").command("/appt", "export week")

    assert "Sent 1 visit" in slack.last_reply().text
    _, data = sent_bytes(sandbox, slack.dms("@riley.sw")[0])
    assert "DTSTART;TZID=Europe/London:20270302T200000" in content_lines(data)
    file = Calendar.from_ical(data)
    assert [tz.tz_name for tz in file.timezones] == ["Europe/London"]
    assert file.events[0].start == datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK)


def test_the_uids_stay_the_same_on_a_second_export(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    slack.command("/appt", "export week")
    sandbox.clock.advance(hours=2)
    slack.command("/appt", "export")  # the default is the next 7 days too

    first, second = (events(sent_file(sandbox, dm)[1]) for dm in slack.dms("@dana"))
    assert first[0]["UID"] == second[0]["UID"] == "A-1-T0CAREBOT@carebot"
    assert second[0]["DTSTAMP"] == "20270301T210000Z"


def test_the_summary_follows_the_workspace_display_policy(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    with sandbox.db.session() as session:
        workspaces.set_patient_display(session, TEAM, "id")
    book(slack, JANE)

    slack.command("/appt", "export week")

    [visit] = events(sent_file(sandbox, slack.dms("@dana")[0])[1])
    assert visit["SUMMARY"] == "A-1 P-1 · imaging"


def test_a_cancelled_visit_is_exported_as_cancelled(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)
    book(slack, OMAR)
    slack.command("/appt", "cancel A-1 patient called")

    slack.command("/appt", "export week")

    jane, omar = events(sent_file(sandbox, slack.dms("@dana")[0])[1])
    assert (jane["UID"], jane["STATUS"]) == ("A-1-T0CAREBOT@carebot", "CANCELLED")
    assert omar["STATUS"] == "CONFIRMED"


def test_a_dm_to_the_bot_exports_too(sandbox: Sandbox, slack: SlackDriver) -> None:
    book(slack, JANE)

    slack.in_dm().message("appt export tomorrow")

    note, shared = slack.dms("@dana")[-1], slack.dms("@dana")[-2]
    assert "Sent 1 visit on Tue 2 Mar 2027" in note.text
    assert sent_file(sandbox, shared)[0] == "carebot-visits-2027-03-02.ics"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("blorp", 'I couldn\'t read "blorp"'),
        ("2027-03-01 to 2027-06-01", "That is 93 days; one export covers at most 92."),
        ("2027-03-07 to 2027-03-01", "ends (Mon 1 Mar 2027) before it starts"),
        ("mar 1 to mar 3 to mar 5", "more than one range"),
        ("week to friday", '"week" stands alone'),
    ],
)
def test_a_range_it_cannot_export_gets_an_example(
    sandbox: Sandbox, slack: SlackDriver, text: str, says: str
) -> None:
    book(slack, JANE)

    slack.command("/appt", f"export {text}")

    refused = slack.last_reply().text
    assert says in refused
    assert "Example: /appt export 2027-03-01 to 2027-03-14" in refused
    assert sandbox.standin.calls("files.getUploadURLExternal") == []


def test_92_days_is_allowed_and_an_empty_range_says_so(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", "export 2027-03-01 to 2027-05-31")
    assert slack.last_reply().text == (
        "No visits from Mon 1 Mar 2027 to Mon 31 May 2027; nothing to export."
    )
    slack.command("/appt", "export 2027-04-01")
    assert slack.last_reply().text == "No visits on Thu 1 Apr 2027; nothing to export."
    assert sandbox.standin.calls("files.getUploadURLExternal") == []
    assert slack.dms("@dana") == []


@pytest.mark.parametrize(
    ("method", "status", "error"),
    [
        ("files.completeUploadExternal", 200, "internal_error"),
        ("upload", 500, None),  # the upload URL refuses the bytes
        ("conversations.open", 200, "user_not_visible"),
    ],
)
def test_a_slack_failure_is_explained_not_a_traceback(
    sandbox: Sandbox, slack: SlackDriver, method: str, status: int, error: str | None
) -> None:
    book(slack, JANE)
    sandbox.standin.fail_next(method, status=status, error=error)

    slack.command("/appt", "export week")

    failed = slack.last_reply().text
    assert "I couldn't send the calendar file" in failed
    assert "try again" in failed
    assert "went wrong on carebot's side" not in failed
    assert all(not m.files for m in slack.dms("@dana"))
    slack.command("/appt", "export week")  # once Slack is well again, it goes through
    assert "Sent 1 visit" in slack.last_reply().text
