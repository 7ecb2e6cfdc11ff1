"""Booking with the modal: /appt with no text, the DM button, and Edit... on a preview."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import drafts
from storage.appointments import queries as appointments
from tests.e2e.conftest import START

TEAM = "T0CAREBOT"
DANA = "U0COORD01"
# START is Mon 1 Mar 2027, 2:00 PM in New York, where dana works.
NOTES = "Fasting from midnight. Tell <!channel> & <@U0NURSE01> if she is late."
GOOD = {
    "Patient": "Jane Doe MRN 88123",
    "Kind": "Imaging",
    "Date": "2027-03-02",
    "Time": "15:00",
    "Duration": "45 min",
    "Clinician": "@dr.patel",
    "Location": "Radiology 2",
    "Notes": NOTES,
}
JANE = "Jane Doe, MRI, tomorrow 3pm, 45 min, with @dr.patel, at Radiology 2"


def stored(sandbox: Sandbox, ref: str) -> appointments.AppointmentRow:
    with sandbox.db.session(read_only=True) as session:
        row = appointments.get_by_ref(session, TEAM, ref)
        assert row is not None
        return row


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


def test_slash_appt_opens_the_form_and_its_preview_books_with_the_notes(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt")
    form = slack.modal
    assert form is not None and slack.slack_error is None
    assert form.title == "Book a visit" and len(form.title) <= 24
    assert "America/New_York" in form.text

    ack = slack.submit(GOOD)

    assert ack.ok and slack.errors == {} and slack.modal is None
    preview = slack.last_reply()
    assert preview.ephemeral and preview.channel == "C0CARDIO1"
    assert "Tue 2 Mar 2027, 3:00-3:45 PM EST" in preview.text
    assert "Jane Doe (new patient, MRN 88123)" in preview.text
    shown = json.dumps(preview.blocks)
    assert "&lt;!channel&gt; &amp; &lt;@U0NURSE01&gt;" in shown and "<!channel>" not in shown
    slack.click("Confirm")
    assert "Booked *A-1* for Jane Doe (P-1)" in slack.last_reply().text
    row = stored(sandbox, "A-1")
    assert row.notes == NOTES  # as typed
    assert (row.kind, row.clinician_id, row.location) == ("imaging", "U0DRPATEL", "Radiology 2")
    assert row.start_at == START + timedelta(days=1, hours=1)
    assert row.end_at - row.start_at == timedelta(minutes=45)
    [post] = slack.messages("#cardiology-team")
    assert "<!channel>" not in post.raw_text


@pytest.mark.parametrize(
    ("field", "typed", "block", "says"),
    [
        ("When", "blorp", "when", "couldn't read"),
        ("When", "yesterday 3pm", "when", "in the past"),
        ("When", "tomorrow", "when", "without a time"),
        ("Date", "2027-02-26", "date", "already passed"),
        ("Duration", "30 hours", "duration", "5 minutes to 12 hours"),
        ("Duration", "45", "duration", "needs a unit"),
        ("Clinician", "@old.locum", "clinician", "no longer an active member"),
        ("Patient", "P-77", "patient", "no patient P-77"),
        ("Patient", "   ", "patient", "Who is the visit for"),
        ("MRN", "88 123", "mrn", "not an MRN"),
        ("Notes", "x" * 4000, "notes", "at most 2,000 characters"),
    ],
)
def test_a_bad_field_comes_back_under_it_and_the_form_stays_open(
    slack: SlackDriver, field: str, typed: str, block: str, says: str
) -> None:
    slack.command("/appt")

    ack = slack.submit({**GOOD, field: typed})

    assert ack.ok and slack.slack_error is None
    assert list(slack.errors) == [block]
    assert says in slack.errors[block]
    form = slack.modal
    assert form is not None
    assert form.state["location"]["location"]["value"] == "Radiology 2"  # nothing lost
    assert slack.ephemerals() == [] and slack.messages("#cardiology-team") == []


def test_every_bad_field_is_named_at_once_and_fixing_them_gives_the_preview(
    slack: SlackDriver,
) -> None:
    slack.command("/appt")
    slack.submit({**GOOD, "When": "blorp", "Duration": "30 hours", "Patient": "P-77"})
    assert set(slack.errors) == {"when", "duration", "patient"}
    assert all(("e.g." in m or "Example" in m or "Try" in m) for m in slack.errors.values())

    slack.submit({"When": "", "Duration": "1h", "Patient": "Jane Doe"})

    assert slack.errors == {} and slack.modal is None
    assert "Tue 2 Mar 2027, 3:00-4:00 PM EST" in slack.last_reply().text


def test_a_picked_time_earlier_today_and_a_day_without_a_time_are_refused(
    slack: SlackDriver,
) -> None:
    slack.command("/appt")
    slack.submit({**GOOD, "Date": "2027-03-01", "Time": "09:00"})
    assert "has passed" in slack.errors["time"]

    slack.command("/appt")
    slack.submit({k: v for k, v in GOOD.items() if k != "Time"})
    assert "without a time" in slack.errors["time"]


def test_a_typed_when_wins_over_the_pickers(slack: SlackDriver) -> None:
    slack.command("/appt")
    slack.submit({**GOOD, "When": "wednesday 10am"})

    assert "Wed 3 Mar 2027, 10:00-10:45 AM EST" in slack.last_reply().text


def test_a_dm_offers_a_button_that_opens_the_form(slack: SlackDriver) -> None:
    slack.in_dm().message("appt")
    offer = slack.last_reply()
    assert "Open the booking form" in offer.text

    slack.click("Open the booking form")
    assert slack.modal is not None
    slack.submit(GOOD)

    preview = slack.last_reply()
    assert preview.channel == slack.channel.id and "Book this visit?" in preview.text


def test_a_mention_offers_the_button_and_the_preview_comes_back_to_that_channel(
    slack: SlackDriver,
) -> None:
    slack.message("@carebot appt")
    slack.click("Open the booking form")
    slack.submit(GOOD)

    [preview] = [m for m in slack.ephemerals(channel="#cardiology-team") if "Book this" in m.text]
    assert "Tue 2 Mar 2027, 3:00-3:45 PM EST" in preview.text


def test_an_expired_trigger_offers_the_button_instead(sandbox: Sandbox, slack: SlackDriver) -> None:
    sandbox.standin.trigger_ttl = 0.0
    slack.command("/appt")
    assert slack.modal is None
    sandbox.standin.trigger_ttl = 3.0

    slack.click("Open the booking form")

    assert slack.modal is not None


def test_the_preview_goes_to_a_dm_when_the_channel_refuses_it(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt")
    sandbox.standin.fail_next("chat.postEphemeral", status=200, error="channel_not_found")

    slack.submit(GOOD)

    [dm] = slack.dms()
    assert "Book this visit?" in dm.text


def test_edit_opens_the_form_prefilled_and_its_submit_replaces_the_preview(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/appt", f"book {JANE}")
    original = slack.last_reply()
    old_draft = button_value(original.blocks, "appt_confirm")

    slack.click("Edit...")
    form = slack.modal
    assert form is not None and form.title == "Edit the visit"
    for shown in ("Jane Doe", "Imaging", "2027-03-02", "15:00", "Radiology 2", "@dr.patel"):
        assert shown in form.text, shown
    slack.submit({"Duration": "1h", "Notes": "Bring the referral"})

    assert slack.errors == {} and slack.modal is None
    [preview] = [m for m in slack.ephemerals() if "Book this visit?" in m.text]
    assert preview.ts == original.ts  # replaced in place
    assert "Tue 2 Mar 2027, 3:00-4:00 PM EST" in preview.text and "MRI (imaging)" in preview.text
    with sandbox.db.session(read_only=True) as session:
        assert drafts.get(session, TEAM, old_draft) is None  # the old preview's buttons are dead
    slack.click("Confirm")
    row = stored(sandbox, "A-1")
    assert row.label == "MRI" and row.notes == "Bring the referral"
    assert row.end_at - row.start_at == timedelta(hours=1)


def test_a_url_forged_into_the_form_is_never_posted_to(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    seen: list[str] = []

    class Catch(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    catcher = http.server.HTTPServer(("127.0.0.1", 0), Catch)
    threading.Thread(target=catcher.serve_forever, daemon=True).start()
    try:
        slack.command("/appt", f"book {JANE}")
        slack.click("Edit...")
        [opened] = [v for v in [sandbox.standin.top_view(DANA)] if v is not None]
        meta = json.loads(opened.view["private_metadata"])
        meta["r"] = f"http://127.0.0.1:{catcher.server_port}/steal"  # as a forged form would
        opened.view["private_metadata"] = json.dumps(meta)
        slack.submit({"Notes": "Bring the referral"})
    finally:
        catcher.shutdown()

    assert seen == []
    [preview] = [m for m in slack.ephemerals() if "Book this visit?" in m.text]
    assert "Jane Doe" in preview.text  # the preview still replaced the edited one, in place
