"""carebot audit export and carebot retention: the records, for compliance and for deletion."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.runtime.cli_common import TEAM_ID, Refused, open_database, settings_from_env
from bot.runtime.config import ConfigError, Settings
from bot.shared.audit_export import BadDate, parse_bound, write


def audit_export(args: argparse.Namespace) -> int:
    from storage import audit

    settings = settings_from_env()
    since = _bound("--since", args.since, settings)
    until = _bound("--until", args.until, settings) if args.until else None
    if until is not None and until <= since:
        raise ConfigError(
            "--until must come after --since; example: --since 2027-03-01 --until 2027-03-31"
        )
    bad_team = next((team for team in args.team if not TEAM_ID.fullmatch(team)), None)
    if bad_team is not None:
        raise ConfigError(f"--team {bad_team!r} is not a workspace id; example: T012AB3CD")
    db = open_database(settings)
    try:
        with _output(args.out) as out, db.session(read_only=True) as session:
            written = write(audit.stream(session, since, until, args.team), out, args.format)
    except BrokenPipeError:  # `| head` stopped reading: not an error, and nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.out:
        rows = "row" if written == 1 else "rows"
        print(f"wrote {written} audit {rows} to {args.out}", file=sys.stderr)
    return 0


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or a file; a file that can't be written is one line for the admin."""
    if path is None:
        yield sys.stdout
        return
    try:
        with Path(path).open("w", newline="", encoding="utf-8") as file:
            yield file
    except OSError as error:
        raise Refused(f"cannot write {path}: {error.strerror}") from None


def _bound(flag: str, text: str, settings: Settings) -> datetime:
    try:
        return parse_bound(text, settings.timezone, end=flag == "--until")
    except BadDate as problem:
        raise ConfigError(f"{flag} {problem}") from None


def retention(args: argparse.Namespace) -> int:
    from bot.shared.retention import purge
    from bot.shared.rules.clock import SystemClock

    settings = settings_from_env()
    days = args.older_than if args.older_than is not None else settings.retention_days
    if days is None:
        raise ConfigError(
            "say how old closed records must be: --older-than 2190 (days), "
            "or set CAREBOT_RETENTION_DAYS"
        )
    if days < 1:
        raise ConfigError(f"--older-than {days} should be a number of days, at least 1")
    bad_team = next((team for team in args.team if not TEAM_ID.fullmatch(team)), None)
    if bad_team is not None:
        raise ConfigError(f"--team {bad_team!r} is not a workspace id; example: T012AB3CD")
    db = open_database(settings)
    now = SystemClock().now()
    report = purge(
        db, now - timedelta(days=days), dry_run=args.dry_run, now=now, teams=args.team or None
    )
    for line in report.lines():
        print(line)
    return 0
