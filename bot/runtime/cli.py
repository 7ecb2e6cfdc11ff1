"""The carebot command: run, sweep, db upgrade, audit export, retention, sandbox, manifest."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.runtime import cli_records
from bot.runtime.cli_common import Refused, open_database, settings_from_env
from bot.runtime.config import ConfigError, Settings, port_number
from bot.runtime.connect import SlackProblem
from bot.runtime.manifest import ManifestError
from bot.shared.audit_export import FORMATS
from storage import Database
from storage.errors import DatabaseConfigError, DatabaseUnavailable

if TYPE_CHECKING:
    from bot.runtime.app import Runtime

log = logging.getLogger("carebot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except (
        ConfigError,
        DatabaseConfigError,
        DatabaseUnavailable,
        ManifestError,
        Refused,
        SlackProblem,
    ) as problem:
        print(f"carebot: {problem}", file=sys.stderr)
        return 2 if isinstance(problem, ConfigError | DatabaseConfigError | ManifestError) else 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"carebot {_version()}")
    verbs = parser.add_subparsers(
        dest="verb", metavar="{run,sweep,db,audit,retention,sandbox,manifest,token-key}"
    )

    run = verbs.add_parser(
        "run", help="serve Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP"
    )
    run.add_argument(
        "--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set"
    )
    run.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    run.add_argument("--port", help="port (default $PORT or 3000)")
    run.add_argument(
        "--no-scheduler", action="store_true", help="do not run the reminder sweep here"
    )
    run.add_argument(
        "--metrics-port",
        metavar="N",
        help="also serve GET /metrics and GET /healthz on this port (for Socket Mode)",
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

    audit = verbs.add_parser("audit", help="the audit trail")
    audit_verbs = audit.add_subparsers(dest="audit_verb", required=True, metavar="{export}")
    export = audit_verbs.add_parser(
        "export", help="write the audit trail for compliance review (CSV or JSON lines)"
    )
    export.add_argument(
        "--since", required=True, help="from this day or instant (local to CAREBOT_TIMEZONE)"
    )
    export.add_argument("--until", help="up to this day (included) or instant (excluded)")
    export.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or jsonl")
    export.add_argument("--out", help="write to this file (default: standard output)")
    export.add_argument(
        "--team", action="append", default=[], help="only this workspace (repeat for several)"
    )
    export.set_defaults(handler=cli_records.audit_export)

    retention = verbs.add_parser(
        "retention",
        help="remove closed records past the retention period (the audit trail is kept)",
    )
    retention.add_argument(
        "--older-than",
        type=int,
        metavar="DAYS",
        help="closed more than DAYS days ago (default $CAREBOT_RETENTION_DAYS)",
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="say what would be removed; remove nothing"
    )
    retention.add_argument(
        "--team", action="append", default=[], help="only this workspace (repeatable)"
    )
    retention.set_defaults(handler=cli_records.retention)

    sandbox = verbs.add_parser(
        "sandbox", help="talk to carebot in a local Slack stand-in; no Slack needed"
    )
    sandbox.add_argument("--db", help="keep the sandbox's SQLite database in this file")
    sandbox.set_defaults(handler=_sandbox)

    manifest = verbs.add_parser(
        "manifest", help="print the Slack app manifest to paste at api.slack.com/apps"
    )
    manifest.add_argument(
        "--http",
        metavar="https://HOST",
        help="for HTTP mode, with every request URL under this address (default: Socket Mode)",
    )
    manifest.add_argument("--json", action="store_true", help="JSON instead of YAML")
    manifest.add_argument(
        "--many-workspaces",
        action="store_true",
        help="with --http: add the OAuth redirect URL, to install in several workspaces",
    )
    manifest.set_defaults(handler=_manifest)

    token_key = verbs.add_parser(
        "token-key", help="print a new CAREBOT_TOKEN_KEY (encrypts Slack tokens at rest)"
    )
    token_key.add_argument(
        "--reencrypt",
        action="store_true",
        help="instead, write every stored token again with the first key of CAREBOT_TOKEN_KEY",
    )
    token_key.set_defaults(handler=_token_key)
    return parser


def _version() -> str:
    """The installed package's version, as pip knows it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("carebot")
    except PackageNotFoundError:
        return "(not installed: run pip install -e .)"


def _build(settings: Settings, db: Database) -> Runtime:
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackClientError

    from bot.runtime.app import build
    from bot.runtime.connect import check_bot_token, unreachable

    if settings.many_workspaces:  # no token of its own: each install brings one
        return _build_many(settings, db)
    check_bot_token(settings)  # a refused token or an unreachable Slack: one line
    try:
        return build(settings, db=db)  # Bolt asks auth.test again
    except (SlackClientError, BoltError, OSError) as error:  # Slack went away in between
        raise unreachable(settings, error) from None


def _build_many(settings: Settings, db: Database) -> Runtime:
    """Many workspaces: the key must open the tokens already stored (one line if not)."""
    from bot.runtime.app import build
    from bot.runtime.installations import TokenKeyError

    runtime = build(settings, db=db)
    assert runtime.many is not None
    try:
        runtime.many.store.check_key()
    except TokenKeyError as problem:
        raise Refused(str(problem)) from None
    return runtime


def _token_key(args: argparse.Namespace) -> int:
    from bot.runtime.installations import InstallationStore, TokenCipher, TokenKeyError

    if not args.reencrypt:
        print(TokenCipher.new_key())
        return 0
    settings = settings_from_env()
    if settings.oauth is None:
        raise ConfigError(
            "--reencrypt needs SLACK_CLIENT_ID and CAREBOT_TOKEN_KEY=new,old (many workspaces)"
        )
    store = InstallationStore(
        settings.oauth.client_id, open_database(settings).engine, settings.oauth.cipher()
    )
    try:
        count = store.reencrypt()
    except TokenKeyError as problem:
        raise Refused(str(problem)) from None
    print(
        f"re-encrypted the tokens of {count} install row(s) with the first key; the others "
        "can now be dropped from CAREBOT_TOKEN_KEY"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    port = port_number(args.port, "--port") if args.port is not None else None
    metrics_port = (
        port_number(args.metrics_port, "--metrics-port") if args.metrics_port is not None else None
    )
    settings = settings_from_env()
    http = args.http or not settings.socket_mode
    settings.require_slack(http=http, asked_for_http=args.http)
    db = open_database(settings)
    runtime = _build(settings, db)
    problem = runtime.startup_problem()
    if problem:  # admin commands are refused until fixed; the rest of carebot runs as usual
        log.warning("%s", problem)
    runtime.warm_up()  # ready means warm: a first command does not wait for it
    server = None
    if http:
        from bot.runtime.server import HttpServer, wsgi_app

        port = port or settings.port
        try:
            server = HttpServer(
                wsgi_app(
                    runtime.app,
                    db,
                    settings.signing_secret or "",
                    # With a metrics port, /metrics is served there only, off the public one.
                    metrics=runtime.metrics if metrics_port is None else None,
                ),
                args.host,
                port,
            )
        except OSError as error:
            raise Refused(f"cannot listen on {args.host}:{port}: {error.strerror}") from None
    else:
        _connect_socket_mode(runtime, settings)
    if metrics_port is not None:
        _serve_metrics(runtime, args.host, metrics_port)
    if not args.no_scheduler:  # once Slack can reach carebot: a refusal above starts nothing
        from bot.runtime.scheduler import start_scheduler

        start_scheduler(runtime.sweep, settings.sweep_seconds)
    if server is not None:
        server.serve_forever(lambda url: _listening(url, settings))
    else:
        threading.Event().wait()  # the Socket Mode handler's threads answer Slack
    return 0


def _listening(url: str, settings: Settings) -> None:
    log.info("carebot is listening on %s/slack/events", url)
    if settings.many_workspaces:
        log.info("admins install carebot in their workspace at %s/slack/install", url)


def _connect_socket_mode(runtime: Runtime, settings: Settings) -> None:
    """Open the WebSocket Slack sends everything on (SLACK_APP_TOKEN); a refused token or an
    unreachable Slack is one line."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.runtime.connect import token_refused, unreachable
    from bot.runtime.socket_mode import connect

    try:
        connect(runtime.app, settings)
    except SlackApiError as error:  # apps.connections.open refused the app-level token
        raise token_refused("SLACK_APP_TOKEN", error) from None
    except (SlackClientError, OSError) as error:
        raise unreachable(settings, error) from None


def _serve_metrics(runtime: Runtime, host: str, port: int) -> None:
    """GET /metrics and GET /healthz on their own port, in the background."""
    from bot.runtime.server import HttpServer, ops_app

    try:
        server = HttpServer(ops_app(runtime.db, runtime.metrics), host, port, threads=2)
    except OSError as error:
        raise Refused(f"cannot listen on {host}:{port}: {error.strerror}") from None
    server.start()
    log.info("carebot serves /metrics and /healthz on %s", server.url)


def _sweep(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    if not settings.bot_token and not settings.many_workspaces:
        raise ConfigError(
            "carebot sweep needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and friends, for many "
            "workspaces) to send reminders"
        )
    at = _instant(args.at, settings) if args.at else None
    runtime = _build(settings, open_database(settings))
    for line in runtime.sweep(at).lines():
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
    db = Database(settings_from_env().database_url)
    db.upgrade()
    print(f"database is at revision {db.current_revision()}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    db = Database(settings_from_env().database_url)
    state = "up to date" if db.is_up_to_date() else "behind: run `carebot db upgrade`"
    print(f"revision {db.current_revision() or 'none'} ({state})")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return run_sandbox(db_path=args.db)


def _manifest(args: argparse.Namespace) -> int:
    from bot.runtime import manifest

    document = manifest.load()
    if args.many_workspaces and args.http is None:
        raise ManifestError(
            "--many-workspaces needs --http https://HOST: installs come back to "
            f"HOST/slack/oauth_redirect; example: --http {manifest.EXAMPLE} --many-workspaces"
        )
    if args.http is not None:
        document = manifest.for_http(document, args.http, many_workspaces=args.many_workspaces)
    sys.stdout.write(manifest.render(document, as_json=args.json))
    return 0
