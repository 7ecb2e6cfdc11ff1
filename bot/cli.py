"""The carebot command: run, sweep, db upgrade, sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, configure_logging, load_settings
from storage import Database
from storage.errors import DatabaseConfigError, DatabaseUnavailable

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger("carebot")


class Refused(Exception):
    """Something outside carebot is not as it should be; the message is one line for the admin."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except (ConfigError, DatabaseConfigError, DatabaseUnavailable, Refused) as problem:
        print(f"carebot: {problem}", file=sys.stderr)
        return 2 if isinstance(problem, ConfigError | DatabaseConfigError) else 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebot", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", metavar="{run,sweep,db,sandbox}")

    run = verbs.add_parser(
        "run", help="serve Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP"
    )
    run.add_argument(
        "--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set"
    )
    run.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=None, help="port (default $PORT or 3000)")
    run.add_argument(
        "--no-scheduler", action="store_true", help="do not run the reminder sweep here"
    )
    run.set_defaults(handler=_run)

    sweep = verbs.add_parser("sweep", help="send the reminders that are due, once, and exit")
    sweep.add_argument(
        "--at", help="as of this instant (ISO-8601; local to CAREBOT_TIMEZONE if no offset)"
    )
    sweep.set_defaults(handler=_sweep)

    db = verbs.add_parser("db", help="database tasks")
    db_verbs = db.add_subparsers(dest="db_verb", required=True, metavar="{upgrade,current}")
    db_verbs.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
    db_verbs.add_parser("current", help="show the schema revision").set_defaults(
        handler=_db_current
    )

    sandbox = verbs.add_parser(
        "sandbox", help="talk to carebot in a local Slack stand-in; no Slack needed"
    )
    sandbox.add_argument("--db", help="keep the sandbox's SQLite database in this file")
    sandbox.set_defaults(handler=_sandbox)
    return parser


def _settings() -> Settings:
    settings = load_settings(os.environ)
    configure_logging(settings.log_level)
    return settings


def open_database(settings: Settings) -> Database:
    """Connect and check the schema: SQLite upgrades itself, others must be migrated first."""
    db = Database(settings.database_url)
    if db.dialect == "sqlite":
        db.upgrade()
    elif not db.is_up_to_date():
        raise Refused("the database schema is not up to date: run `carebot db upgrade` first")
    return db


def _build(settings: Settings, db: Database) -> Runtime:
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.app import build

    try:
        return build(settings, db=db)
    except SlackApiError as error:
        raise Refused(
            f"Slack refused the bot token ({error.response.get('error')}): check SLACK_BOT_TOKEN"
        ) from None
    except (SlackClientError, BoltError, OSError) as error:
        raise Refused(
            f"could not reach Slack at {settings.slack_api_url} ({type(error).__name__})"
        ) from None


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    http = args.http or not settings.socket_mode
    settings.require_slack(http=http)
    db = open_database(settings)
    runtime = _build(settings, db)
    if not args.no_scheduler:
        from bot.scheduler import start_scheduler

        start_scheduler(runtime.care, settings.sweep_seconds)
    if http:
        from bot.server import HttpServer, wsgi_app

        port = args.port or settings.port
        try:
            server = HttpServer(wsgi_app(runtime.app, db), args.host, port)
        except OSError as error:
            raise Refused(f"cannot listen on {args.host}:{port}: {error.strerror}") from None
        server.serve_forever(lambda url: log.info("carebot is listening on %s/slack/events", url))
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("carebot is connecting to Slack in Socket Mode")
        SocketModeHandler(runtime.app, settings.app_token).start()  # type: ignore[no-untyped-call]
    return 0


def _sweep(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.bot_token:
        raise ConfigError("carebot sweep needs SLACK_BOT_TOKEN to send reminders")
    at = _instant(args.at, settings) if args.at else None
    runtime = _build(settings, open_database(settings))
    for line in runtime.care.sweep(at).lines():
        print(line)
    return 0


def _instant(text: str, settings: Settings) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--at {text!r} is not an ISO-8601 time; example: 2027-03-02T09:00"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=settings.timezone)


def _db_upgrade(args: argparse.Namespace) -> int:
    db = Database(_settings().database_url)
    db.upgrade()
    print(f"database is at revision {db.current_revision()}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    db = Database(_settings().database_url)
    state = "up to date" if db.is_up_to_date() else "behind: run `carebot db upgrade`"
    print(f"revision {db.current_revision() or 'none'} ({state})")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return run_sandbox(db_path=args.db)
