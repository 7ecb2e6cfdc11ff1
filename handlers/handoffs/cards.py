"""Handoff cards in Block Kit: severity at a glance, the sections, Done and Acknowledge.

Slack allows 50 blocks a message and 3,000 characters a section: long text is split
into several sections, and what still does not fit is trimmed with a pointer to
`/handoff show`, so Slack never refuses a card.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot.handoffs.lists import Handoff, HandoffReader, Item
from bot.handoffs.rules.handoff import Template, split_text
from bot.shared.commands import Block, Reply
from bot.shared.rules.mrkdwn import date_token, escape, truncate
from bot.shared.rules.timeparse import format_when
from handlers.kit.blocks import button, context, plain, section

if TYPE_CHECKING:
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

ACK_ACTION = "open_handoff_ack"  # only opens the read-back form: may be clicked again
DONE_ACTION = "handoff_done"
EDIT_ACTION = "open_handoff_edit"
REPOST_ACTION = "handoff_repost"
MAX_BLOCKS = 50
SECTION_CHARS = 2_900  # under Slack's 3,000, leaving room for a section's title
_ITEM_CHARS = 2_900


def card(handoff: Handoff, zone: ZoneInfo, *, buttons: bool = True) -> Reply:
    """The channel card; `buttons=False` for a read-only copy (e.g. /handoff show)."""
    head: list[Block] = [
        {
            "type": "header",
            "text": plain(f"{handoff.severity.badge} · Handoff {handoff.ref}"),
        },
        context(
            f"*Patient:* {handoff.patient} · *From* <@{handoff.author_id}> *to* "
            f"{handoff.receiver.mention or 'anyone on the team'} · {handoff.template.label}"
        ),
    ]
    tail = _status(handoff, zone, buttons)
    items = _items(handoff, zone, buttons) if handoff.template is Template.IPASS else []
    room = MAX_BLOCKS - len(head) - len(tail) - len(items)
    text = _sections(handoff, room)
    # I-PASS reads in its order: the Action list comes after the Patient summary.
    first = handoff.template.sections[0].key
    cut = sum(1 for key, _ in text if key == first)
    blocks = head + [b for _, b in text[:cut]] + items + [b for _, b in text[cut:]] + tail
    return Reply(text=_fallback(handoff), blocks=blocks, public=True)


def _fallback(handoff: Handoff) -> str:
    """The notification line: no clinical text, just what and for whom."""
    state = "acknowledged" if handoff.acknowledged_at else "waiting for acknowledgement"
    return (
        f"Handoff {handoff.ref} ({handoff.severity.badge}) for {handoff.patient} "
        f"from <@{handoff.author_id}>: {state}"
    )


def _sections(handoff: Handoff, room: int) -> list[tuple[str, Block]]:
    """Each section's text as blocks of at most SECTION_CHARS, tagged with its section key."""
    blocks: list[tuple[str, Block]] = []
    for part in handoff.template.sections:
        text = handoff.sections.get(part.key)
        if not text:
            continue
        pieces = split_text(escape(text), SECTION_CHARS)
        for i, piece in enumerate(pieces):
            last_room = len(blocks) == room - 1
            if last_room and (i < len(pieces) - 1 or _later_text(handoff, part.key)):
                note = f"\n_… trimmed here: see all of it with_ `/handoff show {handoff.ref}`"
                trimmed = truncate(piece, SECTION_CHARS - len(note)) + note
                blocks.append((part.key, section(trimmed)))
                return blocks
            title = f"*{part.title}*\n" if i == 0 else ""
            blocks.append((part.key, section(title + piece)))
    return blocks


def _later_text(handoff: Handoff, after: str) -> bool:
    keys = [s.key for s in handoff.template.sections]
    return any(handoff.sections.get(k) for k in keys[keys.index(after) + 1 :])


def _items(handoff: Handoff, zone: ZoneInfo, buttons: bool) -> list[Block]:
    if not handoff.items:
        return []
    blocks: list[Block] = [section("*Action list*")]
    for item in handoff.items:
        block = section(truncate(item_line(item, zone), _ITEM_CHARS))
        if buttons and item.done_at is None:
            block["accessory"] = {
                "type": "button",
                "action_id": DONE_ACTION,
                "text": plain("Done"),
                "value": item_value(handoff.ref, item.position),
            }
        blocks.append(block)
    return blocks


def item_value(ref: str, position: int) -> str:
    return json.dumps({"h": ref, "i": position}, separators=(",", ":"))


def item_line(item: Item, zone: ZoneInfo) -> str:
    """ "☐ Call family — <@U1> · by Tue 5:00 PM", or struck through with who did it."""
    who = f" — <@{item.owner}>" if item.owner else ""
    due = f" · by {date_token(item.due, format_when(item.due, zone))}" if item.due else ""
    if item.done_at is not None:
        when = date_token(item.done_at, format_when(item.done_at, zone))
        return f"✅ ~{escape(item.text)}~{who} · done by <@{item.done_by}> {when}"
    return f"☐ {escape(item.text)}{who}{due}"


def _status(handoff: Handoff, zone: ZoneInfo, buttons: bool) -> list[Block]:
    if handoff.acknowledged_at is not None:
        when = date_token(handoff.acknowledged_at, format_when(handoff.acknowledged_at, zone))
        quoted = "\n".join(f">{line}" for line in escape(handoff.synthesis or "").splitlines())
        return [
            section(
                truncate(
                    f"✅ *Acknowledged* by <@{handoff.acknowledged_by}> {when}\n"
                    f"*Read-back:*\n{quoted}",
                    SECTION_CHARS,
                )
            )
        ]
    who = handoff.receiver.mention or "anyone on the team"
    blocks: list[Block] = [context(f"⏳ Waiting for {who} to acknowledge with a read-back.")]
    if buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "handoff_buttons",
                "elements": [
                    button("Acknowledge", ACK_ACTION, handoff.ref, style="primary"),
                    button("Edit", EDIT_ACTION, handoff.ref),
                ],
            }
        )
    return blocks


def list_reply(
    waiting: tuple[Handoff, ...],
    sent: tuple[Handoff, ...],
    items: tuple[tuple[Handoff, Item], ...],
    zone: ZoneInfo,
) -> Reply:
    """/handoff list: waiting for me, sent by me and not yet acknowledged, my open items."""
    if not (waiting or sent or items):
        return Reply(
            text="Nothing waiting: no handoffs for you to acknowledge, none of yours "
            "unacknowledged, and no open action items."
        )
    blocks: list[Block] = []
    for title, found in (
        ("Waiting for your acknowledgement", waiting),
        ("Sent by you, not yet acknowledged", sent),
    ):
        if found:
            lines = [_list_line(h, zone) for h in found]
            blocks.append(section(f"*{title}*\n" + "\n".join(lines)))
    if items:
        lines = [
            f"{item_line(item, zone)}  ({h.ref}, {h.patient}, <#{h.channel_id}>)"
            for h, item in items
        ]
        blocks.append(section("*Your open action items*\n" + "\n".join(lines)))
    text = "\n\n".join(b["text"]["text"] for b in blocks)
    # Slack refused to post these: the list is where their author finds them again.
    unposted = [h for h in sent if h.posted_at is None][:5]
    # One block per button: Slack refuses a block where two elements share an action_id.
    retry = [
        {
            "type": "actions",
            "elements": [button(f"Post {h.ref} again", REPOST_ACTION, f"{h.ref}:list")],
        }
        for h in unposted
    ]
    return Reply(
        text=truncate(text, 3_000),
        blocks=[section(truncate(b["text"]["text"], 3_000)) for b in blocks] + retry,
    )


def _list_line(handoff: Handoff, zone: ZoneInfo) -> str:
    posted = handoff.posted_at
    when = date_token(posted, format_when(posted, zone)) if posted else "not posted"
    return (
        f"• *{handoff.ref}* {handoff.severity.badge} · {handoff.patient} · "
        f"<#{handoff.channel_id}> · from <@{handoff.author_id}> to "
        f"{handoff.receiver.mention or 'anyone'} · {when}"
    )


def refresh_card(reader: HandoffReader, client: WebClient, handoff: Handoff) -> None:
    """Redraw the channel card from the handoff as stored now; a card that is gone is fine.

    A Done and an Acknowledge at the same moment may each render before the other's write
    and reach Slack in either order; reading again after each update, and redrawing while
    that shows something new, leaves the card on the latest state.
    """
    if not handoff.message_ts:
        return
    drawn: list[Block] | None = None
    for _ in range(3):
        current = reader.get(handoff.team_id, handoff.ref, as_posted=True)
        shown = card(current, reader.card_zone(current))
        if shown.blocks == drawn:
            return
        try:
            client.chat_update(
                channel=handoff.channel_id,
                ts=handoff.message_ts,
                text=shown.text,
                blocks=shown.blocks,
            )
        except SlackApiError as error:
            log.warning(
                "could not update the card of %s: %s", handoff.ref, error.response.get("error")
            )
            return
        drawn = shown.blocks
