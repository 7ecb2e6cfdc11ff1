"""My day's handoffs: those waiting for my read-back, and my open action items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handoffs import lists as handoffs
from bot.handoffs.lists import Handoff, Item
from bot.shared.home import HomeSection, Page, Row, Viewer
from bot.shared.rules.mrkdwn import date_token, truncate
from bot.shared.rules.timeparse import format_when
from handlers.handoffs import cards
from handlers.kit.blocks import button, section

if TYPE_CHECKING:
    from bot.runtime.services import Care

# Read at most this many of each list; past it, the page says so rather than reading more.
MOST = 100


def load_waiting(care: Care, viewer: Viewer, offset: int, limit: int) -> Page:
    found = handoffs.waiting(care, viewer.team_id, viewer.user_id, MOST)
    return Page(tuple(waiting_row(h, viewer) for h in found[offset : offset + limit]), len(found))


def load_items(care: Care, viewer: Viewer, offset: int, limit: int) -> Page:
    found = handoffs.open_items(care, viewer.team_id, viewer.user_id, MOST)
    rows = tuple(item_row(h, i, viewer) for h, i in found[offset : offset + limit])
    return Page(rows, len(found))


def sections(care: Care) -> tuple[HomeSection, HomeSection]:
    """Handoffs waiting for the viewer's read-back, and the viewer's open action items."""
    waiting = HomeSection(
        "handoffs",
        "Handoffs waiting for your acknowledgement",
        lambda viewer, offset, limit: load_waiting(care, viewer, offset, limit),
        empty="No handoffs waiting for you.",
    )
    items = HomeSection(
        "actions",
        "Your open action items",
        lambda viewer, offset, limit: load_items(care, viewer, offset, limit),
        empty="No open action items.",
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
