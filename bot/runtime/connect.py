"""Reaching Slack at start: the bot token checked, Socket Mode connected, and a refused token
or an unreachable Slack said in one line that tells the admin what to do."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime.config import README_SLACK_SECTION, Settings
from bot.runtime.slack import make_client

if TYPE_CHECKING:
    pass

# Slack's answers that mean the token itself is no good, and why it may be.
TOKEN_REFUSALS = {
    "invalid_auth": "it is mistyped, or it belongs to another app or another Slack",
    "not_authed": "no token reached Slack",
    "token_revoked": "it was revoked (the app was removed or its tokens regenerated); "
    "reinstall the app",
    "account_inactive": "its workspace or bot user is deactivated; "
    "install the app to an active workspace",
    "token_expired": "it expired because token rotation is on; turn token_rotation_enabled "
    "off in the manifest and reinstall the app",
}
SLACK_CODE = re.compile(r"[a-z][a-z0-9_]*")
# Where each token is found in the app's settings at api.slack.com/apps.
TOKEN_PAGES = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) from the app's "
    "OAuth & Permissions page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write from the app's "
    "Basic Information page",
}


class SlackProblem(Exception):
    """Slack refused carebot's token or could not be reached; the message is one line."""


def token_refused(variable: str, error: SlackApiError) -> SlackProblem:
    """What to tell the admin when Slack answers ok=false to a call made with `variable`."""
    code = error.response.get("error") if isinstance(error.response.data, dict) else None
    if not isinstance(code, str) or not SLACK_CODE.fullmatch(code):  # not Slack's JSON at all
        return SlackProblem(
            f"{error.response.api_url} answered HTTP {error.response.status_code} without a "
            "Slack error code: check SLACK_API_URL, or try again if Slack is having trouble"
        )
    kind = "bot token" if variable == "SLACK_BOT_TOKEN" else "app-level token"
    if code in TOKEN_REFUSALS:
        return SlackProblem(
            f"Slack refused the {kind} ({code}): {TOKEN_REFUSALS[code]}. Copy "
            f"{TOKEN_PAGES[variable]} into {variable} (README: {README_SLACK_SECTION})"
        )
    return SlackProblem(f"Slack could not check the {kind} ({code}): try again in a minute")


def unreachable(settings: Settings, error: Exception) -> SlackProblem:
    """What to tell the admin when no answer came back from Slack at all."""
    reason = error.reason if isinstance(error, URLError) else error
    said = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return SlackProblem(
        f"could not reach Slack at {settings.slack_api_url} ({said}): "
        "check the network, a proxy in between, or SLACK_API_URL"
    )


def check_bot_token(settings: Settings) -> None:
    """Ask Slack whose the bot token is, before anything starts: a token Slack refuses and a
    Slack that cannot be reached are each one line, rather than slack_sdk's error log lines."""
    quiet = logging.getLogger("carebot.token_check")
    quiet.setLevel(logging.CRITICAL)  # the failure is said once, by the SlackProblem raised
    try:
        make_client(settings, logger=quiet).auth_test()
    except SlackApiError as error:
        raise token_refused("SLACK_BOT_TOKEN", error) from None
    except (SlackClientError, OSError) as error:
        raise unreachable(settings, error) from None
