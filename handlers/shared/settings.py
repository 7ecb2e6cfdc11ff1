"""/carebot settings: an admin sets up the channel it is run in, with a modal.

The form is checked before the ack, so a mistake comes back under its field; a good one
is stored, audited as settings.change, and confirmed to the admin in the channel.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.shared.access import Actor
from bot.shared.channel_setup import ChannelSetup
from bot.shared.commands import Ask, Block, Command, CommandRegistry, Reply
from bot.shared.rules import settings_form as form
from bot.shared.rules.channel_settings import ChannelSettings, Overrides
from bot.shared.rules.display import PatientDisplay
from handlers.kit import values
from handlers.kit.blocks import context, option, plain

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient


log = logging.getLogger(__name__)

CALLBACK_ID = "channel_settings"
CARE_TEAM = "care_team"
USAGE = "/carebot settings"
IN_A_CHANNEL = "Run `/carebot settings` in the channel you want to set up: its settings open there."
LATE = "I couldn't open the settings form in time (Slack allows 3 seconds). Please try again."
# label, example, longest
_TEXTS = {
    form.TIMEZONE: ("Time zone", "America/New_York", 64),
    form.HOURS: ("Clinic hours", form.HOURS_EXAMPLE, 20),
    form.DAYS: ("Clinic days", "mon-fri", 40),
    form.HOLIDAYS: ("Holidays (no digest, no slots)", "2027-12-24, 2027-12-25", 800),
    form.DIGEST: ("Daily digest time, or off", "07:30", 5),
    form.ESCALATION: ("Handoff escalation delays", "unstable=10m/20m/60m", 200),
    form.ROUND: ("Pre-approval reminder round", "09:00", 5),
}


def register(app: App, verbs: CommandRegistry, setup: ChannelSetup, slack: WebClient) -> None:
    verbs.add(
        Command(
            name="settings",
            summary="Set up this channel: care team, hours, digest, escalations (admins only)",
            usage=(f"{USAGE}: this channel's care team, clinic hours, digest and more (admins)",),
            run=lambda ask: on_settings(setup, slack, ask),
        )
    )

    def on_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        submit(setup, ack, body, view, client, context.team_id)

    app.view(CALLBACK_ID)(on_submit)


def on_settings(setup: ChannelSetup, slack: WebClient, ask: Ask) -> Reply | None:
    actor = Actor.of(ask)
    if not ask.channel_id or ask.channel_id[:1] not in ("C", "G"):
        setup.access.require_admin(actor, "change a channel's settings")  # admins hear why
        return Reply(text=IN_A_CHANNEL)
    registered, in_force = setup.current(actor, ask.channel_id)
    if not ask.trigger_id:
        return Reply(text=f"A form opens only from the slash command: type `{USAGE}` here.")
    view = settings_view(ask.channel_id, registered, in_force)
    try:
        slack.views_open(trigger_id=ask.trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open the settings form: %s", error.response.get("error"))
        return Reply(text=LATE)
    return None


def settings_view(channel: str, care_team: bool, in_force: ChannelSettings) -> Block:
    values = form.shown(in_force)
    care_option = option("This is a care-team channel", "yes")
    checkbox: Block = {"type": "checkboxes", "options": [care_option]}
    if care_team:
        checkbox["initial_options"] = [care_option]
    displays = [option(p.value.capitalize(), p.value) for p in PatientDisplay]
    chosen = next(o for o in displays if o["value"] == values[form.DISPLAY])
    blocks: list[Block] = [
        context(f"Settings of <#{channel}>. Empty fields follow the workspace defaults."),
        _input(CARE_TEAM, "Care team", checkbox, optional=True),
        *(_text(field, values[field]) for field in _TEXTS),
        _input(
            form.DISPLAY,
            "Patients in posts here",
            {"type": "static_select", "options": displays, "initial_option": chosen},
            optional=False,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Channel settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"c": channel}),
        "blocks": blocks,
    }


def _text(field: str, value: str) -> Block:
    label, example, most = _TEXTS[field]
    element: Block = {
        "type": "plain_text_input",
        "placeholder": plain(f"e.g. {example}"),
        "max_length": most,
        "multiline": field == form.HOLIDAYS,
    }
    if value:
        element["initial_value"] = value[:most]
    return _input(field, label, element, optional=True)


def _input(block_id: str, label: str, element: Block, *, optional: bool) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }


def typed_values(view: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """The text fields by block id, and whether the care-team box is ticked."""
    typed: dict[str, str] = {}
    care_team = False
    for block_id, entries in view["state"]["values"].items():
        entry = entries.get(block_id) or {}
        if block_id == CARE_TEAM:
            ticked = values.options(entry.get("selected_options") or [], {"yes"}, CARE_TEAM)
            care_team = bool(ticked)
        elif entry.get("selected_option"):
            typed[block_id] = str(entry["selected_option"].get("value") or "")
        elif entry.get("value"):
            typed[block_id] = str(entry["value"])
    return typed, care_team


def submit(
    setup: ChannelSetup,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    team: str,
) -> None:
    user = body["user"]["id"]  # the workspace is the one whose token the request carries
    channel = values.channel_id(values.metadata(view).get("c"))
    if channel[:1] not in ("C", "G"):
        raise values.BadValue(IN_A_CHANNEL)
    typed, care_team = typed_values(view)
    checked = form.check(typed, setup.workspace_defaults(team))
    if isinstance(checked, dict):
        ack(response_action="errors", errors=checked)
        return
    # Nothing is stored about a channel Slack does not show the bot.
    name = str(values.existing_channel(client, channel).get("name") or channel)
    ack()
    saved: Overrides | None = checked if care_team else None
    actor = Actor(team, user, channel)
    in_force = setup.save(actor, channel, name, saved)
    try:
        client.chat_postEphemeral(
            channel=channel, user=user, text=confirmation(channel, care_team, in_force)
        )
    except SlackApiError as error:
        log.info("settings saved; confirmation not shown: %s", error.response.get("error"))


def confirmation(channel: str, care_team: bool, in_force: ChannelSettings) -> str:
    if not care_team:
        return f"<#{channel}> is no longer a care-team channel; its own settings were removed."
    values = form.shown(in_force)
    digest = values[form.DIGEST]
    return (
        f"Saved. <#{channel}> is a care-team channel: {values[form.TIMEZONE]}, clinic "
        f"{values[form.DAYS]} {values[form.HOURS]}, digest {digest}, patients shown as "
        f"{values[form.DISPLAY]}."
    )
