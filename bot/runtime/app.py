"""The app factory: settings, database, clock and Slack client in; a wired Bolt app out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime.config import Settings
from bot.runtime.executor import TrackingExecutor
from bot.runtime.services import Care
from bot.runtime.slack import make_client
from bot.shared.rules.clock import Clock, SystemClock
from bot.shared.rules.reminders import SweepReport
from bot.shared.rules.timeparse import TimeParser
from bot.shared.sweeper import Sweeper
from handlers import register_all
from storage import Database

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """A running carebot: its collaborators, its Bolt app and the pool its listeners run in."""

    care: Care
    app: App
    executor: TrackingExecutor

    @property
    def db(self) -> Database:
        return self.care.db

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """One reminder pass as of `at` (default now): the scheduler's tick, `carebot sweep`."""
        return Sweeper(
            self.care.db, self.care.reminder_kinds, self.care.clock, self.care.wall
        ).sweep(at)

    def startup_problem(self) -> str | None:
        """What is wrong with the admin setup, logged at start; admin commands refuse till fixed."""
        return self.care.roles.startup_problem()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every listener started so far has finished (used by the sandbox and tests)."""
        return self.executor.wait_idle(timeout)


class _SkipTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(care: Care, executor: TrackingExecutor) -> App:
    """A Bolt app with every feature registered; it checks signatures (never turn that off)."""
    bolt_log = logging.getLogger("slack_bolt.carebot")
    if not any(isinstance(f, _SkipTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_SkipTokenNotice())
    app = App(
        name="carebot",
        signing_secret=care.settings.signing_secret or "",
        client=care.slack,
        listener_executor=executor,
        logger=bolt_log,
    )

    @app.middleware
    def hand_in_care(context: Any, next: Callable[[], None]) -> None:
        context["care"] = care
        next()

    care.home.run_in(executor)  # Home tabs are redrawn after a change, off its request
    register_all(app, care)
    return app


def build(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    client: WebClient | None = None,
    times: TimeParser | None = None,
) -> Runtime:
    """Assemble carebot from settings; tests and the sandbox hand in their own parts."""
    times = times or TimeParser()
    times.warm()  # the first parse costs ~0.2 s: pay it now, not on a coordinator's command
    care = Care(
        settings=settings,
        db=db or Database(settings.database_url),
        clock=clock or SystemClock(),
        times=times,
        slack=client or make_client(settings),
    )
    executor = TrackingExecutor()
    return Runtime(care=care, app=create_app(care, executor), executor=executor)
