"""Small features that exist only in tests, to exercise the runtime the real features use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.runtime.app import Runtime
from bot.runtime.shared import Shared
from bot.shared.commands import Ask, Command, Reply
from bot.shared.rules.reminders import DueReminder, Outcome

PATIENT = "Jane Doe"


@dataclass
class Counter:
    """A `bump` command whose button counts clicks: one click, one count."""

    clicks: list[str] = field(default_factory=list)

    def install(self, runtime: Runtime) -> None:
        runtime.shared.commands.add(Command("bump", "Count clicks", ("bump",), self.offer))
        runtime.app.action("bump_count")(self.on_click)

    def offer(self, ask: Ask) -> Reply:
        button = {
            "type": "button",
            "action_id": "bump_count",
            "value": "1",
            "text": {"type": "plain_text", "text": "Count me"},
        }
        return Reply(
            text="Click to count",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "Click to count"}},
                {"type": "actions", "block_id": "bump", "elements": [button]},
            ],
        )

    def on_click(self, ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        self.clicks.append(body["user"]["id"])
        client.chat_postMessage(channel=body["user"]["id"], text=f"Counted {len(self.clicks)}")


def install_broken_command(runtime: Runtime) -> None:
    """A `boom` command that fails with patient data in the exception, as a bug might."""

    def boom(ask: Ask) -> Reply:
        raise ValueError(f"could not book {PATIENT} MRN 88123")

    runtime.shared.commands.add(Command("boom", "Always fails", ("boom",), boom))


@dataclass
class DirectNudge:
    """A reminder kind that DMs `payload['user']` and, if `every` minutes is set, repeats."""

    shared: Shared
    name: str = "test-nudge"
    fired: list[str] = field(default_factory=list)

    def fire(self, due: Sequence[DueReminder], now: datetime) -> Iterable[Outcome]:
        for reminder in due:
            self.shared.slack.chat_postMessage(
                channel=reminder.payload["user"], text=f"Reminder about {reminder.subject_ref}"
            )
            self.fired.append(reminder.subject_ref)
            every = reminder.payload.get("every")
            yield Outcome(
                reminder.id, sent=1, next_at=now + timedelta(minutes=every) if every else None
            )
