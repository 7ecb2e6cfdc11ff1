"""An admin installing the app by OAuth, as a browser does it, against the bot and the stand-in.

The admin opens the bot's install page (Bolt's: a page with an "Add to Slack" link, or a
redirect to it) and keeps its state cookie; follows the link to the stand-in's authorize
page and clicks Allow (or Cancel) for one workspace; and is sent back to the bot's
redirect URL with the code and the state, carrying the cookie. What the bot shows then
is what the admin sees.
"""

from __future__ import annotations

import html
import http.client
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.sandbox.driver_base import DriverBase, DriverError

AUTHORIZE_PATH = "/oauth/v2/authorize"
LINK = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class Installed:
    """How an install went: the last page the admin saw, and the URLs on the way."""

    status: int
    body: str
    authorize_url: str
    callback_url: str | None  # None when the authorize page refused and sent nobody back

    @property
    def ok(self) -> bool:
        """The bot's redirect URL answered 200 (Bolt's "Thank you!" page on success)."""
        return self.callback_url is not None and self.status == 200


@dataclass(frozen=True)
class Page:
    """One HTTP answer the browser got."""

    status: int
    headers: Message
    body: str


class Installing(DriverBase):
    """`install`: the browser dance of an admin adding the app to a workspace."""

    def install(
        self,
        bot_base_url: str,
        *,
        team: str | None = None,
        enterprise: str | None = None,
        installer: str | None = None,
        deny: bool = False,
        install_path: str = "/slack/install",
    ) -> Installed:
        """Install the app into `team` (default: this driver's workspace), or org-wide
        into `enterprise`; `deny` clicks Cancel instead of Allow."""
        start = bot_base_url.rstrip("/") + install_path
        page = browse(start, {}, self.timeout)
        cookies = _cookies(page.headers)
        if page.status in (301, 302, 303, 307, 308):
            authorize = page.headers.get("Location") or ""
        elif page.status == 200:
            authorize = _authorize_link(page.body)
        else:
            raise DriverError(f"{start} answered {page.status}: {page.body[:200]!r}")
        self._check_points_at_standin(start, authorize)
        choices = {"team": team or self.space.team.id}
        if enterprise is not None:
            choices = {"enterprise": enterprise}
        if installer is not None:
            choices["user"] = installer
        if deny:
            choices["deny"] = "1"
        clicked = _with_params(authorize, choices)
        answer = browse(clicked, {}, self.timeout)
        if answer.status != 302:
            return Installed(answer.status, answer.body, clicked, None)
        callback = answer.headers.get("Location") or ""
        same_site = urlsplit(callback).netloc == urlsplit(start).netloc
        jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
        final = browse(callback, {"Cookie": jar} if same_site and jar else {}, self.timeout)
        return Installed(final.status, final.body, clicked, callback)

    def _check_points_at_standin(self, start: str, authorize: str) -> None:
        wanted = urlsplit(self.standin.base_url).netloc
        found = urlsplit(authorize)
        if found.netloc != wanted or found.path != AUTHORIZE_PATH:
            raise DriverError(
                f"{start} sends the admin to {authorize or 'nowhere'!r}, not to the stand-in's "
                f"{self.standin.base_url}{AUTHORIZE_PATH}; set the app's authorization URL to it"
            )


def browse(url: str, headers: Mapping[str, str], timeout: float) -> Page:
    """One GET, as a browser sends it, without following a redirect."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DriverError(f"a browser cannot open {url!r}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=timeout)
    try:
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection.request("GET", target, headers=dict(headers))
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Page(response.status, response.headers, body)
    finally:
        connection.close()


def _authorize_link(page: str) -> str:
    """The "Add to Slack" link on an install page."""
    for link in LINK.findall(page):
        url = html.unescape(link)
        if AUTHORIZE_PATH in url:
            return url
    raise DriverError(f"the install page links to no {AUTHORIZE_PATH} URL: {page[:300]!r}")


def _cookies(headers: Message) -> dict[str, str]:
    """name=value of every Set-Cookie (attributes such as Secure and Path dropped)."""
    found: dict[str, str] = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].strip().partition("=")
        if name:
            found[name] = value
    return found


def _with_params(url: str, params: Mapping[str, str]) -> str:
    """`url` with these query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))
