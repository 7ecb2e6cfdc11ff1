"""/preauth in Slack: the command, forms, buttons, round DMs, risk posts, My day."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.preapprovals import links
from bot.preapprovals.expiry import ApprovalExpiry
from bot.preapprovals.handed import TellNewOwner
from bot.preapprovals.reminders import OwnerRound, Renderers
from bot.preapprovals.risk import RiskCheck
from handlers.preapprovals import home, views
from handlers.preapprovals.buttons import Buttons
from handlers.preapprovals.cards import Cards
from handlers.preapprovals.commands import PreapprovalCommand
from handlers.preapprovals.decision import DecisionForm
from handlers.preapprovals.form import NewForm
from handlers.preapprovals.handed import handed_dm
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.preapprovals.services import PreapprovalServices
    from bot.runtime.shared import Shared


def register(app: App, shared: Shared, services: PreapprovalServices) -> None:
    """Hand the feature's services (built by the composition root) to its listeners."""
    lists, changes, opening = services.lists, services.changes, services.opening
    cards = Cards(lists=lists)
    command = PreapprovalCommand(
        slack=shared.slack,
        people=shared.people,
        opening=opening,
        changes=changes,
        lists=lists,
        cards=cards,
        outbox=shared.outbox,
    )
    shared.commands.add(command.command())
    notice = home_screen(shared).notice
    Buttons(
        changes=changes, cards=cards, people=shared.people, notice=notice, outbox=shared.outbox
    ).register(app)
    NewForm(
        opening=opening,
        people=shared.people,
        outbox=shared.outbox,
        first_time=shared.dedup.first_time,
    ).register(app)
    DecisionForm(
        changes=changes, cards=cards, people=shared.people, first_time=shared.dedup.first_time
    ).register(app)
    home.register(shared.home, lists)
    renderers = Renderers(round=views.round_dm, risk=views.risk_post)
    shared.reminder_kinds.add(
        OwnerRound(
            shared.records,
            slack=shared.slack,
            once=shared.once,
            home=shared.home,
            render=renderers,
        )
    )
    shared.reminder_kinds.add(TellNewOwner(shared.records, once=shared.once, render=handed_dm))
    shared.reminder_kinds.add(RiskCheck(shared.records, once=shared.once, render=renderers))
    shared.reminder_kinds.add(
        ApprovalExpiry(
            shared.records, home=shared.home, changed=partial(cards.refresh, shared.slack)
        )
    )
    links.subscribe(shared.hooks, shared.in_force)
