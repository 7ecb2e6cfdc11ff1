"""The app factory: settings, database, clock and Slack client in; a wired Bolt app out."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_bolt import App
from slack_bolt.oauth import OAuthFlow
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.appointments import services as appointment_services
from bot.appointments.rules.recurrence import SeriesLimit
from bot.handoffs import services as handoff_services
from bot.preapprovals import services as preapproval_services
from bot.runtime import manifest
from bot.runtime.config import Settings
from bot.runtime.executor import TrackingExecutor
from bot.runtime.installations import InstallationStore, StateStore
from bot.runtime.installs import Installs
from bot.runtime.metrics import Metrics
from bot.runtime.oauth import build_flow
from bot.runtime.observed import ObservedApp
from bot.runtime.responses import ResponsePool, pooled_respond
from bot.runtime.shared import Services, Shared
from bot.runtime.slack import CallCounter, make_client
from bot.runtime.turns import Turns, taking_turns
from bot.runtime.workspaces import Tokens, WorkspaceAuthorize, bind_request, bound
from bot.shared.access import Access, Roles
from bot.shared.audit_trail import AuditTrail
from bot.shared.care_teams import CareTeams
from bot.shared.channel_settings import SettingsResolver
from bot.shared.channel_setup import ChannelSetup
from bot.shared.commands import CommandRegistry
from bot.shared.directory import Directory
from bot.shared.home import HomeTab
from bot.shared.hooks import Hooks
from bot.shared.messages import OnceSender
from bot.shared.records import Records
from bot.shared.rules.clock import Clock, SystemClock
from bot.shared.rules.failures import describe
from bot.shared.rules.reminders import SweepReport
from bot.shared.rules.timeparse import TimeParser
from bot.shared.sweeper import Dedup, Outbox, ReminderKinds, Sweeper
from handlers import register_all
from handlers.shared import installs
from storage import Database
from storage.warm import compile_hot_reads, rehearse_hot_writes

log = logging.getLogger(__name__)

WARM_UP_S = 5.0
PRESTARTED = 4  # listener threads started before the first request


@dataclass
class Runtime:
    """A running carebot: its collaborators, its Bolt app and the pool its listeners run in."""

    shared: Shared
    services: Services
    app: App
    executor: TrackingExecutor
    sweeper: Sweeper
    many: ManyWorkspaces | None = None  # OAuth installs; None: the one of SLACK_BOT_TOKEN
    warming: list[threading.Thread] = field(default_factory=list)  # warm-ups under way

    @property
    def db(self) -> Database:
        return self.shared.db

    @property
    def metrics(self) -> Metrics:
        return self.shared.metrics

    def sweep(self, at: datetime | None = None) -> SweepReport:
        """One reminder pass as of `at` (default now): the scheduler's tick, `carebot sweep`."""
        report = self.sweeper.sweep(at)
        if self.many is not None:
            self.many.states.purge_expired()
        return report

    def startup_problem(self) -> str | None:
        """What is wrong with the admin setup, logged at start; admin commands refuse till fixed."""
        return self.shared.roles.startup_problem()

    def warm_up(self, timeout: float = WARM_UP_S) -> None:
        """Warm up in threads and wait for them (`carebot run`, before it takes requests),
        at most `timeout` in all: compile what commands read and write with, let dateparser
        load, start listener threads and read a sample booking's text. A command that came
        first would wait for them. A failure only logs; the first command then pays, as it
        would have."""
        deadline = time.monotonic() + timeout
        for target, name in ((self._compile_statements, "warm-sql"), (self._warm_rest, "warm")):
            warming = threading.Thread(target=target, name=name, daemon=True)
            warming.start()
            self.warming.append(warming)
        for warming in self.warming:
            warming.join(max(0.0, deadline - time.monotonic()))
        if any(warming.is_alive() for warming in self.warming):
            log.warning("the warm-up took more than %.0f s; carebot starts anyway", timeout)

    def _warm_rest(self) -> None:
        try:
            self.executor.prestart(PRESTARTED)
            self.services.appointments.booking.warm()
        except Exception as error:  # a warm-up must never stop a start
            log.warning("could not warm up the listeners at start: %s", describe(error))

    def _compile_statements(self) -> None:
        try:
            with self.db.session(read_only=True) as session:
                compile_hot_reads(session)
            with suppress(_Rehearsed), self.db.session() as session:
                rehearse_hot_writes(session)
                raise _Rehearsed  # rolled back: nothing is kept
        except Exception as error:  # a warm-up must never stop a start
            log.warning("could not compile the database statements at start: %s", describe(error))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every listener started so far has finished (used by the sandbox and tests)."""
        return self.executor.wait_idle(timeout)


class _Rehearsed(Exception):
    """Ends the warm-up's unit of work that writes: it is rolled back."""


class _SkipTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


# What a person in a workspace carebot is not (or no longer) installed in is told.
NOT_INSTALLED = (
    "carebot is not installed in this workspace (or was removed from it), so nothing was done "
    "or saved. Ask a Slack admin to install it again."
)


@dataclass(frozen=True)
class ManyWorkspaces:
    """What serving many workspaces adds: installs kept encrypted, OAuth, per-workspace tokens."""

    store: InstallationStore
    states: StateStore
    tokens: Tokens
    installs: Installs
    flow: OAuthFlow
    # Bolt's own would refresh tokens at slack.com whatever SLACK_API_URL says, apart from
    # the sweep's refreshes, and ask auth.test on every request.
    authorize: WorkspaceAuthorize


def many_workspaces(
    settings: Settings, db: Database, wall: Clock, count_calls: CallCounter
) -> ManyWorkspaces | None:
    """The installation and state stores, the token source and the OAuth flow, when
    SLACK_CLIENT_ID is set."""
    config = settings.oauth
    if config is None:
        return None
    store = InstallationStore(config.client_id, db.engine, config.cipher())
    states = StateStore(db.engine)
    # The install and refresh calls carry the app's credentials, not a workspace's token.
    plain = make_client(settings, count_calls=count_calls)
    rotator = TokenRotator(
        client_id=config.client_id, client_secret=config.client_secret, client=plain
    )
    tokens = Tokens(db, store, rotator)
    authorize = WorkspaceAuthorize(tokens, plain)
    installs = Installs(db, store, wall, check=plain, forget=authorize.forget)
    flow = build_flow(
        config,
        slack_api_url=settings.slack_api_url,
        scopes=manifest.bot_scopes(),
        store=store,
        states=states,
        client=plain,
        installed=installs.installed,
    )
    return ManyWorkspaces(store, states, tokens, installs, flow, authorize)


def create_app(
    shared: Shared,
    services: Services,
    executor: TrackingExecutor,
    many: ManyWorkspaces | None = None,
) -> App:
    """A Bolt app with every feature registered; it checks signatures (never turn that off)."""
    bolt_log = logging.getLogger("slack_bolt.carebot")
    if not any(isinstance(f, _SkipTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_SkipTokenNotice())
    app = ObservedApp(
        metrics=shared.metrics,
        commands=shared.commands,
        name="carebot",
        signing_secret=shared.settings.signing_secret or "",
        client=shared.slack,
        listener_executor=executor,
        logger=bolt_log,
        oauth_flow=many.flow if many else None,
        authorize=many.authorize if many else None,
        user_facing_authorize_error_message=NOT_INSTALLED if many else None,
        bind=bound if many else None,
    )
    shared.home.run_in(executor)  # Home tabs are redrawn after a change, off its request
    if many is not None:
        app.middleware(bind_request)  # the request's binding takes the token authorize found
        installs.register(app, many.installs)  # app_uninstalled, tokens_revoked
    turns = executor.turns
    if turns is not None:
        app.middleware(taking_turns(turns))  # once acked, a listener waits for its turn
    # Answers reuse their connections; a listener's turn is free while it waits on one.
    app.middleware(pooled_respond(ResponsePool(before_wait=turns.give_back if turns else None)))
    register_all(app, shared, services)
    return app


def build(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    client: WebClient | None = None,
    times: TimeParser | None = None,
) -> Runtime:
    """The composition root: every shared collaborator and every feature's use cases built
    here, once, from settings, each handed its collaborators explicitly; tests and the
    sandbox hand in their own database, clock, Slack client or time parser."""
    times = times or TimeParser()
    # The first parse costs ~0.2 s: paid now, beside the rest of the start, not on a
    # coordinator's command (a parse that comes first waits for it, no longer).
    dateparser = threading.Thread(target=times.warm, name="warm-dateparser", daemon=True)
    dateparser.start()
    db = db or Database(settings.database_url)
    clock = clock or SystemClock()
    wall = SystemClock()
    metrics = Metrics()
    db.watch_failures(metrics.database_failed)
    turns = Turns(on_late=metrics.turn_late)
    db.before_work(turns.take)  # a listener's first unit of work waits for its turn
    many = many_workspaces(settings, db, wall, metrics.api_call)
    bind = bound if many is not None else None
    slack = client or make_client(
        settings,
        count_calls=metrics.api_call,
        tokens=many.tokens if many else None,
        on_refused=many.installs.token_refused if many else None,
        turns=turns,
    )
    care_teams = CareTeams(db, slack, wall)
    roles = Roles(
        slack,
        settings.admins,
        settings.admin_group,
        care_teams,
        installers=many.installs.installer if many else None,
    )
    in_force = SettingsResolver(db, settings)
    people = Directory(db, slack, clock, in_force.default_zone())
    access = Access(db, clock, roles)
    kinds = ReminderKinds()
    records = Records(
        db=db, clock=clock, times=times, people=people, access=access, in_force=in_force
    )
    shared = Shared(
        settings=settings,
        db=db,
        clock=clock,
        wall=wall,
        times=times,
        slack=slack,
        people=people,
        roles=roles,
        care_teams=care_teams,
        access=access,
        in_force=in_force,
        records=records,
        dedup=Dedup(db, wall),
        hooks=Hooks(),
        home=HomeTab(),
        commands=CommandRegistry(),
        carebot_commands=CommandRegistry(),
        reminder_kinds=kinds,
        outbox=Outbox(db, kinds, clock, wall, counts=metrics, bind=bind),
        once=OnceSender(slack),
        metrics=metrics,
    )
    services = Services(
        appointments=appointment_services.build(
            records,
            hooks=shared.hooks,
            home=shared.home,
            kinds=settings.appointment_kinds,
            words=settings.appointment_words,
            leads=settings.reminder_leads,
            series_limit=SeriesLimit(
                settings.series_max_visits, timedelta(days=settings.series_max_days)
            ),
        ),
        handoffs=handoff_services.build(
            records,
            slack=slack,
            access=access,
            care_teams=care_teams,
            hooks=shared.hooks,
            home=shared.home,
        ),
        preapprovals=preapproval_services.build(records, hooks=shared.hooks, home=shared.home),
        audit_trail=AuditTrail(db, clock, access),
        channel_setup=ChannelSetup(
            db, clock, access, in_force, shared.hooks, registered=care_teams.channels_changed
        ),
    )
    executor = TrackingExecutor(turns=turns)
    sweeper = Sweeper(db, shared.reminder_kinds, clock, wall, counts=metrics, bind=bind)
    metrics.watch_overdue(sweeper.overdue_seconds)
    app = create_app(shared, services, executor, many)
    return Runtime(
        shared=shared,
        services=services,
        app=app,
        executor=executor,
        sweeper=sweeper,
        many=many,
        warming=[dateparser],
    )
