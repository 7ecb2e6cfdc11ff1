"""My day's pre-approvals: the viewer's open requests, most urgent first, with their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.preapprovals import lists
from bot.shared.home import HomeSection, Page, Viewer
from handlers.preapprovals import views

if TYPE_CHECKING:
    from bot.runtime.services import Care


def register(care: Care) -> None:
    care.home.add_section(
        HomeSection(
            "preauth",
            "Your pending pre-approvals",
            lambda viewer, offset, limit: load(care, viewer, offset, limit),
            "No pending pre-approvals.",
        )
    )


def load(care: Care, viewer: Viewer, offset: int, limit: int) -> Page:
    mine = lists.list_items(care, viewer.team_id, viewer.user_id, "mine").items
    rows = tuple(views.item_blocks(item, viewer.zone) for item in mine[offset : offset + limit])
    return Page(rows, len(mine))
