"""At start carebot asks Slack whose its bot token is: each refusal and an unreachable Slack
is one line that says what to do, and nothing else is logged."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from bot.runtime.config import Settings
from bot.runtime.connect import SlackProblem, check_bot_token
from bot.sandbox.standin import SlackStandIn


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


def refusal(settings: Settings, caplog: pytest.LogCaptureFixture) -> str:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SlackProblem) as refused:
        check_bot_token(settings)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    line = str(refused.value)
    assert "\n" not in line
    return line


def test_a_good_token_passes(standin: SlackStandIn) -> None:
    check_bot_token(Settings(bot_token=standin.bot_token, slack_api_url=standin.api_url))

    assert [call.method for call in standin.calls()] == ["auth.test"]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("invalid_auth", "it is mistyped, or it belongs to another app or another Slack"),
        ("token_revoked", "it was revoked (the app was removed or its tokens regenerated)"),
        ("account_inactive", "its workspace or bot user is deactivated"),
        ("token_expired", "it expired because token rotation is on"),
    ],
)
def test_each_refusal_says_why_and_where_to_copy_a_good_token(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture, code: str, says: str
) -> None:
    standin.fail_next("auth.test", error=code)
    settings = Settings(bot_token=standin.bot_token, slack_api_url=standin.api_url)

    line = refusal(settings, caplog)

    assert line.startswith(f"Slack refused the bot token ({code}): {says}")
    assert line.endswith(
        "Copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page "
        "into SLACK_BOT_TOKEN (README: Connecting a real workspace)"
    )


def test_a_token_the_stand_in_does_not_know_is_invalid_auth(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(bot_token="xoxb-another-workspace", slack_api_url=standin.api_url)

    assert refusal(settings, caplog).startswith("Slack refused the bot token (invalid_auth)")


def test_no_token_at_all_is_not_authed(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(bot_token=None, slack_api_url=standin.api_url)

    assert refusal(settings, caplog).startswith(
        "Slack refused the bot token (not_authed): no token reached Slack"
    )


def test_another_slack_error_is_not_blamed_on_the_token(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail_next("auth.test", error="team_added_to_org")
    settings = Settings(bot_token=standin.bot_token, slack_api_url=standin.api_url)

    line = refusal(settings, caplog)

    assert line == "Slack could not check the bot token (team_added_to_org): try again in a minute"


def test_something_that_is_not_slack_is_named_so(
    standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(bot_token=standin.bot_token, slack_api_url=standin.base_url + "/nowhere/")

    line = refusal(settings, caplog)

    assert line.startswith(f"{standin.base_url}/nowhere/auth.test answered HTTP 404 without")
    assert "check SLACK_API_URL" in line


def test_an_unreachable_slack_is_said_once_with_the_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    settings = Settings(bot_token="xoxb-1", slack_api_url=url)

    line = refusal(settings, caplog)

    assert line == (
        f"could not reach Slack at {url} (Connection refused): "
        "check the network, a proxy in between, or SLACK_API_URL"
    )
