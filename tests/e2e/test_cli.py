"""The carebot command as an admin runs it: real processes, real ports, one-line errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.runtime.cli import main
from bot.sandbox.driver import SlackDriver
from bot.sandbox.standin import SlackStandIn
from tests.conftest import PostgresServer

SECRET = "cli-test-signing-secret"
ROOT = Path(__file__).resolve().parents[2]


def carebot(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no Slack settings, a SQLite file in a fresh directory."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_", "DATABASE_"))
    }
    return {
        **keep,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'carebot.db'}",
        "PYTHONPATH": str(Path.cwd()),
    }


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    assert "Traceback" not in text
    return lines[0]


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"carebot {version('carebot')}\n"
    assert version("carebot") == declared["project"]["version"]


@pytest.mark.parametrize("port", ["99999", "-1", "abc", "0"])
def test_a_bad_port_is_one_line_before_anything_starts(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    code = main(["run", "--http", "--port", port])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert (
        one_line(err) == f"carebot: --port {port!r} is not a port number (1-65535); example: 3000"
    )


def test_run_without_tokens_names_what_http_mode_needs(env: dict[str, str], tmp_path: Path) -> None:
    result = carebot("run", env=env, cwd=tmp_path)

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(
        "carebot: carebot run in HTTP mode (SLACK_APP_TOKEN is not set) needs "
        "SLACK_BOT_TOKEN (xoxb-...) and SLACK_SIGNING_SECRET in the environment or in .env"
    )
    assert "(Socket Mode needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...)" in line
    assert "see README: Connecting a real workspace" in line
    assert "carebot sandbox" in line


def test_socket_mode_asks_only_for_the_bot_token(env: dict[str, str], tmp_path: Path) -> None:
    env["SLACK_APP_TOKEN"] = "xapp-1"

    result = carebot("run", env=env, cwd=tmp_path)

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "carebot run in Socket Mode (SLACK_APP_TOKEN is set) needs SLACK_BOT_TOKEN" in line
    assert "SIGNING_SECRET" not in line


def test_a_refused_bot_token_is_one_line_saying_so(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-not-this-workspaces",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
    }

    result = carebot("run", "--http", env=env, cwd=tmp_path)

    assert result.returncode == 1
    line = one_line(result.stderr)  # no slack_sdk ERROR lines before it
    assert line.startswith("carebot: Slack refused the bot token (invalid_auth): ")
    assert "Bot User OAuth Token (xoxb-...)" in line and "into SLACK_BOT_TOKEN" in line
    assert "README: Connecting a real workspace" in line
    assert "could not reach" not in line


def test_an_unreachable_slack_is_one_line_and_not_blamed_on_the_token(
    env: dict[str, str], tmp_path: Path
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/api/"
    env |= {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": nobody}

    result = carebot("run", "--http", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"carebot: could not reach Slack at {nobody} (Connection refused): "
        "check the network, a proxy in between, or SLACK_API_URL"
    )


def test_a_refused_app_token_is_one_line_saying_so(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    standin.fail_next("apps.connections.open", error="invalid_auth")
    env |= {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_APP_TOKEN": "xapp-1-revoked",
        "SLACK_API_URL": standin.api_url,
    }

    result = carebot("run", "--no-scheduler", env=env, cwd=tmp_path)

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("carebot: Slack refused the app-level token (invalid_auth): ")
    assert "app-level token (xapp-...) with connections:write" in line
    assert "into SLACK_APP_TOKEN" in line
    assert [c.method for c in standin.calls()][-1] == "apps.connections.open"


def test_a_malformed_database_url_is_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    env |= {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "carebot.db"}

    result = carebot("run", "--http", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert "DATABASE_URL" in one_line(result.stderr)


def test_an_unreachable_database_is_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": "postgresql+psycopg://carebot:hunter2@127.0.0.1:1/carebot",
    }

    result = carebot("run", "--http", env=env, cwd=tmp_path)

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "hunter2" not in line


def test_db_upgrade_then_current(env: dict[str, str], tmp_path: Path) -> None:
    upgraded = carebot("db", "upgrade", env=env, cwd=tmp_path)
    current = carebot("db", "current", env=env, cwd=tmp_path)

    assert upgraded.returncode == 0, upgraded.stderr
    assert "revision" in upgraded.stdout
    assert "up to date" in current.stdout


# `make demo` installs carebot without the dev and postgres extras: none of these.
EXTRAS_ONLY = ("pytest", "_pytest", "xdist", "hypothesis", "jsonschema", "mypy", "psycopg")


def test_the_sandbox_reads_a_script_from_stdin_without_the_dev_tools(
    env: dict[str, str], tmp_path: Path
) -> None:
    without_extras = (
        f"import sys; sys.modules.update(dict.fromkeys({EXTRAS_ONLY!r})); "  # None: unimportable
        "from bot.runtime.cli import main; sys.exit(main(['sandbox']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", without_extras],
        env=env,
        cwd=tmp_path,
        input="/carebot help\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "What carebot can do" in result.stdout


def test_sweep_once_prints_what_it_sent(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    env |= {"SLACK_BOT_TOKEN": standin.bot_token, "SLACK_API_URL": standin.api_url}

    result = carebot("sweep", "--at", "2027-03-02T09:00", env=env, cwd=tmp_path)
    bad = carebot("sweep", "--at", "next tuesday", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nothing due"
    assert bad.returncode == 2
    assert "2027-03-02T09:00" in one_line(bad.stderr)


def test_run_http_answers_signed_requests_and_health(
    env: dict[str, str], tmp_path: Path, standin: SlackStandIn
) -> None:
    port = free_port()
    env |= {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-scheduler",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        health = wait_for_health(base + "/healthz", server)
        slack = SlackDriver(standin, base + "/slack/events", SECRET)

        ack = slack.command("/carebot", "help")
        with slack.sign_with(timestamp_offset=-6 * 60):
            stale = slack.command("/carebot", "help")

        assert health == {"status": "ok", "database": "ok"}
        assert ack.status == 200
        assert stale.status == 401
        assert "What carebot can do" in wait_for_reply(slack)
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_health(url: str, server: subprocess.Popen[str]) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"carebot run exited early: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return dict(json.loads(response.read()))
        except OSError:
            time.sleep(0.1)
    pytest.fail("carebot run did not answer /healthz within 30 s")


def wait_for_reply(slack: SlackDriver) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if slack.ephemerals():
            return slack.last_reply().text
        time.sleep(0.05)
    pytest.fail("no reply reached the stand-in within 10 s")


def test_a_postgresql_schema_that_is_behind_is_refused_until_upgraded(
    env: dict[str, str], tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = postgres_server.create()
    try:
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": postgres_server.url_for(name),
        }
        refused = carebot("run", "--http", env=env, cwd=tmp_path)
        upgraded = carebot("db", "upgrade", env=env, cwd=tmp_path)
        current = carebot("db", "current", env=env, cwd=tmp_path)
    finally:
        postgres_server.drop(name)

    assert refused.returncode == 1
    assert "carebot db upgrade" in one_line(refused.stderr)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date" in current.stdout


# -- many workspaces ---------------------------------------------------------------------


def test_token_key_prints_a_key_carebot_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runtime.installations import TokenCipher

    assert main(["token-key"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) == 44
    cipher = TokenCipher(key)
    assert cipher.decrypt(cipher.encrypt("xoxb-1")) == "xoxb-1"


def many_workspace_env(env: dict[str, str], key: str) -> dict[str, str]:
    return env | {
        "SLACK_CLIENT_ID": "1000000000.2000000001",
        "SLACK_CLIENT_SECRET": "client-secret",
        "CAREBOT_TOKEN_KEY": key,
        "SLACK_SIGNING_SECRET": SECRET,
    }


def test_many_workspaces_in_socket_mode_are_refused_in_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    from bot.runtime.installations import TokenCipher

    env = many_workspace_env(env, TokenCipher.new_key()) | {"SLACK_APP_TOKEN": "xapp-1"}

    result = carebot("run", env=env, cwd=tmp_path)

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "need HTTP mode" in line and "carebot run --http" in line


def test_a_key_that_does_not_open_the_stored_tokens_stops_run_in_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    from slack_sdk.oauth.installation_store import Installation

    from bot.runtime.installations import InstallationStore, TokenCipher
    from storage import Database

    db = Database(env["DATABASE_URL"])
    db.upgrade()
    store = InstallationStore(
        "1000000000.2000000001", db.engine, TokenCipher(TokenCipher.new_key())
    )
    store.save(
        Installation(app_id="A1", team_id="T0AAAA", bot_token="xoxb-a", user_id="U1", bot_id="B1")
    )
    db.dispose()
    env = many_workspace_env(env, TokenCipher.new_key())  # not the key they were stored with

    result = carebot("run", "--http", "--port", str(free_port()), env=env, cwd=tmp_path)

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("carebot: CAREBOT_TOKEN_KEY does not decrypt the Slack tokens")
    assert "new key first and the old one after it" in line
