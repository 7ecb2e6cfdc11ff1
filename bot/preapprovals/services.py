"""/preauth's use cases, built together by the composition root (bot.runtime.app.build)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.preapprovals.changes import Changes
from bot.preapprovals.lists import Lists
from bot.preapprovals.opening import Opening

if TYPE_CHECKING:
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from bot.shared.records import Records


@dataclass(frozen=True)
class PreapprovalServices:
    lists: Lists
    changes: Changes
    opening: Opening


def build(records: Records, *, hooks: Hooks, home: HomeTab) -> PreapprovalServices:
    return PreapprovalServices(
        lists=Lists(records),
        changes=Changes(records, home=home),
        opening=Opening(records, home=home, join_digest=hooks.in_channel()),
    )
