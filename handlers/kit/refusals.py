"""The one way a refusal reaches a person: its polite text, to them only, and no ERROR line.

Use cases raise `Refused` (or a feature's kind of it); commands turn it into their reply
here, and the error handler does the same for a button, a form or a Home tab click.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.shared import request_context
from bot.shared.commands import Reply
from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.refusals import Refused

log = logging.getLogger("carebot.refusals")


# A refusal may quote what was typed: a broadcast mention in it is shown, never sent.
_BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam\^)[^>]*>")


def text_of(refused: Refused) -> str:
    """The refusal's text, as mrkdwn built where it was raised, with no broadcast in it."""
    return text_of_line(str(refused))


def text_of_line(text: str) -> str:
    """A line of mrkdwn built by carebot, with no broadcast in it."""
    return _BROADCAST.sub(lambda found: escape(found.group(0)), text)


def reply_for(refused: Refused) -> Reply:
    """What the person sees: the refusal's own text, ephemeral."""
    return Reply(text=text_of(refused))


def note(refused: Refused, body: dict[str, Any], context: Any) -> None:
    """One INFO line: the kind of refusal and who, never its text (it may name a patient)."""
    request_context.settle(request_context.REFUSED)
    log.info(
        "refused kind=%s request=%s team=%s user=%s",
        type(refused).__name__,
        body.get("type") or ("slash_command" if "command" in body else "unknown"),
        context.team_id,
        context.user_id,
    )


def view(refused: Refused) -> dict[str, Any]:
    """A modal that says why a form was refused; closing it gives back what was typed."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Not done"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text_of(refused)}}],
    }
