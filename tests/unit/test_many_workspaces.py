"""Many workspaces without Slack: the settings, and which token each call goes with."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.runtime.config import README_SLACK_SECTION, ConfigError, load_settings
from bot.runtime.installations import TokenCipher
from bot.runtime.manifest import REDIRECT_PATH, for_http, load
from bot.runtime.oauth_config import authorize_url
from bot.runtime.workspaces import NoWorkspace, WorkspaceClient, bound
from bot.shared.rules.reminders import DueReminder, Outcome
from bot.shared.sweeper import TeamBound

KEY = TokenCipher.new_key()
MANY = {
    "SLACK_CLIENT_ID": "1234567890.9876543210",
    "SLACK_CLIENT_SECRET": "s3cr3t",
    "CAREBOT_TOKEN_KEY": KEY,
    "SLACK_SIGNING_SECRET": "signing",
}


def settings_of(environ: dict[str, str], tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(environ, dotenv=tmp_path / "missing.env")


def test_client_id_secret_and_key_make_many_workspaces(tmp_path: Path) -> None:
    settings = settings_of(MANY, tmp_path)
    assert settings.many_workspaces and settings.oauth is not None
    assert settings.oauth.client_id == "1234567890.9876543210"
    assert "s3cr3t" not in repr(settings.oauth) and KEY not in repr(settings.oauth)
    settings.require_slack(http=True)  # nothing else is needed: installs bring the tokens
    assert not settings_of({}, tmp_path).many_workspaces


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_SECRET is not set"),
        ("CAREBOT_TOKEN_KEY", "make a key with: carebot token-key"),
    ],
)
def test_a_missing_part_is_named(missing: str, named: str, tmp_path: Path) -> None:
    environ = {k: v for k, v in MANY.items() if k != missing}
    with pytest.raises(ConfigError, match=named):
        settings_of(environ, tmp_path)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set"),
        ({"CAREBOT_TOKEN_KEY": "hunter2"}, "44 characters of url-safe base64"),
        ({"SLACK_CLIENT_ID": "my-app"}, "digits with a dot"),
        ({"SLACK_REDIRECT_URI": "http://x.org/slack/oauth_redirect"}, "https:// address"),
        ({"SLACK_REDIRECT_URI": "https://x.org/wrong"}, "/slack/oauth_redirect"),
    ],
)
def test_a_wrong_setting_is_one_line_with_an_example(
    changes: dict[str, str], said: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=said) as refused:
        settings_of({**MANY, **changes}, tmp_path)
    assert "\n" not in str(refused.value)


def test_a_key_without_client_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not"):
        settings_of({"CAREBOT_TOKEN_KEY": KEY}, tmp_path)


def test_many_workspaces_need_http_mode_and_a_signing_secret(tmp_path: Path) -> None:
    socket = settings_of({**MANY, "SLACK_APP_TOKEN": "xapp-1"}, tmp_path)
    with pytest.raises(ConfigError, match="need HTTP mode") as refused:
        socket.require_slack(http=False)
    assert README_SLACK_SECTION in str(refused.value)
    unsigned = settings_of({k: v for k, v in MANY.items() if k != "SLACK_SIGNING_SECRET"}, tmp_path)
    with pytest.raises(ConfigError, match="needs SLACK_SIGNING_SECRET"):
        unsigned.require_slack(http=True)


def test_the_allow_page_is_beside_the_web_api() -> None:
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorize_url("http://127.0.0.1:8/api/") == "http://127.0.0.1:8/oauth/v2/authorize"


def test_the_many_workspace_manifest_names_the_redirect() -> None:
    manifest = for_http(load(), "https://care.example.org/bot", many_workspaces=True)
    assert manifest["oauth_config"]["redirect_urls"] == [
        f"https://care.example.org/bot{REDIRECT_PATH}"
    ]
    assert "redirect_urls" not in for_http(load(), "https://care.example.org")["oauth_config"]


class FakeTokens:
    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.asked: list[str] = []

    def of(self, team_id: str) -> str:
        self.asked.append(team_id)
        if team_id not in self.tokens:
            raise NoWorkspace(f"carebot is not installed in workspace {team_id}")
        return self.tokens[team_id]


def client(tokens: FakeTokens) -> WorkspaceClient:
    # Never reached: every call below either fails before sending or is refused locally.
    return WorkspaceClient(tokens, base_url="http://127.0.0.1:9/api/")  # type: ignore[arg-type]


def test_the_token_is_the_bound_workspace_s_and_looked_up_once_per_binding() -> None:
    tokens = FakeTokens({"T0AAAA": "xoxb-a", "T0BBBB": "xoxb-b"})
    slack = client(tokens)
    assert slack.token is None
    with bound("T0AAAA"):
        assert slack.token == "xoxb-a"
        assert slack.token == "xoxb-a"
        with bound("T0BBBB"):
            assert slack.token == "xoxb-b"
        assert slack.token == "xoxb-a"
    with bound("T0CCCC", "xoxb-from-bolt"):  # a request: Bolt's authorize found the token
        assert slack.token == "xoxb-from-bolt"
    assert tokens.asked == ["T0AAAA", "T0BBBB"]
    assert slack.token is None


def test_a_call_with_no_workspace_bound_fails_loudly_and_sends_nothing() -> None:
    slack = client(FakeTokens({}))
    with pytest.raises(NoWorkspace, match=r"chat\.postMessage was called with no workspace"):
        slack.chat_postMessage(channel="C1", text="hello")
    with bound("T0GONE"), pytest.raises(NoWorkspace, match="not installed in workspace T0GONE"):
        slack.chat_postMessage(channel="C1", text="hello")
    with pytest.raises(ValueError, match="bound workspace"):
        slack.token = "xoxb-fixed"  # no token of its own to fall back on


NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


def due(reminder_id: int, team: str) -> DueReminder:
    return DueReminder(reminder_id, team, "nag", f"PA-{reminder_id}", NOW, 0, {})


class RecordingKind:
    name = "nag"

    def __init__(self, slack: WorkspaceClient, failing: str | None = None) -> None:
        self.slack, self.failing = slack, failing
        self.sent: list[tuple[str | None, list[int]]] = []

    def fire(self, reminders: Sequence[DueReminder], now: datetime) -> list[Outcome]:
        token = self.slack.token
        if token == self.failing:
            raise RuntimeError("Slack said no")
        self.sent.append((token, [r.id for r in reminders]))
        return [Outcome(r.id, sent=1) for r in reminders]


def test_the_sweep_sends_each_workspace_s_reminders_with_its_own_token() -> None:
    slack = client(FakeTokens({"T0AAAA": "xoxb-a", "T0BBBB": "xoxb-b", "T0CCCC": "xoxb-c"}))
    kind = RecordingKind(slack, failing="xoxb-b")
    batch = [due(1, "T0AAAA"), due(2, "T0BBBB"), due(3, "T0AAAA"), due(4, "T0CCCC")]

    @contextmanager
    def bind(team: str) -> Iterator[None]:
        with bound(team):
            yield

    outcomes = {o.reminder_id: o for o in TeamBound(kind, bind).fire(batch, NOW)}

    assert kind.sent == [("xoxb-a", [1, 3]), ("xoxb-c", [4])]
    assert outcomes[2].error == "workspace_failed" and outcomes[2].next_at is not None
    assert all(outcomes[i].error is None for i in (1, 3, 4))


def test_allowed_workspaces_are_read_and_checked(tmp_path: Path) -> None:
    settings = settings_of({**MANY, "CAREBOT_ALLOWED_WORKSPACES": "T012AB3CD, T045EF6GH"}, tmp_path)
    assert settings.oauth is not None
    assert settings.oauth.allowed == frozenset({"T012AB3CD", "T045EF6GH"})
    with pytest.raises(ConfigError, match="should list workspace ids"):
        settings_of({**MANY, "CAREBOT_ALLOWED_WORKSPACES": "general-hospital"}, tmp_path)
