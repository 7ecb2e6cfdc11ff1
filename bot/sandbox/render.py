"""Block Kit as plain text: for the sandbox terminal and for test assertions.

Buttons and menu options are numbered `[1 Confirm] [2 Edit...]` in reading order,
restarting at 1 for each message or view, so `click 2` means the same thing in the
shell and in the driver. Mentions are shown by name, dates by their fallback text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.sandbox.seed import Workspace

ENTITY = re.compile(r"<([^<>\n]*)>")
TOKEN = re.compile(r"(?<![\w@#&<|])([@#])([A-Za-z0-9][\w.\-]*)")
SPECIAL_MENTIONS = ("here", "channel", "everyone")
NUMBERED_ELEMENTS = ("button", "overflow", "static_select", "radio_buttons", "checkboxes")


@dataclass(frozen=True)
class Choice:
    """Something a user can click in a message or view, with the number it is shown under."""

    number: int
    label: str
    block_id: str
    element: dict[str, Any]
    option: dict[str, Any] | None = None


def text_of(value: Any) -> str:
    """The string inside a text object (or the string itself)."""
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return "" if value is None else str(value)


def plain(text: str, names: Workspace | None = None) -> str:
    """mrkdwn as a reader sees it: `<@U1>` as @name, `<!date^..|fallback>` as fallback."""

    def entity(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            user = names.find_user(target[1:]) if names else None
            return "@" + (user.name if user else label or target[1:])
        if target.startswith("#"):
            channel = names.find_channel(target[1:]) if names else None
            return "#" + (channel.name if channel else label or target[1:])
        if target.startswith("!subteam^"):
            group = names.find_usergroup(target.split("^", 1)[1]) if names else None
            return "@" + group.handle if group else label or target
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return label or target

    shown = ENTITY.sub(entity, text)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Escape what Slack escapes in user-typed text: `&`, `<` and `>`, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode_typed(text: str, names: Workspace, *, with_labels: bool = False) -> str:
    """Typed text as Slack delivers it: escaped, with known @names and #channels as links.

    Messages carry `<@U123>`; slash commands with `should_escape` carry `<@U123|name>`.
    """

    def link(match: re.Match[str]) -> str:
        sigil, word = match.group(1), match.group(2)
        for end in range(len(word), 0, -1):
            candidate, rest = word[:end], word[end:]
            if rest and not re.fullmatch(r"[.\-_]+", rest):
                continue
            found = _link_for(sigil, candidate, names, with_labels)
            if found:
                return found + rest
        return match.group(0)

    return TOKEN.sub(link, escape(text))


def _link_for(sigil: str, name: str, names: Workspace, with_labels: bool) -> str | None:
    if sigil == "#":
        channel = names.find_channel(name)
        return f"<#{channel.id}|{channel.name}>" if channel and not channel.is_im else None
    if name.lower() in SPECIAL_MENTIONS:
        return f"<!{name.lower()}>"
    user = names.find_user(name)
    if user is not None and user.name.lower() == name.lower():
        return f"<@{user.id}|{user.name}>" if with_labels else f"<@{user.id}>"
    group = names.find_usergroup(name)
    if group is not None:
        return f"<!subteam^{group.id}|@{group.handle}>" if with_labels else f"<!subteam^{group.id}>"
    return None


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
            for option in _options(element):
                label = text_of(option.get("text"))
                found.append(Choice(len(found) + 1, label, block_id, element, option))
    return found


def _options(element: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from (o for o in element.get("options") or [] if isinstance(o, dict))
    for group in element.get("option_groups") or []:
        yield from (o for o in group.get("options") or [] if isinstance(o, dict))


def state_value(entry: Mapping[str, Any] | None, names: Workspace | None = None) -> str:
    """One input's current value as text, from a view's state entry."""
    if not entry:
        return ""
    if entry.get("value") is not None:
        return str(entry["value"])
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
    ) -> None:
        self.names = names
        self.state = state or {}
        self.errors = errors or {}
        self.number = 0

    def mrkdwn(self, value: Any) -> str:
        return plain(text_of(value), self.names)

    def element(self, element: Any) -> str:
        if not isinstance(element, dict):
            return ""
        kind = element.get("type")
        if kind == "button":
            self.number += 1
            return f"[{self.number} {text_of(element.get('text'))}]"
        if kind in NUMBERED_ELEMENTS:
            shown = []
            for option in _options(element):
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
        options = [text_of(o.get("text")) for o in _options(element)]
        if options:
            lines.append(f"    options: {' | '.join(options)}")
        if block_id in self.errors:
            lines.append(f"    ! {self.errors[block_id]}")
        return lines


def _initial(element: Mapping[str, Any], names: Workspace | None) -> str:
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
    if isinstance(block.get("text"), str):
        return str(block["text"])
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "text":
                out.append(str(node.get("text", "")))
            elif kind == "user":
                out.append(f"<@{node.get('user_id')}>")
            elif kind == "channel":
                out.append(f"<#{node.get('channel_id')}>")
            for child in node.get("elements") or []:
                walk(child)

    walk(block)
    return "".join(out)


def render_blocks(
    blocks: list[Any] | None,
    *,
    names: Workspace | None = None,
    state: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> str:
    """Blocks as lines of text, buttons numbered from 1."""
    renderer = _Renderer(names, state, errors)
    lines = [line for block in blocks or [] for line in renderer.block(block)]
    return "\n".join(lines)


def render_message(
    text: str | None,
    blocks: list[Any] | None = None,
    *,
    names: Workspace | None = None,
    files: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """A message as its reader sees it: the blocks when there are any, else the text."""
    shown = render_blocks(blocks, names=names) if blocks else plain(text or "", names)
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
) -> str:
    """A modal or Home tab: title, blocks with current input values, submit and close."""
    values = state if state is not None else (view.get("state") or {}).get("values")
    head = f"[{view.get('type', 'modal')}] {text_of(view.get('title'))}".rstrip()
    body = render_blocks(view.get("blocks"), names=names, state=values, errors=errors)
    buttons = [
        f"{name}: {text_of(view.get(key))}"
        for key, name in (("submit", "submit"), ("close", "close"))
        if view.get(key)
    ]
    lines = [head, body] + ([f"({' · '.join(buttons)})"] if buttons else [])
    return "\n".join(line for line in lines if line)


# -- inputs: what a person typed or picked, as Slack's state entries ---------------------

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
    options = list(_options(element))
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
    if kind in TEXT_INPUTS:
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
