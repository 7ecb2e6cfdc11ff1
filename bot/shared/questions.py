"""Questions asked back with buttons: the request is kept until its asker answers once.

A command that could not tell which one was meant (which patient) raises `AskedBack`; the
reply keeps the request here and offers a button per choice. A click runs the request again
as if the person had typed the choice, once: a second click is told what was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.shared.rules.refusals import AskedBack, Refused, answered
from storage import drafts

if TYPE_CHECKING:
    from bot.shared.commands import Ask
    from bot.shared.rules.clock import Clock
    from bot.shared.sweeper import Dedup
    from storage import Database

PURPOSE = "asked-back"
GONE = (
    "That question has expired (they are kept for a day) or was not yours. Type the command again."
)


@dataclass(frozen=True)
class Answered:
    """The request to run again: the command, and its text with the choice in it."""

    command: str
    text: str
    channel_id: str
    via: str
    thread_ts: str | None


class Questions:
    def __init__(self, db: Database, clock: Clock, dedup: Dedup) -> None:
        self.db, self.clock, self.dedup = db, clock, dedup

    def keep(self, ask: Ask, command: str, question: AskedBack) -> str | None:
        """Keep the request behind a question; its id, for the buttons to carry. None when
        a choice cannot be put in its text (then the question is answered by typing)."""
        texts = [
            answered(ask.text, question.asked, choice.typed, last=question.last)
            for choice in question.choices
        ]
        if not texts or any(text is None for text in texts):
            return None
        payload = {
            "command": command,
            "texts": texts,
            "channel": ask.channel_id,
            "via": ask.via,
            "thread_ts": ask.thread_ts,
        }
        with self.db.session() as session:
            return drafts.save(
                session, ask.team_id, ask.user_id, PURPOSE, payload, self.clock.now()
            )

    def answer(self, team_id: str, user_id: str, question_id: str, choice: int) -> Answered:
        """The request as the asker's choice makes it, once; refused for anyone else, for an
        expired question, and (with what was chosen) for a second answer."""
        with self.db.session(read_only=True) as session:
            row = drafts.get(session, team_id, question_id)
            mine = row is not None and row.purpose == PURPOSE and row.user_id == user_id
            payload = dict(row.payload) if mine and row is not None else None
            made = drafts.made_from(row) if mine and row is not None else None
        if payload is None:
            raise Refused(GONE)
        if made is not None or not self.dedup.first_time(team_id, f"asked:{question_id}"):
            chosen = made or "your first choice"
            raise Refused(
                f"You answered this already: `{chosen}`. If nothing came of it, type it again."
            )
        texts = payload.get("texts")
        if not isinstance(texts, list) or not 0 <= choice < len(texts):
            raise Refused(GONE)
        text = str(texts[choice])
        command = str(payload["command"])
        with self.db.session() as session:
            drafts.mark_used(session, team_id, question_id, f"/{command} {text}")
        return Answered(
            command=command,
            text=text,
            channel_id=str(payload["channel"]),
            via=str(payload["via"]),
            thread_ts=payload.get("thread_ts"),
        )
