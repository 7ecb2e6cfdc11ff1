"""/preauth in Slack: the command, forms, buttons, round DMs, risk posts, My day."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.digest import schedule as digest_schedule
from bot.preapprovals import links
from bot.preapprovals.changes import Changes
from bot.preapprovals.expiry import ApprovalExpiry
from bot.preapprovals.lists import Lists
from bot.preapprovals.opening import Opening
from bot.preapprovals.reminders import OwnerRound, Renderers
from bot.preapprovals.risk import RiskCheck
from handlers.preapprovals import home, views
from handlers.preapprovals.buttons import Buttons
from handlers.preapprovals.cards import Cards
from handlers.preapprovals.commands import PreauthCommand
from handlers.preapprovals.decision import DecisionForm
from handlers.preapprovals.form import NewForm
from handlers.shared import home as home_tab

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import App
    from sqlalchemy.orm import Session

    from bot.runtime.config import Settings
    from bot.runtime.services import Care


def register(app: App, care: Care) -> None:
    """Build pre-approvals' services from the runtime's collaborators and wire them in."""
    lists = Lists(
        db=care.db, clock=care.clock, people=care.people, access=care.access, in_force=care.in_force
    )
    changes = Changes(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
        home=care.home,
    )
    opening = Opening(
        db=care.db,
        clock=care.clock,
        times=care.times,
        people=care.people,
        access=care.access,
        in_force=care.in_force,
        home=care.home,
        join_digest=partial(_join_digest, care.settings),
    )
    cards = Cards(lists=lists)
    command = PreauthCommand(
        slack=care.slack,
        people=care.people,
        opening=opening,
        changes=changes,
        lists=lists,
        cards=cards,
    )
    care.commands.add(command.command())
    notice = partial(home_tab.notice, care)
    Buttons(changes=changes, cards=cards, people=care.people, notice=notice).register(app)
    NewForm(opening=opening, people=care.people, first_time=care.first_time).register(app)
    DecisionForm(
        changes=changes, cards=cards, people=care.people, first_time=care.first_time
    ).register(app)
    home.register(care.home, lists)
    renderers = Renderers(round=views.round_dm, risk=views.risk_post)
    care.add_reminder_kind(
        OwnerRound(
            db=care.db,
            slack=care.slack,
            people=care.people,
            in_force=care.in_force,
            home=care.home,
            render=renderers,
        )
    )
    care.add_reminder_kind(
        RiskCheck(db=care.db, slack=care.slack, in_force=care.in_force, render=renderers)
    )
    care.add_reminder_kind(
        ApprovalExpiry(
            db=care.db,
            in_force=care.in_force,
            home=care.home,
            changed=partial(cards.refresh, care.slack),
        )
    )
    links.subscribe(care.hooks, care.in_force)


def _join_digest(
    settings: Settings, session: Session, team: str, channel: str | None, now: datetime
) -> None:
    """A care-team channel where a request is opened gets its daily digest."""
    digest_schedule.plan(session, settings, team, channel, now)
