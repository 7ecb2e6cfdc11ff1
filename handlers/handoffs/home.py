"""My day's handoffs: those waiting for my read-back, and my open action items."""

from __future__ import annotations

from bot.handoffs.lists import Handoff, HandoffReader, Item
from bot.shared.access import Actor
from bot.shared.home import HomeSection, Page, Row, Viewer
from bot.shared.rules.mrkdwn import date_token, truncate
from bot.shared.rules.timeparse import format_when
from handlers.handoffs import cards
from handlers.kit.blocks import button, section

# Read at most this many of each list; past it, the page says so rather than reading more.
MOST = 100


def sections(reader: HandoffReader) -> tuple[HomeSection, HomeSection]:
    """Handoffs waiting for the viewer's read-back, and the viewer's open action items."""

    def load_waiting(viewer: Viewer, offset: int, limit: int) -> Page:
        found = reader.waiting(Actor(viewer.team_id, viewer.user_id), MOST)
        rows = tuple(waiting_row(h, viewer) for h in found[offset : offset + limit])
        return Page(rows, len(found))

    def load_items(viewer: Viewer, offset: int, limit: int) -> Page:
        found = reader.open_items(Actor(viewer.team_id, viewer.user_id), MOST)
        rows = tuple(item_row(h, i, viewer) for h, i in found[offset : offset + limit])
        return Page(rows, len(found))

    waiting = HomeSection(
        "handoffs",
        "Handoffs waiting for your acknowledgement",
        load_waiting,
        empty="No handoffs waiting for you.",
    )
    items = HomeSection(
        "actions", "Your open action items", load_items, empty="No open action items."
    )
    return waiting, items


def waiting_row(handoff: Handoff, viewer: Viewer) -> Row:
    posted = handoff.posted_at
    when = date_token(posted, format_when(posted, viewer.zone)) if posted else "not posted"
    text = (
        f"*{handoff.ref}* {handoff.severity.badge} · {handoff.patient} · "
        f"<#{handoff.channel_id}> · from <@{handoff.author_id}> · {when}"
    )
    block = section(truncate(text, 3000))
    block["accessory"] = button("Acknowledge", cards.ACK_ACTION, handoff.ref, "primary")
    return [block]


def item_row(handoff: Handoff, item: Item, viewer: Viewer) -> Row:
    where = f"({handoff.ref}, {handoff.patient}, <#{handoff.channel_id}>)"
    block = section(truncate(f"{cards.item_line(item, viewer.zone)}  {where}", 3000))
    block["accessory"] = button(
        "Done", cards.DONE_ACTION, cards.item_value(handoff.ref, item.position)
    )
    return [block]
