"""Inputs and menus: what a person typed or picked, as Slack's state entries.

Finds an input or menu by what a person would call it, turns a typed value into the
entry Slack records, and works out what a submission carries and what the client refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from bot.sandbox.mrkdwn import plain, text_of
from bot.sandbox.richtext import is_blank, typed_rich_text
from bot.sandbox.seed import Workspace

TEXT_INPUTS = ("plain_text_input", "email_text_input", "url_text_input", "rich_text_input")
MENU_TYPES = frozenset(
    {"static_select", "multi_static_select", "users_select", "multi_users_select"}
    | {"conversations_select", "multi_conversations_select", "channels_select"}
    | {"multi_channels_select", "external_select", "datepicker", "timepicker", "radio_buttons"}
    | {"checkboxes", "datetimepicker"}
)
# Which state key each element fills, and its value when nothing is chosen.
EMPTY_ENTRY: dict[str, tuple[str, Any]] = {
    "plain_text_input": ("value", None),
    "email_text_input": ("value", None),
    "url_text_input": ("value", None),
    "rich_text_input": ("rich_text_value", None),
    "number_input": ("value", None),
    "static_select": ("selected_option", None),
    "external_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None),
    "multi_static_select": ("selected_options", []),
    "multi_external_select": ("selected_options", []),
    "checkboxes": ("selected_options", []),
    "users_select": ("selected_user", None),
    "multi_users_select": ("selected_users", []),
    "conversations_select": ("selected_conversation", None),
    "multi_conversations_select": ("selected_conversations", []),
    "channels_select": ("selected_channel", None),
    "multi_channels_select": ("selected_channels", []),
    "datepicker": ("selected_date", None),
    "timepicker": ("selected_time", None),
    "datetimepicker": ("selected_date_time", None),
}
INITIAL_KEYS: dict[str, str] = {
    "value": "initial_value",
    "rich_text_value": "initial_value",  # a rich_text object, not a string
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
}
REQUIRED_MESSAGE = "Please complete this required field."


def options_of(element: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The options a menu, radio group or checkbox group offers, groups flattened."""
    yield from (o for o in element.get("options") or [] if isinstance(o, dict))
    for group in element.get("option_groups") or []:
        yield from (o for o in group.get("options") or [] if isinstance(o, dict))


def _matches(wanted: str, candidates: list[tuple[str, Any]]) -> Any:
    """The candidate whose name equals `wanted` (any case), else the one that contains it."""
    key = wanted.strip().lower()
    exact = [item for name, item in candidates if name.strip().lower() == key]
    if exact:
        return exact[0]
    partial = [item for name, item in candidates if key and key in name.lower()]
    if len(partial) == 1:
        return partial[0]
    names = ", ".join(repr(name) for name, _ in candidates)
    problem = "several match" if partial else "none match"
    raise LookupError(f"{wanted!r}: {problem}; choose from {names}")


def find_input(blocks: list[Any], ref: str) -> dict[str, Any]:
    """An input block by its label, block_id or action_id."""
    inputs = [b for b in blocks if isinstance(b, dict) and b.get("type") == "input"]
    for block in inputs:
        if ref in (block.get("block_id"), (block.get("element") or {}).get("action_id")):
            return block
    found: dict[str, Any] = _matches(ref, [(text_of(b.get("label")), b) for b in inputs])
    return found


def menus(blocks: list[Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Menus and pickers outside input blocks: section accessories and actions elements."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") not in ("section", "actions"):
            continue
        elements = [block.get("accessory"), *(block.get("elements") or [])]
        for element in elements:
            if isinstance(element, dict) and element.get("type") in MENU_TYPES:
                yield block, element


def menu_matches(block: Mapping[str, Any], element: Mapping[str, Any], label: str) -> bool:
    """Whether a menu answers to a label: its section text, placeholder or ids."""
    key = label.strip().lower()
    names = [
        plain(text_of(block.get("text"))) if block.get("type") == "section" else "",
        text_of(element.get("placeholder")),
        str(element.get("action_id", "")),
        str(block.get("block_id", "")),
    ]
    return any(n and (n.lower() == key or key in n.lower()) for n in names)


def _option(element: Mapping[str, Any], wanted: str) -> dict[str, Any]:
    options = list(options_of(element))
    by_value = [o for o in options if o.get("value") == wanted]
    if by_value:
        return by_value[0]
    found: dict[str, Any] = _matches(wanted, [(text_of(o.get("text")), o) for o in options])
    return found


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [v.strip() for v in value.split(",") if v.strip()]


def entry_for(
    element: Mapping[str, Any], value: str | list[str], names: Workspace
) -> dict[str, Any]:
    """What Slack records when a person types `value` into (or picks it in) an element."""
    kind = str(element.get("type"))
    key, _ = EMPTY_ENTRY.get(kind, ("value", None))
    entry: dict[str, Any] = {"type": kind}
    one = value if isinstance(value, str) else ", ".join(value)
    if kind == "rich_text_input":
        entry[key] = typed_rich_text(one, names)
    elif kind in TEXT_INPUTS:
        entry[key] = one
    elif kind == "number_input":
        float(one)  # raises ValueError for text a number field would refuse
        entry[key] = one
    elif kind in ("static_select", "radio_buttons"):
        entry[key] = _option(element, one)
    elif kind in ("multi_static_select", "checkboxes"):
        entry[key] = [_option(element, v) for v in _listed(value)]
    elif kind in ("external_select", "multi_external_select"):
        made = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in _listed(value)]
        entry[key] = made[0] if kind == "external_select" else made
    elif kind.endswith("users_select"):
        ids = [_user_id(v, names) for v in _listed(value)]
        entry[key] = ids if kind.startswith("multi_") else ids[0]
    elif kind.endswith(("conversations_select", "channels_select")):
        ids = [_channel_id(v, names) for v in _listed(value)]
        entry[key] = ids if kind.startswith("multi_") else ids[0]
    elif kind == "datepicker":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", one.strip()):
            raise ValueError(f"a date looks like 2027-03-02, not {one!r}")
        entry[key] = one.strip()
    elif kind == "timepicker":
        if not re.fullmatch(r"\d{2}:\d{2}", one.strip()):
            raise ValueError(f"a time looks like 09:30, not {one!r}")
        entry[key] = one.strip()
    elif kind == "datetimepicker":
        entry[key] = int(one)
    else:
        raise ValueError(f"cannot fill a {kind} element")
    return entry


def _user_id(ref: str, names: Workspace) -> str:
    user = names.find_user(ref)
    if user is None:
        raise LookupError(f"no user {ref!r}")
    return user.id


def _channel_id(ref: str, names: Workspace) -> str:
    channel = names.find_channel(ref)
    if channel is None:
        raise LookupError(f"no channel {ref!r}")
    return channel.id


def _initial_entry(element: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(element.get("type"))
    key, empty = EMPTY_ENTRY.get(kind, ("value", None))
    initial = element.get(INITIAL_KEYS.get(key, ""))
    return {"type": kind, key: initial if initial is not None else empty}


def _is_empty(entry: Mapping[str, Any]) -> bool:
    if entry.get("rich_text_value") is not None:
        return is_blank(entry["rich_text_value"])
    return all(v in (None, "", []) for k, v in entry.items() if k != "type")


def submission_state(
    blocks: list[Any], state: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The `state.values` a submission carries, and what Slack's client would refuse."""
    values: dict[str, dict[str, Any]] = {b: dict(entries) for b, entries in state.items()}
    refused: dict[str, str] = {}
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        entry = dict(state.get(block_id, {}).get(action_id) or _initial_entry(element))
        values.setdefault(block_id, {})[action_id] = entry
        typed = entry.get("value")
        least = element.get("min_length")
        if _is_empty(entry) and not block.get("optional"):
            refused[block_id] = REQUIRED_MESSAGE
        elif isinstance(typed, str) and isinstance(least, int) and 0 < len(typed) < least:
            refused[block_id] = f"Please enter at least {least} characters."
    return values, refused
