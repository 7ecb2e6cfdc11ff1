"""/preauth in Slack: the command, forms, buttons, round DMs, risk posts, My day."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

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
from handlers.preapprovals.commands import PreapprovalCommand
from handlers.preapprovals.decision import DecisionForm
from handlers.preapprovals.form import NewForm
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.shared import Shared


def register(app: App, shared: Shared) -> None:
    """Build pre-approvals' services from the runtime's collaborators and wire them in."""
    lists = Lists(shared.records)
    changes = Changes(shared.records, home=shared.home)
    opening = Opening(shared.records, home=shared.home, join_digest=shared.hooks.in_channel())
    cards = Cards(lists=lists)
    command = PreapprovalCommand(
        slack=shared.slack,
        people=shared.people,
        opening=opening,
        changes=changes,
        lists=lists,
        cards=cards,
    )
    shared.commands.add(command.command())
    notice = home_screen(shared).notice
    Buttons(changes=changes, cards=cards, people=shared.people, notice=notice).register(app)
    NewForm(opening=opening, people=shared.people, first_time=shared.dedup.first_time).register(app)
    DecisionForm(
        changes=changes, cards=cards, people=shared.people, first_time=shared.dedup.first_time
    ).register(app)
    home.register(shared.home, lists)
    renderers = Renderers(round=views.round_dm, risk=views.risk_post)
    shared.reminder_kinds.add(
        OwnerRound(shared.records, slack=shared.slack, home=shared.home, render=renderers)
    )
    shared.reminder_kinds.add(RiskCheck(shared.records, slack=shared.slack, render=renderers))
    shared.reminder_kinds.add(
        ApprovalExpiry(
            shared.records, home=shared.home, changed=partial(cards.refresh, shared.slack)
        )
    )
    links.subscribe(shared.hooks, shared.in_force)
