"""/handoff in Slack: the command, the form and its posting, cards, read-backs, escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.digest import schedule as digest_schedule
from bot.handoffs.access import HandoffAccess
from bot.handoffs.changes import HandoffChanges
from bot.handoffs.escalation import ActionDue, Escalation
from bot.handoffs.lists import HandoffReader
from handlers.handoffs import escalation, home
from handlers.handoffs.ack import ReadBacks
from handlers.handoffs.commands import HandoffCommand
from handlers.handoffs.posting import Posting
from handlers.shared import home as home_tab

if TYPE_CHECKING:
    from slack_bolt import App
    from sqlalchemy.orm import Session

    from bot.runtime.services import Care


@dataclass(frozen=True)
class HandoffServices:
    """The handoff use cases, built once from the runtime's collaborators."""

    who: HandoffAccess
    reader: HandoffReader
    changes: HandoffChanges


def services(care: Care) -> HandoffServices:
    who = HandoffAccess(
        slack=care.slack, people=care.people, access=care.access, care_teams=care.roles.care_teams
    )
    reader = HandoffReader(db=care.db, in_force=care.in_force, people=care.people, who=who)

    def plan_digest(session: Session, team_id: str, channel_id: str, now: datetime) -> None:
        digest_schedule.plan(session, care.settings, team_id, channel_id, now)

    changes = HandoffChanges(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        in_force=care.in_force,
        who=who,
        reader=reader,
        home=care.home,
        plan_digest=plan_digest,
    )
    return HandoffServices(who, reader, changes)


def register(app: App, care: Care) -> None:
    built = services(care)
    notice = partial(home_tab.notice, care)
    posting = Posting(
        slack=care.slack,
        reader=built.reader,
        changes=built.changes,
        people=care.people,
        first_time=care.first_time,
    )
    posting.register(app)
    HandoffCommand(
        reader=built.reader,
        changes=built.changes,
        people=care.people,
        posting=posting,
        notice=notice,
    ).register(app, care.commands)
    ReadBacks(reader=built.reader, changes=built.changes, notice=notice).register(app)
    care.add_reminder_kind(
        Escalation(
            slack=care.slack,
            reader=built.reader,
            changes=built.changes,
            who=built.who,
            in_force=care.in_force,
            render=escalation.nudge,
        )
    )
    care.add_reminder_kind(
        ActionDue(
            slack=care.slack, reader=built.reader, render=partial(escalation.item_due, care.people)
        )
    )
    for section in home.sections(built.reader):
        care.home.add_section(section)
