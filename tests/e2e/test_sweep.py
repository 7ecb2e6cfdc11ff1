"""Reminders through the sweep, timed with the sandbox clock, as features will use them."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import reminders
from tests.e2e.conftest import START
from tests.e2e.features import DirectNudge

TEAM = "T0CAREBOT"


def plan(sandbox: Sandbox, subject: str, minutes: int, **payload: object) -> None:
    with sandbox.db.session() as session:
        reminders.schedule(
            session,
            TEAM,
            "test-nudge",
            subject,
            START + timedelta(minutes=minutes),
            {"user": "U0DRPATEL", **payload},
        )


def test_a_reminder_is_sent_when_due_and_only_once(sandbox: Sandbox, slack: SlackDriver) -> None:
    nudge = DirectNudge(sandbox.runtime.shared)
    sandbox.runtime.shared.reminder_kinds.add(nudge)
    plan(sandbox, "A-1", minutes=30)

    assert sandbox.move_clock(START + timedelta(minutes=29)) == ["nothing due"]
    assert sandbox.move_clock(START + timedelta(minutes=30)) == [
        "test-nudge: 1 sent for 1 reminder(s)"
    ]
    assert sandbox.move_clock(START + timedelta(days=1)) == ["nothing due"]
    assert [m.text for m in slack.dms("@dr.patel")] == ["Reminder about A-1"]


def test_a_cancelled_reminder_never_fires(sandbox: Sandbox, slack: SlackDriver) -> None:
    sandbox.runtime.shared.reminder_kinds.add(DirectNudge(sandbox.runtime.shared))
    plan(sandbox, "A-2", minutes=10)
    with sandbox.db.session() as session:
        reminders.cancel(session, TEAM, "test-nudge", "A-2")

    sandbox.move_clock(START + timedelta(hours=1))

    assert slack.dms("@dr.patel") == []


def test_a_repeating_reminder_keeps_its_rhythm_and_survives_slack_trouble(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sandbox.runtime.shared.reminder_kinds.add(DirectNudge(sandbox.runtime.shared))
    plan(sandbox, "PA-3", minutes=0, every=60)
    sandbox.standin.fail_next("chat.postMessage", status=500, times=10)

    first = sandbox.move_clock(START)
    assert first == ["test-nudge: 0 sent for 1 reminder(s), 1 failed (will retry)"]
    sandbox.standin.heal("chat.postMessage")
    sandbox.move_clock(START + timedelta(minutes=1))  # the first retry step
    sandbox.move_clock(START + timedelta(minutes=61))

    assert [m.text for m in slack.dms("@dr.patel")] == ["Reminder about PA-3"] * 2


def test_the_shell_moves_time_and_shows_what_was_sent(sandbox: Sandbox) -> None:
    import io

    from bot.sandbox.shell import SandboxShell

    sandbox.runtime.shared.reminder_kinds.add(DirectNudge(sandbox.runtime.shared))
    plan(sandbox, "H-4", minutes=90)
    out = io.StringIO()
    shell = SandboxShell(sandbox.driver, on_time=sandbox.move_clock, now=sandbox.clock.now, out=out)

    shell.run(["time +1h", "time +30m"])

    printed = out.getvalue()
    assert "nothing due" not in printed and "test-nudge:" not in printed  # bookkeeping
    assert printed.count("time is now") == 2
    assert printed.count("Reminder about H-4") == 1  # what the sweep sent, as Slack shows it
    assert sandbox.clock.now() == START + timedelta(minutes=90)
