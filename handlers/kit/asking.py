"""A question asked back, as a reply: the question, then a button per choice beside the line
that tells the choices apart. Without a kept request (nothing to run again) it is text."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, cast

from bot.shared.commands import Reply, Via
from bot.shared.rules.mrkdwn import truncate
from handlers.kit import refusals, values
from handlers.kit.blocks import button, section

if TYPE_CHECKING:
    from bot.shared.rules.refusals import AskedBack

CHOICE_ACTION = "asked_back_choice"
MAX_LINE = 300
_QUESTION_ID = re.compile(r"[0-9a-f]{32}")
_VIAS = ("slash", "dm", "mention")


def question(asked: AskedBack, kept: str | None) -> Reply:
    """The question as a reply: buttons when its request is kept (`kept`), else its text."""
    text = refusals.text_of(asked)
    if kept is None:
        return Reply(text=text)
    blocks: list[dict[str, Any]] = [section(truncate(text, 2900))]
    for number, choice in enumerate(asked.choices):
        value = json.dumps({"q": kept, "i": number}, separators=(",", ":"))
        line = section(truncate(refusals.text_of_line(choice.line), MAX_LINE))
        line["accessory"] = button(choice.button[:75], CHOICE_ACTION, value)
        blocks.append(line)
    return Reply(text=text, blocks=blocks)


def choice_of(value: object) -> tuple[str, int]:
    """The question and the choice a clicked button carries, as carebot wrote them."""
    found = values.json_object(value)
    question_id, number = found.get("q"), found.get("i")
    if (
        not isinstance(question_id, str)
        or not _QUESTION_ID.fullmatch(question_id)
        or not isinstance(number, int)
        or isinstance(number, bool)
        or not 0 <= number < 50
    ):
        raise values.BadValue(values.BUTTON_DAMAGED)
    return question_id, number


def via(stored: str) -> Via:
    """How the question's request first came (as kept with it): the answer goes back so."""
    return cast("Via", stored if stored in _VIAS else "slash")
