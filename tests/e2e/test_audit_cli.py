"""`carebot audit export` as a compliance officer's IT admin runs it, and the admin group check."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.standin import SlackStandIn
from storage import Database, SqlAuditLog
from tests.e2e.test_cli import SECRET, carebot, free_port, one_line, wait_for_health

T0 = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment in New York time, with a migrated SQLite file holding a trail."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_", "DATABASE_"))
    }
    url = f"sqlite:///{tmp_path / 'carebot.db'}"
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        log = SqlAuditLog(session)
        log.record("T1", "U0COORD01", "handoff.create", "H-1", "C0CARDIO1", "req1", at=T0)
        log.record("T2", "U0OTHER01", "appointment.book", "A-1", at=T0 + timedelta(hours=1))
        log.record("T1", "carebot", "handoff.escalate", "H-1", at=T0 + timedelta(days=2))
    db.dispose()
    return {
        **keep,
        "DATABASE_URL": url,
        "CAREBOT_TIMEZONE": "America/New_York",
        "PYTHONPATH": str(Path.cwd()),
    }


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


def test_export_writes_csv_to_stdout_oldest_first(env: dict[str, str], tmp_path: Path) -> None:
    result = carebot("audit", "export", "--since", "2027-03-01", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["action"] for row in table] == [
        "handoff.create",
        "appointment.book",
        "handoff.escalate",
    ]
    assert table[0] == {
        "at": "2027-03-01T14:00:00.000000Z",
        "team_id": "T1",
        "actor": "U0COORD01",
        "action": "handoff.create",
        "ref": "H-1",
        "channel_id": "C0CARDIO1",
        "request_id": "req1",
    }


def test_export_of_one_workspace_and_range_to_a_json_lines_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "trail.jsonl"

    result = carebot(
        "audit",
        "export",
        "--since",
        "2027-03-01",
        "--until",
        "2027-03-02",
        "--format",
        "jsonl",
        "--team",
        "T1",
        "--out",
        str(out),
        env=env,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert one_line(result.stderr) == f"wrote 1 audit row to {out}"
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["team_id"], r["ref"], r["request_id"]) for r in rows] == [("T1", "H-1", "req1")]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--since", "last week"], "--since 'last week' is not a date; example: 2027-03-01"),
        (["--since", "2027-03-01", "--until", "03/31"], "--until '03/31' is not a date"),
        (["--since", "2027-03-02", "--until", "2027-03-01"], "--until must come after --since"),
        (["--since", "2027-03-01", "--team", "general"], "example: T012AB3CD"),
    ],
)
def test_bad_arguments_are_one_line_with_an_example(
    env: dict[str, str], tmp_path: Path, args: list[str], says: str
) -> None:
    result = carebot("audit", "export", *args, env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert says in one_line(result.stderr)
    assert result.stdout == ""


def test_a_file_that_cannot_be_written_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "trail.csv"

    result = carebot(
        "audit", "export", "--since", "2027-03-01", "--out", str(missing), env=env, cwd=tmp_path
    )

    assert result.returncode == 1
    assert f"cannot write {missing}" in one_line(result.stderr)


def test_run_warns_at_startup_about_an_admin_group_that_does_not_exist(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    port = free_port()
    env |= {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "CAREBOT_ADMIN_GROUP": "@carebot-admins",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)

    assert health["status"] == "ok"  # the rest of carebot runs as usual
    warnings = [line for line in stderr.splitlines() if "CAREBOT_ADMIN_GROUP" in line]
    assert len(warnings) == 1
    assert "WARNING" in warnings[0]
    assert "@carebot-admins is not a user group in this workspace" in warnings[0]
