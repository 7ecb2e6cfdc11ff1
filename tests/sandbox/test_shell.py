"""The sandbox prompt reads a script and prints what each person would see."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.driver import SlackDriver
from bot.sandbox.shell import SandboxShell, parse_time
from tests.sandbox.conftest import MANIFEST, write_manifest
from tests.sandbox.fakebot import FakeBot, Received
from tests.sandbox.test_driver import BUTTONS

START = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
# The shared test manifest, plus a Home tab and a shortcut named like carebot's own.
SHELL_MANIFEST = MANIFEST.replace(
    "bot_events: [app_mention, message.im]",
    "bot_events: [app_home_opened, app_mention, message.im]",
).replace(
    "  shortcuts:\n",
    "  shortcuts:\n"
    "    - {name: Hand off this message, type: message, callback_id: handoff_message,\n"
    "       description: Hand off}\n",
)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return write_manifest(tmp_path, SHELL_MANIFEST)


def test_shell_runs_a_script(driver: SlackDriver, bot: FakeBot) -> None:
    def book(received: Received) -> None:
        channel = received.data["channel_id"]
        bot.later(
            lambda: bot.client.chat_postMessage(channel=channel, text="Book?", blocks=BUTTONS)
        )

    def confirm(received: Received) -> None:
        bot.client.chat_update(
            channel=received.data["channel"]["id"],
            ts=received.data["container"]["message_ts"],
            text="Booked A-12",
            blocks=[],
        )

    bot.on("command:/appt")(book)
    bot.on("block_actions")(confirm)
    clock = [START]

    def on_time(instant: datetime) -> list[str]:
        clock[0] = instant
        bot.client.chat_postMessage(channel="U0DRPATEL", text="PA-31 is still pending")
        return ["sweep: 1 pre-approval reminder"]

    out = io.StringIO()
    shell = SandboxShell(driver, on_time=on_time, now=lambda: clock[0], out=out)
    shell.run(
        [
            "/appt book P-12",
            "click Confirm",
            "as @dr.patel @carebot hello",
            "in dm",
            "time +1h30m",
            "click",
            "fill Patient = P-1",
            "time soon",
            "time 2020-01-01",
            "in #nowhere",
            "quit",
            "/appt never sent",
        ]
    )
    text = out.getvalue()
    assert "\x1b[" not in text and "Traceback" not in text
    assert "dana@#cardiology-team> /appt book P-12" in text
    assert "#cardiology-team · carebot\n  Book? [1 Confirm] [2 Edit...] [3 Cancel]" not in text
    assert "  [1 Confirm] [2 Edit...] [3 Cancel]" in text
    assert "#cardiology-team · carebot (edited)\n  Booked A-12" in text
    assert "dana@dm> time +1h30m" in text
    assert "time is now Mon 2027-03-01 10:30 EST" in text
    assert "sweep: 1 pre-approval reminder" not in text  # bookkeeping; the DM shows instead
    assert "DM to @dr.patel · carebot\n  PA-31 is still pending" in text
    assert "! `click` needs more; try `help`" in text
    assert "! @dana has no modal open" in text
    assert "! cannot read time 'soon'" in text
    assert (
        "dana@dm> time 2020-01-01\n! time only moves forward; now is Mon 2027-03-01 10:30 EST"
        in text
    )
    assert "try `time +1h`" in text
    assert "time is now Wed 2020" not in text
    assert "! no channel '#nowhere'" in text
    assert "never sent" not in text
    assert clock[0] == START + timedelta(hours=1, minutes=30)
    assert driver.user.name == "dana"  # `as @x <line>` is a one-off
    assert [r.kind for r in bot.received] == ["command:/appt", "block_actions", "event:app_mention"]


def test_time_words() -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    zone = ZoneInfo("America/Chicago")
    assert parse_time("+2d", now, zone) == now + timedelta(days=2)
    assert parse_time("+90m", now, zone) == now + timedelta(minutes=90)
    assert parse_time("+1w", now, zone) == now + timedelta(weeks=1)
    assert parse_time("+1w2d", now, zone) == now + timedelta(days=9)
    assert parse_time("2027-03-02 09:00", now, zone) == datetime(2027, 3, 2, 9, 0, tzinfo=zone)


def run_script(driver: SlackDriver, lines: list[str]) -> str:
    out = io.StringIO()
    shell = SandboxShell(driver, on_time=lambda instant: [], now=lambda: START, out=out)
    shell.run(lines)
    return out.getvalue()


def test_shell_runs_a_message_shortcut_by_name(driver: SlackDriver, bot: FakeBot) -> None:
    def confirm(received: Received) -> None:
        message = received.data["message"]
        bot.client.chat_postEphemeral(
            channel=received.data["channel"]["id"],
            user=received.data["user"]["id"],
            text=f"Handing off: {message['text']}",
        )

    bot.on("message_action")(confirm)
    text = run_script(
        driver,
        [
            "shortcut Hand off this message",
            "P-12 to step-down at 3pm",
            "Family meeting at 4",
            "shortcut hand off THIS message",
            "shortcut handoff_message",
            "shortcut Page everyone",
            "shortcut",
        ],
    )
    assert "Traceback" not in text
    assert "! no message to run 'handoff_message' on in #cardiology-team" in text
    sent = [r.data for r in bot.received if r.kind == "message_action"]
    assert [(s["callback_id"], s["message"]["text"]) for s in sent] == [
        ("handoff_message", "Family meeting at 4"),
        ("handoff_message", "Family meeting at 4"),
    ]
    assert "(only visible to @dana)\n  Handing off: Family meeting at 4" in text
    assert (
        "! no shortcut 'Page everyone' in app.yaml; try `shortcut Hand off this message`, "
        "`shortcut New appointment`, `shortcut Hand off`"
    ) in text
    assert "  Hand off this message (message shortcut, callback_id handoff_message)" in text
    assert "  New appointment (global shortcut, callback_id new_appt)" in text


def test_shell_opens_the_home_tab_and_clicks_in_it(driver: SlackDriver, bot: FakeBot) -> None:
    def publish(received: Received) -> None:
        user = received.data["event"]["user"]
        bot.client.views_publish(user_id=user, view={"type": "home", "blocks": BUTTONS})

    bot.on("event:app_home_opened")(publish)
    text = run_script(driver, ["home", "home", "home click Confirm", "as @sam.nurse home"])
    assert text.count("home for @dana:\n  [home]\n  Book P-12 on Tue 9:00?") == 2
    assert [r.kind for r in bot.received] == [
        "event:app_home_opened",
        "event:app_home_opened",
        "block_actions",
        "event:app_home_opened",
    ]
    clicked = bot.last("block_actions").data
    assert (
        clicked["container"]["type"] == "view" and clicked["actions"][0]["action_id"] == "confirm"
    )
    assert "home for @sam.nurse:" in text


def test_help_in_the_dm_asks_the_bot_and_question_mark_is_the_shells_own(
    driver: SlackDriver, bot: FakeBot
) -> None:
    text = run_script(driver, ["help", "in dm", "help", "?"])

    assert text.count("move the bot's clock forward") == 2  # `help` here, `?` in the DM
    assert [r.kind for r in bot.received] == ["event:message"]  # the DM's `help`


def test_ctrl_c_at_the_prompt_says_how_to_leave_and_a_second_one_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.sandbox import _prompted

    typed = iter(["/appt list", KeyboardInterrupt, "show", KeyboardInterrupt, KeyboardInterrupt])

    def fake_input(prompt: str) -> str:
        given = next(typed)
        if given is KeyboardInterrupt:
            raise KeyboardInterrupt
        return str(given)

    monkeypatch.setattr("builtins.input", fake_input)
    out = io.StringIO()

    lines = list(_prompted(lambda: "> ", out, kept=False))

    assert lines == ["/appt list", "show"]
    assert out.getvalue().count("Ctrl-C again, or `quit`, to leave") == 2
    assert "in memory only" in out.getvalue()


def test_a_file_the_bot_uploads_is_saved_and_its_path_printed(
    driver: SlackDriver, bot: FakeBot, tmp_path: Path
) -> None:
    picture = b"\x89PNG\r\n\x1a\n not really a picture"

    def week(received: Received) -> None:
        user = received.data["user_id"]

        def upload() -> None:
            dm = bot.client.conversations_open(users=user)["channel"]["id"]
            bot.client.files_upload_v2(
                channel=dm,
                content=picture,
                filename="carebot week/2027.png",  # a slash in a name must not make a folder
                title="carebot week",
                initial_comment="*Week of Mon 1 Mar 2027*: 1 visit",
            )

        bot.later(upload)

    bot.on("command:/appt")(week)
    out = io.StringIO()
    saved_in = tmp_path / "files"
    saved_in.mkdir()
    shell = SandboxShell(
        driver, on_time=lambda _: [], now=lambda: START, out=out, files_dir=saved_in
    )

    shell.run(["/appt week", "in dm", "show"])

    text = out.getvalue()
    assert "DM to @dana · carebot" in text
    assert "*Week of Mon 1 Mar 2027*: 1 visit" in text  # the text beside the picture
    assert "[file: carebot week (carebot week/2027.png)]" in text
    [saved] = saved_in.iterdir()
    assert saved.name.endswith("-2027.png") and saved.read_bytes() == picture
    assert text.count(f"saved to {saved}") == 2  # printed again by `show`, written once
