"""/handoff in Slack: the command, the form and its posting, cards, read-backs, escalations."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bot.handoffs.acknowledged import Acknowledged
from bot.handoffs.delivery import Delivery
from bot.handoffs.escalation import ActionDue, Escalation
from handlers.handoffs import delivery, escalation, home
from handlers.handoffs.ack import ReadBacks
from handlers.handoffs.commands import HandoffCommand
from handlers.handoffs.posting import Posting
from handlers.shared import home_screen

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.handoffs.services import HandoffServices
    from bot.runtime.shared import Shared


def register(app: App, shared: Shared, built: HandoffServices) -> None:
    """Hand the feature's services (built by the composition root) to its listeners."""
    notice = home_screen(shared).notice
    posting = Posting(
        slack=shared.slack,
        reader=built.reader,
        changes=built.changes,
        people=shared.people,
        outbox=shared.outbox,
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
    ReadBacks(
        reader=built.reader, changes=built.changes, notice=notice, outbox=shared.outbox
    ).register(app)
    shared.reminder_kinds.add(
        Delivery(
            once=shared.once,
            reader=built.reader,
            changes=built.changes,
            who=built.who,
            notes=delivery.notes(built.reader),
        )
    )
    shared.reminder_kinds.add(
        Escalation(
            once=shared.once,
            reader=built.reader,
            changes=built.changes,
            who=built.who,
            in_force=shared.in_force,
            render=escalation.nudge,
            departures=shared.people.departures,
        )
    )
    shared.reminder_kinds.add(
        ActionDue(
            once=shared.once,
            reader=built.reader,
            render=partial(escalation.item_due, shared.people),
            departures=shared.people.departures,
        )
    )
    shared.reminder_kinds.add(
        Acknowledged(
            slack=shared.slack,
            once=shared.once,
            reader=built.reader,
            asks=built.reader.asks,
            departures=shared.people.departures,
            answered=escalation.answered,
            read_back=escalation.read_back,
        )
    )
    for section in home.sections(built.reader):
        shared.home.add_section(section)
