"""Many-workspace settings: the app's OAuth credentials and the key tokens are kept under."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.runtime.installations import TokenCipher

KEY_EXAMPLE = "carebot token-key"  # the command that prints a new key

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What carebot run --http needs for many workspaces, besides SLACK_SIGNING_SECRET.
OAUTH_NEEDS = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "CAREBOT_TOKEN_KEY")


class OAuthConfigError(ValueError):
    """A many-workspace setting is missing or wrong; one line an admin can act on."""


@dataclass(frozen=True)
class OAuthConfig:
    client_id: str
    client_secret: str = field(repr=False)
    token_key: str = field(repr=False)  # CAREBOT_TOKEN_KEY: one or more Fernet keys
    # Where Slack sends the admin back; needed only when the app lists several Redirect URLs.
    redirect_uri: str | None = None
    # The workspaces that may install carebot (team ids); empty: any that Slack lets install.
    allowed: frozenset[str] = frozenset()

    def cipher(self) -> TokenCipher:
        from bot.runtime.installations import TokenCipher

        return TokenCipher(self.token_key)


def read_oauth(get: Callable[[str], str | None], *, bot_token: str | None) -> OAuthConfig | None:
    """SLACK_CLIENT_ID and friends, or None for one workspace (SLACK_BOT_TOKEN)."""
    client_id, secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    key, redirect = get("CAREBOT_TOKEN_KEY"), get("SLACK_REDIRECT_URI")
    allowed = _teams(get("CAREBOT_ALLOWED_WORKSPACES"))
    if client_id is None and secret is None:
        if key is not None or redirect is not None:
            named = "CAREBOT_TOKEN_KEY" if key is not None else "SLACK_REDIRECT_URI"
            raise OAuthConfigError(
                f"{named} is set but SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not: set all "
                "three to serve many workspaces, or neither for one (README: Connecting a real "
                "workspace)"
            )
        return None
    values = {"SLACK_CLIENT_ID": client_id, "SLACK_CLIENT_SECRET": secret, "CAREBOT_TOKEN_KEY": key}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise OAuthConfigError(
            f"many workspaces need {', '.join(OAUTH_NEEDS)}; {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set"
            + (f" (make a key with: {KEY_EXAMPLE})" if "CAREBOT_TOKEN_KEY" in missing else "")
        )
    if bot_token is not None:
        raise OAuthConfigError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: SLACK_BOT_TOKEN is one workspace, "
            "SLACK_CLIENT_ID many (each install brings its own token); unset one of them"
        )
    if not (client_id or "").replace(".", "").isdigit():
        raise OAuthConfigError(
            f"SLACK_CLIENT_ID {client_id!r} should be the app's Client ID from Basic Information, "
            "digits with a dot, like 1234567890.1234567890"
        )
    from bot.runtime.installations import TokenCipher, TokenKeyError  # only with many workspaces

    try:
        TokenCipher(key or "")
    except TokenKeyError as problem:
        raise OAuthConfigError(str(problem)) from None
    if redirect is not None:
        parts = urlsplit(redirect)
        if parts.scheme != "https" or not parts.hostname or not parts.path.endswith(REDIRECT_PATH):
            raise OAuthConfigError(
                f"SLACK_REDIRECT_URI {redirect!r} should be the https:// address of carebot's "
                f"{REDIRECT_PATH}; example: https://carebot.example.org{REDIRECT_PATH}"
            )
    return OAuthConfig(str(client_id), str(secret), str(key), redirect, allowed)


def _teams(value: str | None) -> frozenset[str]:
    """ "T012AB3CD, T045EF6GH" -> those workspace ids."""
    ids = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not all(re.fullmatch(r"T[A-Z0-9]{2,31}", team) for team in ids):
        raise OAuthConfigError(
            f"CAREBOT_ALLOWED_WORKSPACES {value!r} should list workspace ids, e.g. "
            "T012AB3CD,T045EF6GH (in Slack: the workspace's URL in a browser shows it)"
        )
    return frozenset(ids)


def authorize_url(slack_api_url: str) -> str:
    """Slack's "Allow" page, beside its Web API: https://slack.com/oauth/v2/authorize."""
    base = slack_api_url.rstrip("/").removesuffix("/api")
    return f"{base}/oauth/v2/authorize"
