"""Block Kit as Slack checks it: the limits on what a bot may send, as Slack's error codes.

The tables below are the whole policy; the walker only applies them. Messages answer
`invalid_blocks` / `msg_too_long` / `no_text`; views answer `invalid_arguments` with
`response_metadata.messages`, as Slack does.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_BYTES = 250_000

BLOCK_TYPES = frozenset(
    {"section", "header", "divider", "context", "actions", "image", "input", "rich_text"}
    | {"file", "video", "markdown", "call"}
)
ELEMENT_TYPES = frozenset(
    {"button", "overflow", "datepicker", "timepicker", "datetimepicker", "image"}
    | {"static_select", "external_select", "users_select", "conversations_select"}
    | {"channels_select", "multi_static_select", "multi_external_select"}
    | {"multi_users_select", "multi_conversations_select", "multi_channels_select"}
    | {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
    | {"radio_buttons", "checkboxes", "rich_text_input", "file_input", "workflow_button"}
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

# (owner type, field) -> most characters; a field ending in [] is a list of texts.
TEXT_MAX: dict[tuple[str, str], int] = {
    ("section", "text"): 3000,
    ("section", "fields[]"): 2000,
    ("header", "text"): 150,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
    ("image", "alt_text"): 2000,
    ("image", "title"): 2000,
    ("markdown", "text"): 12_000,
    ("button", "text"): 75,
    ("button", "value"): 2000,
    ("button", "url"): 3000,
    ("option", "text"): 75,
    ("option", "value"): 150,
    ("option", "description"): 75,
    ("confirm", "title"): 100,
    ("confirm", "text"): 300,
    ("confirm", "confirm"): 30,
    ("confirm", "deny"): 30,
    ("plain_text_input", "initial_value"): 3000,
}
# Every element with a placeholder caps it at 150 characters.
PLACEHOLDER_MAX = 150
ID_MAX = 255

# (owner type, field) -> most items.
COUNT_MAX: dict[tuple[str, str], int] = {
    ("section", "fields"): 10,
    ("context", "elements"): 10,
    ("actions", "elements"): 25,
    ("static_select", "options"): 100,
    ("static_select", "option_groups"): 100,
    ("multi_static_select", "options"): 100,
    ("multi_static_select", "option_groups"): 100,
    ("overflow", "options"): 5,
    ("radio_buttons", "options"): 10,
    ("checkboxes", "options"): 10,
}
COUNT_MIN: dict[tuple[str, str], int] = {
    ("actions", "elements"): 1,
    ("overflow", "options"): 1,
    ("context", "elements"): 1,
}
# Fields a block or element cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "header": ("text",),
    "actions": ("elements",),
    "context": ("elements",),
    "input": ("label", "element"),
    "image": ("alt_text",),
    "button": ("text",),
    "overflow": ("options",),
    "radio_buttons": ("options",),
    "checkboxes": ("options",),
}
PLAIN_ONLY: frozenset[tuple[str, str]] = frozenset(
    {("header", "text"), ("input", "label"), ("button", "text"), ("modal", "title")}
)


@dataclass(frozen=True)
class Problem:
    """One thing Slack would refuse, located by a JSON pointer."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [json-pointer:{self.pointer}]"


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return str(value["text"])
    return None


def _check_text_object(owner: str, name: str, value: Any, at: str) -> Iterator[Problem]:
    if isinstance(value, str):
        return
    if not isinstance(value, dict) or value.get("type") not in TEXT_TYPES:
        yield Problem(at, "must provide a text object of type plain_text or mrkdwn")
        return
    if not isinstance(value.get("text"), str) or not value["text"]:
        yield Problem(f"{at}/text", "must be more than 0 characters")
    if (owner, name) in PLAIN_ONLY and value.get("type") != "plain_text":
        yield Problem(f"{at}/type", "must be plain_text")


def _check_fields(owner: str, item: dict[str, Any], at: str) -> Iterator[Problem]:
    for name in REQUIRED.get(owner, ()):
        if item.get(name) in (None, "", []):
            yield Problem(f"{at}/{name}", f"missing required field: {name}")
    for (kind, name), most in TEXT_MAX.items():
        if kind != owner:
            continue
        if name.endswith("[]"):
            items = item.get(name[:-2])
            texts = list(enumerate(items)) if isinstance(items, list) else []
            for i, value in texts:
                yield from _check_length(_text_of(value), most, f"{at}/{name[:-2]}/{i}")
            continue
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, dict) or name in ("text", "label", "title", "hint"):
            yield from _check_text_object(owner, name, value, f"{at}/{name}")
        yield from _check_length(_text_of(value), most, f"{at}/{name}")
    if isinstance(item.get("placeholder"), dict | str):
        yield from _check_length(
            _text_of(item["placeholder"]), PLACEHOLDER_MAX, f"{at}/placeholder"
        )
    for name in ("block_id", "action_id", "callback_id", "external_id"):
        value = item.get(name)
        if isinstance(value, str) and len(value) > ID_MAX:
            yield Problem(f"{at}/{name}", f"must be less than {ID_MAX + 1} characters")
    for (kind, name), most in COUNT_MAX.items():
        values = item.get(name)
        if kind == owner and isinstance(values, list) and len(values) > most:
            yield Problem(f"{at}/{name}", f"must provide no more than {most} items")
    for (kind, name), least in COUNT_MIN.items():
        values = item.get(name)
        if kind == owner and isinstance(values, list) and len(values) < least:
            yield Problem(f"{at}/{name}", f"must provide at least {least} items")


def _check_length(text: str | None, most: int, at: str) -> Iterator[Problem]:
    if text is not None and len(text) > most:
        yield Problem(at, f"must be less than {most + 1} characters")


def _check_options(element: dict[str, Any], at: str) -> Iterator[Problem]:
    groups = element.get("option_groups")
    option_lists: list[tuple[str, Any]] = [(f"{at}/options", element.get("options"))]
    if isinstance(groups, list):
        option_lists += [
            (f"{at}/option_groups/{i}/options", g.get("options"))
            for i, g in enumerate(groups)
            if isinstance(g, dict)
        ]
    for where, options in option_lists:
        for i, option in enumerate(options if isinstance(options, list) else []):
            if not isinstance(option, dict):
                yield Problem(f"{where}/{i}", "must be an option object")
                continue
            yield from _check_fields("option", option, f"{where}/{i}")


def _is_rich_text(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "rich_text"


def element_problems(element: Any, at: str) -> Iterator[Problem]:
    """What is wrong with one interactive element."""
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        yield Problem(at, "missing required field: type")
        return
    kind = element["type"]
    if kind not in ELEMENT_TYPES:
        yield Problem(f"{at}/type", f"unsupported element type: {kind}")
        return
    yield from _check_fields(kind, element, at)
    yield from _check_options(element, at)
    initial = element.get("initial_value")
    if kind == "rich_text_input" and initial is not None and not _is_rich_text(initial):
        yield Problem(f"{at}/initial_value", "must provide an object of type rich_text")
    if isinstance(element.get("confirm"), dict):
        yield from _check_fields("confirm", element["confirm"], f"{at}/confirm")


def block_problems(blocks: list[Any], pointer: str = "/blocks") -> list[Problem]:
    """Everything Slack would refuse in a list of blocks (limits on the count aside)."""
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(Problem(at, "missing required field: type"))
            continue
        kind = block["type"]
        if kind not in BLOCK_TYPES:
            problems.append(Problem(f"{at}/type", f"unsupported block type: {kind}"))
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_ids:
                problems.append(Problem(f"{at}/block_id", "duplicate block_id"))
            seen_ids.add(block_id)
        problems += _check_fields(kind, block, at)
        if kind == "section" and not block.get("text") and not block.get("fields"):
            problems.append(Problem(at, "must provide either text or fields"))
        problems += _block_elements(kind, block, at)
    return problems


def _block_elements(kind: str, block: dict[str, Any], at: str) -> Iterator[Problem]:
    if kind == "section" and block.get("accessory") is not None:
        yield from element_problems(block["accessory"], f"{at}/accessory")
    elif kind == "input" and block.get("element") is not None:
        yield from element_problems(block["element"], f"{at}/element")
    elif kind == "actions" and isinstance(block.get("elements"), list):
        action_ids: set[str] = set()
        for j, element in enumerate(block["elements"]):
            yield from element_problems(element, f"{at}/elements/{j}")
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in action_ids:
                    yield Problem(f"{at}/elements/{j}/action_id", "duplicate action_id")
                action_ids.add(action_id)


def _invalid_blocks(problems: list[Problem]) -> dict[str, Any]:
    messages = [str(p) for p in problems]
    return {
        "ok": False,
        "error": "invalid_blocks",
        "errors": messages,
        "response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]},
    }


def check_message(text: Any, blocks: Any) -> dict[str, Any] | None:
    """Slack's error answer for a message the bot sends, or None if Slack would take it."""
    if blocks is not None:
        if not isinstance(blocks, list):
            return {"ok": False, "error": "invalid_blocks_format"}
        if len(blocks) > MAX_MESSAGE_BLOCKS:
            too_many = Problem("/blocks", f"must provide no more than {MAX_MESSAGE_BLOCKS} items")
            return _invalid_blocks([too_many])
        problems = block_problems(blocks)
        if problems:
            return _invalid_blocks(problems)
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    if not text and not blocks:
        return {"ok": False, "error": "no_text"}
    return None


def view_problems(view: Any) -> list[Problem]:
    """Everything Slack would refuse in a modal or Home tab view."""
    if not isinstance(view, dict):
        return [Problem("/view", "must be a view object")]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [Problem("/view/type", "must be one of modal, home")]
    problems: list[Problem] = []
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append(Problem("/view/blocks", "missing required field: blocks"))
        blocks = []
    elif len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(
            Problem("/view/blocks", f"must provide no more than {MAX_VIEW_BLOCKS} items")
        )
    if kind == "modal":
        if view.get("title") is None:
            problems.append(Problem("/view/title", "missing required field: title"))
        for name in ("title", "submit", "close"):
            if view.get(name) is not None:
                problems += _check_text_object("modal", name, view[name], f"/view/{name}")
                problems += _check_length(_text_of(view[name]), 24, f"/view/{name}/text")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            problems.append(Problem("/view/submit", "must provide submit when using input blocks"))
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > 3000:
        problems.append(Problem("/view/private_metadata", "must be less than 3001 characters"))
    problems += _check_fields("view", view, "/view")
    problems += block_problems(blocks, "/view/blocks")
    if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
        problems.append(Problem("/view", f"must be no larger than {MAX_VIEW_BYTES} bytes"))
    return problems


def check_view(view: Any) -> dict[str, Any] | None:
    """Slack's `invalid_arguments` answer for a bad view, or None if Slack would take it."""
    problems = view_problems(view)
    if not problems:
        return None
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
    }


def _short_id(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:5]


def normalize_blocks(blocks: list[Any] | None, salt: str = "") -> list[dict[str, Any]]:
    """A copy with the block_id / action_id Slack fills in when the bot leaves them out."""
    stored: list[dict[str, Any]] = copy.deepcopy([b for b in blocks or [] if isinstance(b, dict)])
    for i, block in enumerate(stored):
        block.setdefault("block_id", _short_id(f"{salt}:{i}:{json.dumps(block, sort_keys=True)}"))
        elements = [block.get("accessory"), block.get("element")]
        if block.get("type") == "actions":
            elements += block.get("elements") or []
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in ELEMENT_TYPES:
                element.setdefault("action_id", _short_id(f"{block['block_id']}:{j}"))
    return stored
