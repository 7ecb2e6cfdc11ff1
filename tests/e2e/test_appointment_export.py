"""/appt export: a coordinator's visits arrive in their DM as an .ics file a calendar reads."""

from __future__ import annotations

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.driver_reading import Seen
from bot.sandbox.world import Sandbox
from storage import workspaces
from tests.e2e.test_appointments import JANE, TEAM, book
from tests.unit.test_ical import content_lines

# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
OMAR = "Omar Haddad MRN 88123, follow-up, thursday 9:30, at Clinic B; desk 3"
DANA = "U0COORD01"


def sent_file(sandbox: Sandbox, message: Seen) -> tuple[str, list[str]]:
    """The file a DM carries: its name and its unfolded content lines."""
    [shared] = message.files
    [stored] = [f for f in sandbox.standin.files() if f.id == shared["id"]]
    assert stored.data is not None
    return stored.filename, content_lines(stored.data)


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
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "PRODID:-//carebot//Visits export 1.0//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    jane, omar = events(lines)
    assert jane == {
        "UID": "A-1-T0CAREBOT@carebot",
        "DTSTAMP": "20270301T190000Z",
        "DTSTART": "20270302T200000Z",  # Tue 3:00 PM EST
        "DTEND": "20270302T204500Z",
        "SUMMARY": "A-1 J.D. (P-1) · imaging",  # initials, the default; the kind, not "MRI"
        "LOCATION": "Radiology 2",
        "STATUS": "CONFIRMED",
    }
    assert omar["UID"] == "A-2-T0CAREBOT@carebot"
    assert omar["DTSTART"] == "20270304T143000Z"
    assert omar["LOCATION"] == "Clinic B\\; desk 3"
    text = "\n".join(lines)
    for private in ("Jane", "Doe", "Omar", "MRN", "88123", "MRI"):
        assert private not in text


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
