"""Typed readers for the values inside a Slack payload: button values, menus, dates, metadata.

A signed request proves it came through Slack, not that carebot made what it carries: a
button's value, a menu's option or a form's private_metadata can be edited on the way.
Each reader returns the value as carebot means it, or raises `BadValue`, a refusal with a
specific polite text (and, in a form, the field to show it under), before anything is read
from or written to the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import date, time
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.shared.rules.mrkdwn import escape
from bot.shared.rules.refusals import Refused

if TYPE_CHECKING:
    from slack_sdk import WebClient

# Slack's ids: a letter for the kind, then capitals and digits (U0123ABC, C0123ABC, S0123ABC).
_USER = re.compile(r"[UW][A-Z0-9]{1,20}")
_CHANNEL = re.compile(r"[CGD][A-Z0-9]{1,20}")
_GROUP = re.compile(r"S[A-Z0-9]{1,20}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{2}):(\d{2})")
_WHOLE = re.compile(r"\d{1,9}")
MOST = 1_000_000_000  # no count, offset or position carebot makes comes near this
FORM_DAMAGED = (
    "This form's saved details don't read right (they may have been changed outside Slack), "
    "so nothing was saved. Close the form and open it again from its command."
)
TICK_ONLY = "Tick only the boxes the form shows."
BUTTON_DAMAGED = (
    "That button's details don't read right (they may have been changed outside Slack), "
    "so nothing was done. Run the command again for fresh buttons."
)


class BadValue(Refused):
    """A value carebot did not send and Slack would not: refused, with the form field (if
    any) whose error it is, so a modal can show it there."""

    def __init__(self, text: str, field: str | None = None) -> None:
        super().__init__(text)
        self.field = field


def json_object(text: object, damaged: str = BUTTON_DAMAGED) -> dict[str, Any]:
    """A JSON object carebot wrote into a button value or a form's metadata."""
    try:
        found = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise BadValue(damaged)
    return found


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata, which carebot always writes as a JSON object."""
    return json_object(view.get("private_metadata") or "{}", FORM_DAMAGED)


def text(data: Mapping[str, Any], key: str, damaged: str = FORM_DAMAGED) -> str:
    """A string field of metadata or a button's JSON; "" when absent, refused when not text."""
    found = data.get(key, "")
    if found is None:
        return ""
    if not isinstance(found, str) or len(found) > 3_000:
        raise BadValue(damaged)
    return found


def user_id(value: object, field: str | None = None, *, what: str = "person") -> str:
    """A Slack user id, as a users_select sends it (U0123ABC), nothing else."""
    if isinstance(value, str) and _USER.fullmatch(value):
        return value
    raise BadValue(f"I can't find that {what}: pick someone from the menu.", field)


def optional_user_id(
    value: object, field: str | None = None, *, what: str = "person"
) -> str | None:
    """A user id, or None when the menu was left empty."""
    return None if value is None else user_id(value, field, what=what)


def channel_id(value: object, field: str | None = None) -> str:
    """A Slack conversation id (C..., G... or a D... DM), as Slack sends one."""
    if isinstance(value, str) and _CHANNEL.fullmatch(value):
        return value
    raise BadValue("That isn't a channel I can find: pick one from the menu.", field)


def group_id(value: object, field: str | None = None) -> str:
    """A Slack user group id (S0123ABC)."""
    if isinstance(value, str) and _GROUP.fullmatch(value):
        return value
    raise BadValue("That isn't a user group I can find: pick one from the menu.", field)


def ref(value: object, prefix: str, noun: str, field: str | None = None) -> str:
    """A record's short ref such as H-7; that it exists, here, is the operation's to check."""
    if isinstance(value, str) and re.fullmatch(rf"{prefix}-[1-9]\d{{0,8}}", value):
        return value
    shown = escape(str(value))[:40]
    raise BadValue(f'"{shown}" is not a {noun} ref; they look like {prefix}-12.', field)


def option(
    value: object, allowed: Collection[str], field: str | None = None, what: str = ""
) -> str:
    """One of the options carebot offered in a menu, radio buttons or a checkbox."""
    if isinstance(value, str) and value in allowed:
        return value
    listed = ", ".join(sorted(allowed))
    raise BadValue(f"Pick {what or 'one'} from the list ({listed}).", field)


def options(chosen: object, allowed: Collection[str], field: str | None = None) -> list[str]:
    """The values of a checkbox group's selected options, each one offered by carebot."""
    if not isinstance(chosen, list):
        raise BadValue(TICK_ONLY, field)
    values = [o.get("value") if isinstance(o, Mapping) else None for o in chosen]
    if not all(isinstance(v, str) and v in allowed for v in values):
        raise BadValue(TICK_ONLY, field)
    return [str(v) for v in values]


def day(value: object, field: str | None = None) -> date:
    """A datepicker's YYYY-MM-DD that is a real day."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadValue("Pick a date from the calendar, like 2027-03-05.", field)


def time_of_day(value: object, field: str | None = None) -> time:
    """A timepicker's HH:MM on a 24-hour clock."""
    found = _TIME.fullmatch(value) if isinstance(value, str) else None
    if found and int(found[1]) < 24 and int(found[2]) < 60:
        return time(int(found[1]), int(found[2]))
    raise BadValue("Pick a time from the list, like 15:00.", field)


def whole_number(
    value: object, field: str | None = None, *, lowest: int = 0, example: str = "12"
) -> int:
    """A whole number carebot wrote (an offset, a position) or a person typed (units)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and lowest <= value < MOST:
        return value
    if field is None:
        raise BadValue(BUTTON_DAMAGED)
    raise BadValue(f"A whole number of at least {lowest}, like {example}.", field)


def existing_channel(
    client: WebClient, channel: str, field: str | None = None, *, user: str | None = None
) -> dict[str, Any]:
    """The channel as Slack describes it to the bot; refused if the bot can't see it there,
    it is archived, or Slack could not say (so nothing is stored about a channel that is not).
    A DM passes only as the bot's own DM with `user` (the bot reads no DMs: no im:read)."""
    channel = channel_id(channel, field)
    try:
        if channel.startswith("D"):
            return _own_dm(client, channel, field, user)
        found = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as error:
        code = str(error.response.get("error") or "an error")
        if code == "channel_not_found":
            raise BadValue(
                "I can't see that channel: pick one I'm in, or invite me there with "
                "/invite @carebot first.",
                field,
            ) from None
        raise BadValue(
            f"I couldn't check that channel with Slack (it said {code}), so nothing was saved. "
            "Please try again in a moment.",
            field,
        ) from None
    if not isinstance(found, dict):
        raise BadValue("I can't see that channel: pick one I'm in.", field)
    if found.get("is_archived"):
        raise BadValue("That channel is archived: pick the team's current channel.", field)
    return found


def _own_dm(client: WebClient, channel: str, field: str | None, user: str | None) -> dict[str, Any]:
    opened = client.conversations_open(users=user)["channel"] if user else None
    if not isinstance(opened, dict) or opened.get("id") != channel:
        raise BadValue(
            "I can only answer in a channel I'm in or in your DM with me: "
            "open the form from one of those.",
            field,
        )
    return {"id": channel, "name": channel, "is_im": True}
