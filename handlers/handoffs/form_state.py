"""What a handoff form holds: a submission read as a handoff, and its text kept across an
I-PASS / SBAR switch."""

from __future__ import annotations

from typing import Any

from bot.handoffs.lists import Handoff, HandoffInput
from bot.handoffs.rules.handoff import Receiver, Template
from bot.shared.rules.severity import Severity
from handlers.handoffs.form import (
    ACTIONS,
    CHANNEL,
    MODAL_TEXT_CHARS,
    PATIENT,
    RECEIVER,
    ROLE,
    SEVERITY,
    FormMeta,
)
from handlers.kit import values
from handlers.kit.rich_text import flatten

SEVERITIES = frozenset(s.value for s in Severity)


def read_form(
    state: dict[str, Any], meta: FormMeta, editing: Handoff | None
) -> tuple[HandoffInput, dict[str, str]]:
    """The submission as a handoff input, and field errors found without asking anyone."""

    def entry(block: str) -> dict[str, Any]:
        found: dict[str, Any] = (state.get(block) or {}).get(block) or {}
        return found

    errors: dict[str, str] = {}
    person = values.optional_user_id(
        entry(RECEIVER).get("selected_user") or None, RECEIVER, what="receiver"
    )
    role = (entry(ROLE).get("selected_option") or {}).get("value")
    role = values.group_id(role, ROLE) if role else None
    if person and role:
        errors[ROLE] = "Pick a person or a role, not both."
    severity = (entry(SEVERITY).get("selected_option") or {}).get("value") or "stable"
    severity = values.option(severity, SEVERITIES, SEVERITY, "the illness severity")
    channel = entry(CHANNEL).get("selected_conversation")
    channel = values.channel_id(channel, CHANNEL) if channel else ""
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
        channel_id=editing.channel_id if editing else channel,
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
