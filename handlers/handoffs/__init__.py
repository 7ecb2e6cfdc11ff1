"""/handoff in Slack: the command, the form and its posting, cards, read-backs, escalations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from bot.handoffs.access import HandoffAccess
from bot.handoffs.changes import HandoffChanges
from bot.handoffs.escalation import ActionDue, Escalation
from bot.handoffs.lists import HandoffReader
from handlers.handoffs import escalation, home
from handlers.handoffs.ack import ReadBacks
from handlers.handoffs.commands import HandoffCommand
from handlers.handoffs.posting import Posting
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared


@dataclass(frozen=True)
class HandoffServices:
    """The handoff use cases, built once from the runtime's collaborators."""

    who: HandoffAccess
    reader: HandoffReader
    changes: HandoffChanges


def services(shared: Shared) -> HandoffServices:
    who = HandoffAccess(
        slack=shared.slack,
        people=shared.people,
        access=shared.access,
        care_teams=shared.roles.care_teams,
    )
    reader = HandoffReader(shared.records, who=who)

    changes = HandoffChanges(
        shared.records,
        who=who,
        reader=reader,
        home=shared.home,
        plan_digest=shared.hooks.in_channel(),
    )
    return HandoffServices(who, reader, changes)


def register(app: App, shared: Shared) -> None:
    built = services(shared)
    notice = home_screen(shared).notice
    posting = Posting(
        slack=shared.slack,
        reader=built.reader,
        changes=built.changes,
        people=shared.people,
        first_time=shared.dedup.first_time,
    )
    posting.register(app)
    HandoffCommand(
        reader=built.reader,
        changes=built.changes,
        people=shared.people,
        posting=posting,
        notice=notice,
    ).register(app, shared.commands)
    ReadBacks(reader=built.reader, changes=built.changes, notice=notice).register(app)
    shared.reminder_kinds.add(
        Escalation(
            slack=shared.slack,
            reader=built.reader,
            changes=built.changes,
            who=built.who,
            in_force=shared.in_force,
            render=escalation.nudge,
        )
    )
    shared.reminder_kinds.add(
        ActionDue(
            slack=shared.slack,
            reader=built.reader,
            render=partial(escalation.item_due, shared.people),
        )
    )
    for section in home.sections(built.reader):
        shared.home.add_section(section)
