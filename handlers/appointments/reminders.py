"""Visit reminder DMs: the clinician's heads-up, the checklist to tick, the possible no-show.

The checklist keeps its state in its own blocks: a tick replaces that item's block in
place, so the DM is the record people see and the audit trail is the record kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.appointments.changes import AppointmentRefused, Changed
from bot.appointments.reminders import CHECKLIST, CLINICIAN, Notice
from bot.appointments.rules.appointment import STATUS_WORDS, Action
from bot.appointments.rules.reminders import lead_words
from bot.shared.commands import Block, Reply
from bot.shared.rules.mrkdwn import date_token, escape, mention, truncate
from bot.shared.rules.timeparse import format_date, format_when
from handlers.appointments.blocks import what
from handlers.appointments.cards import ShownOf, refresh_card, refresh_series_card
from handlers.appointments.views import series_note
from handlers.kit import values
from handlers.kit.actors import actor_of
from handlers.shared.home import in_home

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.appointments.changes import AppointmentChanges
    from bot.shared.directory import Directory
    from bot.shared.rules.clock import Clock

    # Redraws the clicker's Home tab with a notice on top: (team, body, text).
    HomeNotice = Callable[[str, dict[str, Any], str], None]

log = logging.getLogger(__name__)

SECTION_MAX = 3000
NOTE_BLOCK = "checklist_note"


@dataclass(frozen=True)
class Item:
    """One line of the pre-procedure checklist and the button that ticks it."""

    key: str
    open_text: str
    done_text: str
    button: str

    @property
    def block_id(self) -> str:
        return f"check_{self.key}"


ITEMS = (
    Item("equipment", "Equipment checked", "Equipment checked", "Checked"),
    Item("patient", "Patient prepared", "Patient prepared", "Prepared"),
    Item("consent", "Consent signed", "Consent signed", "Signed"),
    # The coordinator ticks it once the payer has said yes; /preauth keeps the request itself.
    Item(
        "preapproval",
        "Pre-approval in hand — `/preauth list` shows what is pending",
        "Pre-approval confirmed",
        "Confirmed",
    ),
)
_ITEMS = {item.key: item for item in ITEMS}
FLAGS = {
    "visit_flag_checkin": Action.CHECKIN,  # on the Home tab, for today's visits
    "visit_flag_noshow": Action.NOSHOW,
    "visit_flag_done": Action.DONE,
    "visit_flag_cancel": Action.CANCEL,
}


# -- rendering ----------------------------------------------------------------------


def render(notice: Notice) -> Reply:
    """The DM for one reminder."""
    if notice.kind == CLINICIAN:
        return clinician_dm(notice)
    if notice.kind == CHECKLIST:
        return checklist_dm(notice)
    return noshow_dm(notice)


def _section(text: str, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)},
    }
    if block_id:
        block["block_id"] = block_id
    return block


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _context(text: str) -> Block:
    return {
        "type": "context",
        "block_id": NOTE_BLOCK,
        "elements": [{"type": "mrkdwn", "text": text}],
    }


def _about(notice: Notice) -> str:
    """ "J.D. (P-4), MRI (imaging), <date> at Radiology 2", the date in each reader's zone."""
    text = f"{notice.patient}, {what(*notice.what)}, "
    text += date_token(notice.start, format_when(notice.start, notice.zone))
    return text + (f" at {escape(notice.location)}" if notice.location else "")


def clinician_dm(notice: Notice) -> Reply:
    soon = f"in {lead_words(notice.lead)}" if notice.lead else "soon"
    text = f"Reminder: {notice.ref} {soon} — {_about(notice)}"
    return Reply(text=text, blocks=[_section(text)])


def checklist_dm(notice: Notice) -> Reply:
    ref = notice.ref
    head = f":clipboard: *Pre-procedure checklist for {ref}* — {_about(notice)}"
    blocks = [_section(head)]
    for item in ITEMS:
        block = _section(f":white_large_square: {item.open_text}", item.block_id)
        block["accessory"] = _button(item.button, f"visit_check_{item.key}", f"{ref}:{item.key}")
        blocks.append(block)
    blocks.append(_context("Tick each item once it is done; each tick is kept with your name."))
    return Reply(text=f"Pre-procedure checklist for {ref}", blocks=blocks)


def noshow_dm(notice: Notice) -> Reply:
    ref = notice.ref
    when = date_token(notice.start, _short_when(notice.start, notice.zone))
    text = (
        f"{ref} ({notice.patient_name}, {when}) is still booked a day after its time. "
        "Was it a no-show?"
    )
    buttons = [
        _button("No-show", "visit_flag_noshow", ref, "danger"),
        _button("Done", "visit_flag_done", ref, "primary"),
        _button("Cancel", "visit_flag_cancel", ref),
    ]
    actions: Block = {"type": "actions", "block_id": "visit_flag", "elements": buttons}
    return Reply(text=text, blocks=[_section(text), actions])


def _short_when(at: datetime, zone: ZoneInfo) -> str:
    """Tue 2 Mar 3:00 PM on zone's wall clock."""
    local = at.astimezone(zone)
    day = format_date(local.date()).rsplit(" ", 1)[0]
    return f"{day} {local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def ticked(
    blocks: list[Block], item: Item, user: str, at: datetime, zone: ZoneInfo
) -> list[Block] | None:
    """The checklist with `item` ticked by `user` at `at`; None if it was ticked already."""
    done = f":white_check_mark: {item.done_text} — {mention(user)}, "
    done += date_token(at, format_when(at, zone))
    result, found = [], False
    for block in blocks:
        if block.get("block_id") == item.block_id:
            if "accessory" not in block:
                return None
            block, found = _section(done, item.block_id), True
        result.append(block)
    if not found:
        return None
    still_open = any(
        b.get("block_id", "").startswith("check_") and "accessory" in b for b in result
    )
    if not still_open:
        result = [b for b in result if b.get("block_id") != NOTE_BLOCK]
        result.append(_context(":tada: Checklist complete."))
    return result


# -- listeners ----------------------------------------------------------------------


class ReminderListeners:
    """The buttons of the reminder DMs (and the Home tab's visit buttons)."""

    def __init__(
        self,
        *,
        appointments: AppointmentChanges,
        people: Directory,
        clock: Clock,
        home_notice: HomeNotice,
        series_cards: ShownOf | None = None,
    ) -> None:
        self.appointments, self.people, self.clock = appointments, people, clock
        self.home_notice, self.series_cards = home_notice, series_cards

    def register(self, app: App) -> None:
        app.action(re.compile(r"^visit_check_[a-z]+$"))(self.on_tick)
        app.action(re.compile(r"^visit_flag_[a-z]+$"))(self.on_flag)

    def on_tick(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        action = body["actions"][0]
        ref, _, key = str(action.get("value") or "").partition(":")
        ref = values.ref(ref, "A", "visit")
        item = _ITEMS.get(key)
        if item is None or action.get("action_id") != f"visit_check_{item.key}":
            raise values.BadValue(values.BUTTON_DAMAGED)
        message = body.get("message") or {}
        now = self.clock.now()
        zone = self.people.timezone(actor.team_id, actor.user_id)
        blocks = ticked(list(message.get("blocks") or []), item, actor.user_id, now, zone)
        if blocks is None:
            return  # ticked already: this click came from a copy of the DM drawn before the tick
        self.appointments.tick(actor, ref, key)
        _replace(client, respond, body, Reply(text=str(message.get("text") or ref), blocks=blocks))

    def on_flag(
        self, ack: Ack, body: dict[str, Any], context: Any, client: WebClient, respond: Respond
    ) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        action = body["actions"][0]
        ref = str(action.get("value", ""))
        flag = FLAGS.get(str(action.get("action_id")))
        if flag is None:  # a visit_flag_ button carebot never drew
            raise values.BadValue(values.BUTTON_DAMAGED)
        try:
            changed = self.appointments.act(actor, ref, flag)
        except AppointmentRefused as refused:
            text = f":information_source: Nothing changed. {escape(str(refused))}"
            if in_home(body):
                self.home_notice(actor.team_id, body, text)
            else:
                _replace(client, respond, body, Reply(text=text, blocks=[_section(text)]))
            return
        if not in_home(body):  # on the Home tab, the change itself redraws it
            _replace(client, respond, body, flagged(changed, actor.user_id))
        refresh_card(client, changed.visit, changed.card_zone)
        if self.series_cards is not None:
            refresh_series_card(client, self.series_cards, actor.team_id, changed.visit.series)


def flagged(changed: Changed, user: str) -> Reply:
    v = changed.visit
    text = (
        f":white_check_mark: {v.ref} ({v.patient}) is now {STATUS_WORDS[v.status]}, "
        f"marked by {mention(user)}."
    ) + series_note(changed)
    return Reply(text=text, blocks=[_section(text)])


def _replace(client: WebClient, respond: Respond, body: dict[str, Any], reply: Reply) -> None:
    """Update the DM that held the button; through response_url if chat.update fails."""
    container = body.get("container") or {}
    try:
        client.chat_update(
            channel=container["channel_id"],
            ts=container["message_ts"],
            text=reply.text,
            blocks=reply.blocks,
        )
        return
    except (KeyError, SlackApiError) as error:
        log.info("could not update a reminder DM (%s); using response_url", type(error).__name__)
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)
