"""The audit trail as a file for compliance review: CSV or JSON lines, one row at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

COLUMNS = ("at", "team_id", "actor", "action", "ref", "channel_id", "request_id")
FORMATS = ("csv", "jsonl")
DATE_EXAMPLE = "2027-03-01 or 2027-03-01T09:00"


class AuditRecord(Protocol):
    at: datetime
    team_id: str
    actor: str
    action: str
    ref: str | None
    channel_id: str | None
    request_id: str | None


class BadDate(ValueError):
    """A --since or --until that is not a date; the message is one line with an example."""


def parse_bound(text: str, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """A day ("2027-03-01") or an instant; local to `zone` without an offset.

    A day given as the end of a range includes that whole day.
    """
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadDate(f"{text!r} is not a date; example: {DATE_EXAMPLE}") from None
    whole_day = len(text.strip()) == 10  # "2027-03-01": a date with no time of day
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if end and whole_day:
        at += timedelta(days=1)
    return at.astimezone(UTC)


def write(rows: Iterable[AuditRecord], out: TextIO, form: str) -> int:
    """Write every row to `out` as it arrives; returns how many were written."""
    written = 0
    if form == "csv":
        table = csv.writer(out, lineterminator="\n")
        table.writerow(COLUMNS)
        for row in rows:
            table.writerow([_cell(value) for value in _values(row)])
            written += 1
    else:
        for row in rows:
            out.write(json.dumps(dict(zip(COLUMNS, _values(row), strict=True))) + "\n")
            written += 1
    return written


def _values(row: AuditRecord) -> tuple[str | None, ...]:
    at = row.at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return (at, row.team_id, row.actor, row.action, row.ref, row.channel_id, row.request_id)


def _cell(value: str | None) -> str:
    # Ids never start like a formula; if one ever does, a spreadsheet must not run it.
    if value and value[0] in "=+-@":
        return "'" + value
    return value or ""
