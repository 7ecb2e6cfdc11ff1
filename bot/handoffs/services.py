"""/handoff's use cases, built together by the composition root (bot.runtime.app.build)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.handoffs.access import HandoffAccess
from bot.handoffs.changes import HandoffChanges
from bot.handoffs.lists import HandoffReader

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.access import Access
    from bot.shared.care_teams import CareTeams
    from bot.shared.home import HomeTab
    from bot.shared.hooks import Hooks
    from bot.shared.records import Records


@dataclass(frozen=True)
class HandoffServices:
    who: HandoffAccess
    reader: HandoffReader
    changes: HandoffChanges


def build(
    records: Records,
    *,
    slack: WebClient,
    access: Access,
    care_teams: CareTeams | None,
    hooks: Hooks,
    home: HomeTab,
) -> HandoffServices:
    who = HandoffAccess(slack=slack, people=records.people, access=access, care_teams=care_teams)
    reader = HandoffReader(records, who=who)
    changes = HandoffChanges(
        records, who=who, reader=reader, home=home, plan_digest=hooks.in_channel()
    )
    return HandoffServices(who, reader, changes)
