"""The handoff modal: I-PASS (or SBAR) fields, opened by /handoff, Edit or a message shortcut.

A submission is checked before the ack, so a problem comes back under its field and the
form stays open with everything typed; a good one closes and the card is posted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Block
from bot.core.handoffs import MAX_SYNTHESIS_CHARS, MIN_SYNTHESIS_CHARS, Receiver, Severity, Template
from bot.core.mrkdwn import truncate
from bot.handoffs import Handoff, HandoffInput
from handlers.rich_text import flatten

log = logging.getLogger(__name__)

CALLBACK_ID = "handoff_form"
ACK_CALLBACK_ID = "handoff_ack_form"
TEMPLATE_ACTION = "handoff_template"
PATIENT, CHANNEL, RECEIVER, ROLE, SEVERITY, ACTIONS = (
    "patient", "channel", "receiver", "role", "severity", "actions",
)  # fmt: skip
SYNTHESIS = "synthesis"
MODAL_TEXT_CHARS = 3_000  # Slack's most for a plain_text_input


@dataclass(frozen=True)
class FormMeta:
    """What the modal carries in private_metadata."""

    channel: str = ""  # the channel it was opened from (the default destination)
    template: Template = Template.IPASS
    editing: str | None = None  # the ref being edited

    def dump(self) -> str:
        data = {"c": self.channel, "t": self.template.value}
        if self.editing:
            data["e"] = self.editing
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, text: str) -> FormMeta:
        data = json.loads(text or "{}")
        return cls(data.get("c", ""), Template(data.get("t", "ipass")), data.get("e"))


@dataclass(frozen=True)
class Prefill:
    """Values to show in the form."""

    patient: str = ""
    channel: str | None = None
    receiver: Receiver = field(default_factory=Receiver)
    severity: Severity = Severity.STABLE
    sections: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str | None], ...] = ()  # (text, owner) per action item

    def section(self, key: str) -> str:
        return dict(self.sections).get(key, "")


def prefill_of(handoff: Handoff, zone: ZoneInfo) -> Prefill:
    """An existing handoff's values, for Edit; due times are written so they read back."""
    return Prefill(
        patient=handoff.patient_ref,
        channel=handoff.channel_id,
        receiver=handoff.receiver,
        severity=handoff.severity,
        sections=tuple(handoff.sections.items()),
        actions=tuple((_with_due(item.text, item.due, zone), item.owner) for item in handoff.items),
    )


def form_view(
    meta: FormMeta,
    prefill: Prefill,
    groups: list[tuple[str, str]],
    *,
    editing: Handoff | None = None,
) -> dict[str, Any]:
    """The modal; `groups` are (id, handle) of the workspace's user groups for the role menu."""
    template = meta.template
    blocks: list[Block] = []
    if editing is None:
        other = Template.SBAR if template is Template.IPASS else Template.IPASS
        blocks.append(
            {
                "type": "section",
                "block_id": "template",
                "text": _mrkdwn(
                    f"*{template.label}* handoff. Switch to {other.label} for "
                    + ("a one-off escalation." if other is Template.SBAR else "a shift handoff.")
                ),
                "accessory": {
                    "type": "static_select",
                    "action_id": TEMPLATE_ACTION,
                    "placeholder": _plain("Template"),
                    "initial_option": _option(template.label, template.value),
                    "options": [_option(t.label, t.value) for t in Template],
                },
            }
        )
        blocks.append(
            _text_input(
                PATIENT, "Patient", prefill.patient, "Jane Doe, Jane Doe MRN 88123 or P-4", 200
            )
        )
        channel: Block = {
            "type": "conversations_select",
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            "placeholder": _plain("The care team's channel"),
        }
        if prefill.channel and not prefill.channel.startswith("D"):
            channel["initial_conversation"] = prefill.channel
        blocks.append(_input(CHANNEL, "Care-team channel", channel))
    else:
        blocks.append(_context(f"{editing.ref} for {editing.patient} in <#{editing.channel_id}>"))
    person: Block = {"type": "users_select", "placeholder": _plain("Who takes over")}
    if prefill.receiver.user_id:
        person["initial_user"] = prefill.receiver.user_id
    blocks.append(
        _input(
            RECEIVER,
            "Receiver",
            person,
            optional=True,
            hint="Leave both empty and anyone in the channel can acknowledge.",
        )
    )
    if groups:
        options = [_option(f"@{handle}"[:75], gid) for gid, handle in groups[:100]]
        role: Block = {
            "type": "static_select",
            "options": options,
            "placeholder": _plain("Or a role"),
        }
        chosen = [o for o in options if o["value"] == prefill.receiver.group_id]
        if chosen:
            role["initial_option"] = chosen[0]
        blocks.append(_input(ROLE, "Or a role (user group)", role, optional=True))
    severities = [_option(s.badge, s.value) for s in Severity]
    blocks.append(
        _input(
            SEVERITY,
            "Illness severity",
            {
                "type": "radio_buttons",
                "options": severities,
                "initial_option": severities[list(Severity).index(prefill.severity)],
            },
        )
    )
    for i, section in enumerate(template.sections):
        value = prefill.section(section.key)
        blocks.append(
            _text_input(
                section.key,
                section.title,
                value,
                section.example,
                MODAL_TEXT_CHARS,
                multiline=True,
                optional=i > 0,
                hint=_too_long_hint(value, editing is not None),
            )
        )
        if template is Template.IPASS and section.key == "summary":
            actions: Block = {
                "type": "rich_text_input",
                "placeholder": _plain("Call family @dr.patel by 5pm"),
            }
            if prefill.actions:
                actions["initial_value"] = _rich_text(prefill.actions)
            blocks.append(
                _input(
                    ACTIONS,
                    "Action list",
                    actions,
                    optional=True,
                    hint='One per line; @owner and "by <time>" are picked up.',
                )
            )
    title = f"Edit {editing.ref}" if editing else f"{template.label} handoff"
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(title[:24]),
        "submit": _plain("Save" if editing else "Post"),
        "close": _plain("Cancel"),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def _too_long_hint(value: str, editing: bool) -> str:
    """What a field says when its text is longer than a modal field holds; "" when it fits."""
    if len(value) <= MODAL_TEXT_CHARS:
        return ""
    shown = f"Showing the first {MODAL_TEXT_CHARS:,} of {len(value):,} characters"
    # An edit keeps the whole text when the field comes back untouched (see read_form).
    return shown + (
        ": leave it as it is to keep all of it." if editing else "; the rest is left out."
    )


def read_form(
    values: dict[str, Any], meta: FormMeta, editing: Handoff | None
) -> tuple[HandoffInput, dict[str, str]]:
    """The submission as a handoff input, and field errors found without asking anyone."""

    def entry(block: str) -> dict[str, Any]:
        found: dict[str, Any] = (values.get(block) or {}).get(block) or {}
        return found

    errors: dict[str, str] = {}
    person = entry(RECEIVER).get("selected_user")
    role = (entry(ROLE).get("selected_option") or {}).get("value")
    if person and role:
        errors[ROLE] = "Pick a person or a role, not both."
    severity = (entry(SEVERITY).get("selected_option") or {}).get("value") or "stable"
    template = editing.template if editing else meta.template
    sections = {s.key: str(entry(s.key).get("value") or "") for s in template.sections}
    for key, before in (editing.sections if editing else {}).items():
        # A field shows at most MODAL_TEXT_CHARS: what came back untouched keeps its whole text.
        if len(before) > MODAL_TEXT_CHARS and sections.get(key, "").strip() == (
            before[:MODAL_TEXT_CHARS].strip()
        ):
            sections[key] = before
    rich = entry(ACTIONS).get("rich_text_value")
    actions = flatten(rich) if isinstance(rich, dict) else str(entry(ACTIONS).get("value") or "")
    given = HandoffInput(
        patient=editing.patient_ref if editing else str(entry(PATIENT).get("value") or "").strip(),
        channel_id=editing.channel_id
        if editing
        else str(entry(CHANNEL).get("selected_conversation") or ""),
        template=template,
        severity=Severity(severity),
        sections=sections,
        actions=actions,
        receiver=Receiver(person or None, None if person else role or None),
    )
    return given, errors


_INITIAL = {
    "initial_value": "value",
    "initial_user": "selected_user",
    "initial_option": "selected_option",
    "initial_conversation": "selected_conversation",
}


def current_values(view: dict[str, Any]) -> dict[str, Any]:
    """The view's state, with the inputs nobody touched read from their initial values."""
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or "action_id" not in element:
            continue
        shown = {key: element[i] for i, key in _INITIAL.items() if i in element}
        if element.get("type") == "rich_text_input" and "value" in shown:
            shown = {"rich_text_value": shown.pop("value")}
        values[block["block_id"]] = {element["action_id"]: shown}
    for block_id, entries in ((view.get("state") or {}).get("values") or {}).items():
        values.setdefault(block_id, {}).update(entries)
    return values


def carry_sections(typed: dict[str, str], old: Template, new: Template) -> list[tuple[str, str]]:
    """Sections typed under one template placed in the other's, so a switch loses no text.

    A section both share keeps its text; the others' text goes to the sections only the new
    template has, in order (I-PASS's summary becomes SBAR's background, and back).
    """
    new_keys = [s.key for s in new.sections]
    old_keys = {s.key for s in old.sections}
    placed = {key: typed[key] for key in new_keys if typed.get(key, "").strip()}
    slots = [key for key in new_keys if key not in old_keys] or new_keys[-1:]
    leftovers = [s for s in old.sections if s.key not in new_keys and typed.get(s.key, "").strip()]
    for i, section in enumerate(leftovers):
        slot = slots[min(i, len(slots) - 1)]
        text = typed[section.key].strip()
        placed[slot] = f"{placed[slot]}\n\n{section.title}: {text}" if slot in placed else text
    return [(key, placed[key]) for key in new_keys if key in placed]


def _with_due(text: str, due: datetime | None, zone: ZoneInfo) -> str:
    return f"{text} by {due.astimezone(zone):%Y-%m-%d %H:%M}" if due else text


def ack_view(handoff: Handoff) -> dict[str, Any]:
    """The read-back modal: the receiver says back what they took over."""
    first = handoff.template.sections[0]
    excerpt = truncate(handoff.sections.get(first.key, ""), 2_800)
    return {
        "type": "modal",
        "callback_id": ACK_CALLBACK_ID,
        "title": _plain(f"Acknowledge {handoff.ref}"[:24]),
        "submit": _plain("Acknowledge"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"h": handoff.ref}),
        "blocks": [
            _context(f"{handoff.severity.badge} · {handoff.patient} · from <@{handoff.author_id}>"),
            {"type": "section", "text": _plain(excerpt or "(no text)")},
            {
                "type": "input",
                "block_id": SYNTHESIS,
                "label": _plain("Your read-back (synthesis)"),
                "hint": _plain(
                    "In your own words: what you are taking over and what you will watch for."
                ),
                "element": {
                    "type": "plain_text_input",
                    "action_id": SYNTHESIS,
                    "multiline": True,
                    "min_length": MIN_SYNTHESIS_CHARS,
                    "max_length": MAX_SYNTHESIS_CHARS,
                    "placeholder": _plain(
                        "Watching UOP overnight; will call cardiology if under 30 ml/h"
                    ),
                },
            },
        ],
    }


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something, e.g. that someone acknowledged first."""
    return {
        "type": "modal",
        "title": _plain(title[:24]),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": _mrkdwn(text)}],
    }


def user_groups(client: WebClient) -> list[tuple[str, str]]:
    """(id, handle) of the workspace's user groups; empty when Slack can't say."""
    try:
        answer = client.usergroups_list()
    except SlackApiError as error:
        log.info("could not list user groups: %s", error.response.get("error"))
        return []
    return sorted(
        ((str(g["id"]), str(g.get("handle") or g["id"])) for g in answer.get("usergroups") or []),
        key=lambda pair: pair[1],
    )


def _rich_text(lines: tuple[tuple[str, str | None], ...]) -> dict[str, Any]:
    """Action items as rich text, owners as real mentions, one item per line."""
    elements: list[dict[str, Any]] = []
    for i, (text, owner) in enumerate(lines):
        elements.append(
            {"type": "text", "text": ("\n" if i else "") + text + (" " if owner else "")}
        )
        if owner:
            elements.append({"type": "user", "user_id": owner})
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}


def _text_input(
    block_id: str,
    label: str,
    value: str,
    example: str,
    most: int,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str = "",
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": most,
        "placeholder": _plain(f"e.g. {example}"[:150]),
    }
    if value:
        element["initial_value"] = value[:most]
    return _input(block_id, label, element, optional=optional, hint=hint)


def _input(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    return block | ({"hint": _plain(hint)} if hint else {})


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}
