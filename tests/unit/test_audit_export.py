"""The audit export's file formats and its --since/--until dates."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.shared.audit_export import COLUMNS, BadDate, parse_bound, write

NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class Row:
    at: datetime
    team_id: str = "T1"
    actor: str = "U1"
    action: str = "handoff.acknowledge"
    ref: str | None = "H-7"
    channel_id: str | None = "C1"
    request_id: str | None = None


ROWS = [
    Row(datetime(2027, 3, 1, 14, 0, 5, 120000, tzinfo=UTC)),
    Row(datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK), actor="carebot", action="preauth.nag"),
]


def test_csv_has_a_header_and_utc_iso_times() -> None:
    out = io.StringIO()

    written = write(iter(ROWS), out, "csv")

    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert written == 2
    assert table[0] == list(COLUMNS)
    assert table[1] == [
        "2027-03-01T14:00:05.120000Z",
        "T1",
        "U1",
        "handoff.acknowledge",
        "H-7",
        "C1",
        "",
    ]
    assert table[2][0] == "2027-03-01T14:00:00.000000Z"


def test_json_lines_keep_empty_fields_as_null() -> None:
    out = io.StringIO()

    write(iter(ROWS), out, "jsonl")

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["request_id"] is None and first["ref"] == "H-7"
    assert (second["actor"], second["action"]) == ("carebot", "preauth.nag")


def test_a_cell_that_looks_like_a_formula_cannot_run_in_a_spreadsheet() -> None:
    out = io.StringIO()

    write([Row(ROWS[0].at, actor="-cmd")], out, "csv")

    assert "'-cmd" in out.getvalue()


def test_a_day_is_local_midnight_and_an_until_day_includes_that_whole_day() -> None:
    since = parse_bound("2027-03-01", NEW_YORK)
    until = parse_bound("2027-03-01", NEW_YORK, end=True)

    assert since == datetime(2027, 3, 1, 5, 0, tzinfo=UTC)
    assert until == datetime(2027, 3, 2, 5, 0, tzinfo=UTC)
    assert parse_bound("2027-03-01T09:30Z", NEW_YORK) == datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    assert parse_bound("2027-03-01T09:30", NEW_YORK, end=True) == datetime(
        2027, 3, 1, 14, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("typed", ["yesterday", "03/01/2027", "2027-13-01", ""])
def test_a_bad_date_is_one_line_with_an_example(typed: str) -> None:
    with pytest.raises(BadDate) as raised:
        parse_bound(typed, NEW_YORK)

    assert "example: 2027-03-01" in str(raised.value)
    assert "\n" not in str(raised.value)
