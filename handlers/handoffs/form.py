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

from bot.handoffs.lists import Handoff
from bot.handoffs.rules.handoff import Receiver, Template
from bot.shared.commands import Block
from bot.shared.rules.severity import Severity
from handlers.kit import values
from handlers.kit.blocks import context, mrkdwn, option, plain

log = logging.getLogger(__name__)

CALLBACK_ID = "handoff_form"
TEMPLATE_ACTION = "handoff_template"
PATIENT, CHANNEL, RECEIVER, ROLE, SEVERITY, ACTIONS = (
    "patient", "channel", "receiver", "role", "severity", "actions",
)  # fmt: skip
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
    def load(cls, text: str | None) -> FormMeta:
        """Read back what `dump` wrote; anything else is refused (see handlers.kit.values)."""
        data = values.json_object(text or "{}", values.FORM_DAMAGED)
        channel = values.text(data, "c")
        template = data.get("t", Template.IPASS.value)
        if template not in {t.value for t in Template}:
            raise values.BadValue(values.FORM_DAMAGED)
        editing = values.text(data, "e") or None
        return cls(
            values.channel_id(channel) if channel else "",
            Template(template),
            values.ref(editing, "H", "handoff") if editing else None,
        )


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
                "text": mrkdwn(
                    f"*{template.label}* handoff. Switch to {other.label} for "
                    + ("a one-off escalation." if other is Template.SBAR else "a shift handoff.")
                ),
                "accessory": {
                    "type": "static_select",
                    "action_id": TEMPLATE_ACTION,
                    "placeholder": plain("Template"),
                    "initial_option": option(template.label, template.value),
                    "options": [option(t.label, t.value) for t in Template],
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
            "placeholder": plain("The care team's channel"),
        }
        if prefill.channel and not prefill.channel.startswith("D"):
            channel["initial_conversation"] = prefill.channel
        blocks.append(_input(CHANNEL, "Care-team channel", channel))
    else:
        blocks.append(context(f"{editing.ref} for {editing.patient} in <#{editing.channel_id}>"))
    person: Block = {"type": "users_select", "placeholder": plain("Who takes over")}
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
        options = [option(f"@{handle}"[:75], gid) for gid, handle in groups[:100]]
        role: Block = {
            "type": "static_select",
            "options": options,
            "placeholder": plain("Or a role"),
        }
        chosen = [o for o in options if o["value"] == prefill.receiver.group_id]
        if chosen:
            role["initial_option"] = chosen[0]
        blocks.append(_input(ROLE, "Or a role (user group)", role, optional=True))
    severities = [option(s.badge, s.value) for s in Severity]
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
                "placeholder": plain("Call family @dr.patel by 5pm"),
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
        "title": plain(title[:24]),
        "submit": plain("Save" if editing else "Post"),
        "close": plain("Cancel"),
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


def _with_due(text: str, due: datetime | None, zone: ZoneInfo) -> str:
    return f"{text} by {due.astimezone(zone):%Y-%m-%d %H:%M}" if due else text


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
        "placeholder": plain(f"e.g. {example}"[:150]),
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
        "label": plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    return block | ({"hint": plain(hint)} if hint else {})
