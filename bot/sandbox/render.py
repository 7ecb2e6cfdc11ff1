"""Block Kit as plain text: for the sandbox terminal and for test assertions.

Buttons and menu options are numbered `[1 Confirm] [2 Edit...]` in reading order,
restarting at 1 for each message or view, so `click 2` means the same thing in the
shell and in the driver. Text goes through `mrkdwn.plain`; the input helpers live in
`inputs` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.inputs import (
    EMPTY_ENTRY,
    INITIAL_KEYS,
    MENU_TYPES,
    REQUIRED_MESSAGE,
    TEXT_INPUTS,
    entry_for,
    find_input,
    menu_matches,
    menus,
    options_of,
    submission_state,
)
from bot.sandbox.mrkdwn import ENTITY, SPECIAL_MENTIONS, TOKEN, encode_typed, escape, plain, text_of
from bot.sandbox.richtext import rich_text_mrkdwn
from bot.sandbox.seed import Workspace

__all__ = [
    "EMPTY_ENTRY",
    "ENTITY",
    "INITIAL_KEYS",
    "MENU_TYPES",
    "NUMBERED_ELEMENTS",
    "REQUIRED_MESSAGE",
    "SPECIAL_MENTIONS",
    "TEXT_INPUTS",
    "TOKEN",
    "Choice",
    "choices",
    "encode_typed",
    "entry_for",
    "escape",
    "find_input",
    "menu_matches",
    "menus",
    "plain",
    "render_blocks",
    "render_message",
    "render_view",
    "state_value",
    "submission_state",
    "text_of",
]

NUMBERED_ELEMENTS = ("button", "overflow", "static_select", "radio_buttons", "checkboxes")


@dataclass(frozen=True)
class Choice:
    """Something a user can click in a message or view, with the number it is shown under."""

    number: int
    label: str
    block_id: str
    element: dict[str, Any]
    option: dict[str, Any] | None = None


def choices(blocks: list[Any] | None) -> list[Choice]:
    """Every numbered clickable thing in reading order: buttons, then menu options."""
    found: list[Choice] = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id", ""))
        elements: list[Any] = []
        if block.get("type") == "section":
            elements = [block.get("accessory")]
        elif block.get("type") == "actions":
            elements = list(block.get("elements") or [])
        for element in elements:
            if not isinstance(element, dict) or element.get("type") not in NUMBERED_ELEMENTS:
                continue
            if element["type"] == "button":
                label = text_of(element.get("text"))
                found.append(Choice(len(found) + 1, label, block_id, element))
                continue
            for option in options_of(element):
                label = text_of(option.get("text"))
                found.append(Choice(len(found) + 1, label, block_id, element, option))
    return found


def state_value(entry: Mapping[str, Any] | None, names: Workspace | None = None) -> str:
    """One input's current value as text, from a view's state entry."""
    if not entry:
        return ""
    if entry.get("value") is not None:
        return str(entry["value"])
    if entry.get("rich_text_value") is not None:
        return plain(rich_text_mrkdwn(entry["rich_text_value"]), names)
    if entry.get("selected_option"):
        return text_of(entry["selected_option"].get("text"))
    if entry.get("selected_options"):
        return ", ".join(text_of(o.get("text")) for o in entry["selected_options"])
    for key, sigil in (
        ("selected_user", "@"),
        ("selected_conversation", "#"),
        ("selected_channel", "#"),
    ):
        if entry.get(key):
            return plain(f"<{sigil}{entry[key]}>", names)
    for key in ("selected_users", "selected_conversations", "selected_channels"):
        if entry.get(key):
            sigil = "@" if key == "selected_users" else "#"
            return ", ".join(plain(f"<{sigil}{v}>", names) for v in entry[key])
    for key in ("selected_date", "selected_time", "selected_date_time"):
        if entry.get(key) is not None:
            return str(entry[key])
    return ""


class _Renderer:
    """Walks blocks once, numbering choices the same way `choices` does."""

    def __init__(
        self,
        names: Workspace | None,
        state: Mapping[str, Any] | None,
        errors: Mapping[str, str] | None,
        zone: ZoneInfo | None = None,
    ) -> None:
        self.names, self.zone = names, zone
        self.state = state or {}
        self.errors = errors or {}
        self.number = 0

    def mrkdwn(self, value: Any) -> str:
        return plain(text_of(value), self.names, self.zone)

    def element(self, element: Any) -> str:
        if not isinstance(element, dict):
            return ""
        kind = element.get("type")
        if kind == "button":
            self.number += 1
            return f"[{self.number} {text_of(element.get('text'))}]"
        if kind in NUMBERED_ELEMENTS:
            shown = []
            for option in options_of(element):
                self.number += 1
                shown.append(f"[{self.number} {text_of(option.get('text'))}]")
            prefix = "..." if kind == "overflow" else text_of(element.get("placeholder"))
            return f"({prefix}: {' '.join(shown)})" if prefix else " ".join(shown)
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        placeholder = text_of(element.get("placeholder")) or str(kind).replace("_", " ")
        return f"[{placeholder} ▾]"

    def block(self, block: Any) -> list[str]:
        if not isinstance(block, dict):
            return []
        kind = block.get("type")
        if kind == "header":
            return [f"== {text_of(block.get('text'))} =="]
        if kind == "divider":
            return ["-" * 24]
        if kind == "image":
            return [f"[image: {block.get('alt_text', '')}]"]
        if kind == "context":
            parts = [
                self.element(e) if e.get("type") == "image" else self.mrkdwn(e)
                for e in block.get("elements") or []
                if isinstance(e, dict)
            ]
            return [" · ".join(parts)]
        if kind == "section":
            return self.section(block)
        if kind == "actions":
            shown = [self.element(e) for e in block.get("elements") or []]
            return [" ".join(s for s in shown if s)]
        if kind == "input":
            return self.input(block)
        if kind in ("rich_text", "markdown"):
            return [self.mrkdwn({"text": _rich_text(block)})]
        return [f"[{kind}]"]

    def section(self, block: dict[str, Any]) -> list[str]:
        lines = self.mrkdwn(block.get("text")).splitlines() if block.get("text") else []
        for field in block.get("fields") or []:
            label, _, value = self.mrkdwn(field).partition("\n")
            label = label.strip().strip("*").strip()
            lines.append(f"{label}: {value.strip()}" if value.strip() else label)
        accessory = self.element(block.get("accessory"))
        if accessory:
            if lines:
                lines[-1] = f"{lines[-1]} {accessory}"
            else:
                lines.append(accessory)
        return lines

    def input(self, block: dict[str, Any]) -> list[str]:
        label = text_of(block.get("label"))
        element = block.get("element") or {}
        block_id = str(block.get("block_id", ""))
        entries = self.state.get(block_id) or {}
        entry = entries.get(element.get("action_id")) if isinstance(entries, dict) else None
        value = state_value(entry, self.names) or _initial(element, self.names)
        optional = " (optional)" if block.get("optional") else ""
        shown = value or f"____ {text_of(element.get('placeholder'))}".rstrip()
        lines = [f"{label}{optional}: {shown}"]
        options = [text_of(o.get("text")) for o in options_of(element)]
        if options:
            lines.append(f"    options: {' | '.join(options)}")
        if block_id in self.errors:
            lines.append(f"    ! {self.errors[block_id]}")
        return lines


def _initial(element: Mapping[str, Any], names: Workspace | None) -> str:
    if isinstance(element.get("initial_value"), dict):  # a rich_text_input's rich text
        return plain(rich_text_mrkdwn(element["initial_value"]), names)
    for key in ("initial_value", "initial_date", "initial_time", "initial_date_time"):
        if element.get(key) is not None:
            return str(element[key])
    if element.get("initial_option"):
        return text_of(element["initial_option"].get("text"))
    if element.get("initial_options"):
        return ", ".join(text_of(o.get("text")) for o in element["initial_options"])
    if element.get("initial_user"):
        return plain(f"<@{element['initial_user']}>", names)
    for key in ("initial_conversation", "initial_channel"):
        if element.get(key):
            return plain(f"<#{element[key]}>", names)
    return ""


def _rich_text(block: Mapping[str, Any]) -> str:
    if isinstance(block.get("text"), str):  # a markdown block
        return str(block["text"])
    return rich_text_mrkdwn(block)


def render_blocks(
    blocks: list[Any] | None,
    *,
    names: Workspace | None = None,
    state: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    zone: ZoneInfo | None = None,
) -> str:
    """Blocks as lines of text, buttons numbered from 1; dates in the reader's `zone`."""
    renderer = _Renderer(names, state, errors, zone)
    lines = [line for block in blocks or [] for line in renderer.block(block)]
    return "\n".join(lines)


def render_message(
    text: str | None,
    blocks: list[Any] | None = None,
    *,
    names: Workspace | None = None,
    files: Sequence[Mapping[str, Any]] | None = None,
    zone: ZoneInfo | None = None,
) -> str:
    """A message as its reader sees it: the blocks when there are any, else the text; dates
    in the reader's `zone`, as Slack shows them."""
    shown = (
        render_blocks(blocks, names=names, zone=zone) if blocks else plain(text or "", names, zone)
    )
    for file in files or []:
        title = file.get("title") or file.get("name") or "file"
        shown += f"\n[file: {title} ({file.get('name', '')})]"
    return shown.strip("\n")


def render_view(
    view: Mapping[str, Any],
    *,
    names: Workspace | None = None,
    state: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    zone: ZoneInfo | None = None,
) -> str:
    """A modal or Home tab: title, blocks with current input values, submit and close."""
    values = state if state is not None else (view.get("state") or {}).get("values")
    head = f"[{view.get('type', 'modal')}] {text_of(view.get('title'))}".rstrip()
    body = render_blocks(view.get("blocks"), names=names, state=values, errors=errors, zone=zone)
    buttons = [
        f"{name}: {text_of(view.get(key))}"
        for key, name in (("submit", "submit"), ("close", "close"))
        if view.get(key)
    ]
    lines = [head, body] + ([f"({' · '.join(buttons)})"] if buttons else [])
    return "\n".join(line for line in lines if line)
