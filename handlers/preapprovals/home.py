"""My day's pre-approvals: the viewer's open requests, most urgent first, with their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.shared.access import Actor
from bot.shared.home import HomeSection, HomeTab, Page, Viewer
from handlers.preapprovals import views

if TYPE_CHECKING:
    from bot.preapprovals.lists import Lists


def register(home: HomeTab, lists: Lists) -> None:
    def load(viewer: Viewer, offset: int, limit: int) -> Page:
        # The viewer's own list, checked like any other: the Home tab is one more way in.
        mine = lists.list_items(Actor(viewer.team_id, viewer.user_id), "mine").items
        rows = tuple(views.item_blocks(i, viewer.zone) for i in mine[offset : offset + limit])
        return Page(rows, len(mine))

    home.add_section(
        HomeSection("preauth", "Your pending pre-approvals", load, "No pending pre-approvals.")
    )
