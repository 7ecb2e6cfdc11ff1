"""LOG_FORMAT=json: one JSON object per line, stamped with its request, and no patient data
in any line of a whole scripted session, at DEBUG."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.runtime.logs import handler, quiet_libraries
from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from bot.shared.commands import Ask, Command, Reply
from tests.e2e.conftest import START

# What people type in the session below, none of which may reach a log line.
NAMES = ("Rosalind Franklin", "Ada Lovelace", "Grace Hopper")
MRNS = ("60613017", "70724128", "80935146")
CLINICAL = (
    "hypokalemia",
    "furosemide",
    "potassium",
    "septic shock",
    "norepinephrine",
    "lactate",
    "lumbar spine",
)


class JsonLines:
    """What carebot logs in a test, as LOG_FORMAT=json writes it."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        lines = self.stream.getvalue().splitlines()
        assert lines, "nothing was logged"
        return [json.loads(line) for line in lines]

    def raw(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def json_log() -> Iterator[JsonLines]:
    """Every line at DEBUG, written as `carebot run` writes them with LOG_FORMAT=json."""
    root = logging.getLogger()
    stream = io.StringIO()
    written = handler("json", stream)
    level = root.level
    root.addHandler(written)
    root.setLevel(logging.DEBUG)
    quiet_libraries("DEBUG")  # as configure_logging does at LOG_LEVEL=DEBUG
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(written)
        root.setLevel(level)


def test_each_line_is_json_with_its_request_workspace_command_or_action_and_outcome(
    sandbox: Sandbox, slack: SlackDriver, json_log: JsonLines
) -> None:
    slack.command("/appt", "book Jane Doe, MRI, tomorrow 3pm")
    slack.click("Confirm")
    slack.in_dm().message("appt list")
    slack.as_user("@visitor").in_channel("#general").command("/appt", "list")

    lines = json_log.all()
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
    [booked, listed] = [line for line in lines if line["message"].startswith("/appt via=slash")]
    assert booked["message"].endswith(f"request={booked['request_id']}")
    assert (booked["workspace"], booked["kind"], booked["command"]) == (
        "T0CAREBOT",
        "slash_command",
        "/appt",
    )
    assert listed["request_id"] != booked["request_id"]
    [refused] = [line for line in lines if line["message"].startswith("refused /appt")]
    assert (refused["request_id"], refused["outcome"]) == (listed["request_id"], "refused")
    confirmed = [line for line in lines if line.get("action") == "appt_confirm"]
    assert confirmed and {line["kind"] for line in confirmed} == {"block_actions"}
    [in_dm] = [line for line in lines if line["message"].startswith("/appt via=dm")]
    assert (in_dm["kind"], in_dm["action"], in_dm["command"]) == ("event", "message", "/appt")


def test_a_failure_is_logged_with_outcome_error_and_its_type_not_its_message(
    sandbox: Sandbox, slack: SlackDriver, json_log: JsonLines
) -> None:
    install_boom(sandbox, "Grace Hopper MRN 80935146")

    slack.in_dm().message("boom")

    reference = slack.last_reply().text.split("`")[-2]
    [failed] = [line for line in json_log.all() if line["logger"] == "carebot.errors"]
    assert failed["level"] == "ERROR" and reference in failed["message"]
    assert (failed["outcome"], failed["command"], failed["kind"]) == ("error", "/boom", "event")
    assert "ValueError" in failed["message"]
    assert "Grace Hopper" not in json_log.raw() and "80935146" not in json_log.raw()


def test_a_scripted_session_logs_no_patient_names_mrns_or_clinical_words(
    sandbox: Sandbox, slack: SlackDriver, json_log: JsonLines
) -> None:
    # A visit for a named patient with an MRN, and its clinician's reminder.
    slack.command("/appt", "book Rosalind Franklin MRN 60613017, MRI, tomorrow 3pm with @dr.patel")
    slack.click("Confirm")
    # Which patient? asked back, then answered with a click; the handoff has clinical words.
    slack.command(
        "/handoff",
        "Rosalind Franklin to @sam.nurse: hypokalemia on furosemide, recheck potassium at 6am",
    )
    assert slack.last_reply().text.startswith('"Rosalind Franklin" on file is P-1')
    slack.click("P-1")
    assert slack.last_reply().text.startswith("Posted H-1")
    # The I-PASS form, and its receiver's read-back.
    slack.command("/handoff")
    slack.submit(
        {
            "Patient": "Grace Hopper MRN 80935146",
            "Receiver": "@sam.nurse",
            "Illness severity": "Unstable",
            "Patient summary": "septic shock on norepinephrine",
            "Action list": "Repeat lactate @sam.nurse by tomorrow 6am",
            "Situation awareness & contingency": "If lactate rises, call the ICU",
        }
    )
    [card] = [m for m in slack.messages("#cardiology-team") if "Handoff H-2" in m.text]
    slack.as_user("@sam.nurse").click("Acknowledge", in_message=card)
    slack.submit({"Your read-back (synthesis)": "Repeat lactate at 6am, septic shock"})
    assert "*Acknowledged* by @sam.nurse" in slack.messages("#cardiology-team")[-1].text
    slack.as_user("@dana")
    # A pre-approval, a refusal (someone else's MRN), a DM command and a failure.
    slack.command(
        "/preauth",
        "new Ada Lovelace MRN 70724128, Aetna, MRI lumbar spine, needed by friday 9am",
    )
    assert "Opened *PA-1*" in slack.last_reply().text
    slack.command("/appt", "book Ada Lovelace MRN 60613017, MRI, tomorrow 4pm")
    assert slack.last_reply().text.startswith("MRN 60613017 is Rosalind Franklin (P-1)")
    slack.in_dm().message("appt list")
    install_boom(sandbox, "Rosalind Franklin MRN 60613017 hypokalemia")
    slack.in_dm().message("boom")
    # The sweep: the clinician's reminder and the handoffs' escalations.
    swept = sandbox.move_clock(START + timedelta(hours=2))
    assert "appt-clinician: 1 sent for 1 reminder(s)" in swept

    lines = json_log.all()
    levels = {line["level"] for line in lines}
    assert {"DEBUG", "INFO", "ERROR"} <= levels
    assert any(line.get("outcome") == "asked_back" for line in lines)
    assert any(line.get("command") == "/preauth" for line in lines)
    told = json_log.raw().lower()
    for typed in (*NAMES, *(n.split()[1] for n in NAMES), *MRNS, *CLINICAL):
        assert typed.lower() not in told, f"{typed!r} is in the logs"


def install_boom(sandbox: Sandbox, patient: str) -> None:
    """A `boom` command failing with patient data in its exception, as a bug might."""

    def boom(ask: Ask) -> Reply:
        raise ValueError(f"could not book {patient}")

    sandbox.runtime.shared.commands.add(Command("boom", "Always fails", ("boom",), boom))
