"""One person acting in the sandbox workspace: who, where, and signed requests to the bot.

`DriverBase` holds the actor and the transport; the driver's other mixins (reading,
clicking, modals) and `SlackDriver` build on it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

from bot.sandbox.driver_payloads import sign
from bot.sandbox.driver_socket import NotAnEnvelope, envelope_for, over_socket
from bot.sandbox.seed import Channel, User, Workspace
from bot.sandbox.standin import SlackStandIn

T = TypeVar("T")
ACK_DEADLINE = 3.0


class DriverError(Exception):
    """The scenario asked for something a person could not do in Slack."""


@dataclass(frozen=True)
class Ack:
    """What the bot answered to one request."""

    status: int
    body: Any
    elapsed: float
    delivered: bool = True
    ts: str | None = None

    @property
    def ok(self) -> bool:
        """The bot answered HTTP 200, or acked the envelope in Socket Mode (how fast is
        `late`'s business, and bench/'s)."""
        return self.status == 200

    @property
    def late(self) -> bool:
        """Took over 3 seconds: Slack would have given up, shown an error, ignored the body."""
        return self.elapsed > ACK_DEADLINE


class DriverBase:
    """Who is acting and where, and how their requests reach the bot."""

    def __init__(
        self,
        standin: SlackStandIn,
        bot_url: str | None,
        signing_secret: str = "",
        *,
        settle: Callable[[], None] | None = None,
        timeout: float = 10.0,
        team: str | None = None,
    ) -> None:
        """`bot_url` is carebot's HTTP endpoint; None sends everything over Socket Mode
        instead, to the app connected to the stand-in (nothing is signed then). `team`: act
        in that workspace of the stand-in (default: its first)."""
        if bot_url is not None and not bot_url.startswith(("http://", "https://")):
            raise ValueError(f"bot_url must be an http(s) URL, not {bot_url!r}")
        self.standin = standin
        self.space = standin.space(team) if team is not None else standin.workspace
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.settle = settle or (lambda: None)
        self.timeout = timeout
        self.errors: dict[str, str] = {}
        self.slack_error: dict[str, Any] | None = None
        self._user, self._place = _default_actor(self.space)
        self._secret: str | None = signing_secret
        self._offset = 0.0
        self._last_event: bytes | None = None
        self._events = 0

    # -- who and where --------------------------------------------------------------

    def in_workspace(self, team_id: str) -> Self:
        """A driver for another workspace of the stand-in, with its own default person and
        place; what it sends carries that workspace's team, people and channels."""
        return type(self)(
            self.standin,
            self.bot_url,
            self.signing_secret,
            settle=self.settle,
            timeout=self.timeout,
            team=team_id,
        )

    def _find_user(self, ref: str) -> User:
        user = self.space.find_user(ref)
        if user is None:
            names = ", ".join(f"@{u.name}" for u in self.space.users.values() if not u.is_bot)
            raise DriverError(f"no user {ref!r}; try one of {names}")
        return user

    def as_user(self, ref: str) -> Self:
        """Act as someone else: "dana", "@dana" or "U0COORD01"."""
        self._user = self._find_user(ref)
        return self

    def in_channel(self, ref: str) -> Self:
        """Move to a channel ("#ortho-team" or an id), or "dm" for the bot's DM."""
        if ref.lower() in ("dm", "@carebot", "im"):
            self._place = "dm"
            return self
        channel = self.space.find_channel(ref)
        if channel is None:
            names = ", ".join(f"#{c.name}" for c in self.space.channels.values() if not c.is_im)
            raise DriverError(f"no channel {ref!r}; try one of {names}")
        self._place = channel.id
        return self

    def in_dm(self) -> Self:
        """Move to the current user's DM with the bot."""
        return self.in_channel("dm")

    @property
    def user(self) -> User:
        """Who is acting."""
        return self._user

    @property
    def channel(self) -> Channel:
        """Where they are."""
        if self._place == "dm":
            return self.standin.dm_channel(self._user.id)
        return self.space.channels[self._place]

    def _check_can_speak(self) -> Channel:
        channel = self.channel
        if channel.is_archived:
            raise DriverError(f"#{channel.name} is archived; nobody can post there")
        if self._user.id not in channel.members:
            raise DriverError(f"@{self._user.name} is not a member of #{channel.name}")
        return channel

    # -- signing and sending ------------------------------------------------------

    @contextmanager
    def sign_with(
        self, *, secret: str | None = None, timestamp_offset: float = 0.0, unsigned: bool = False
    ) -> Iterator[None]:
        """Sign requests in this block with another secret, an old timestamp, or not at all."""
        if self.socket_mode:
            raise DriverError("Socket Mode requests are not signed; sign_with is for HTTP")
        saved = (self._secret, self._offset)
        self._secret = None if unsigned else (secret or self.signing_secret)
        self._offset = timestamp_offset
        try:
            yield
        finally:
            self._secret, self._offset = saved

    def _send(self, body: bytes, content_type: str, extra: Mapping[str, str] | None = None) -> Ack:
        ack = self._post(body, content_type, extra)
        self.settle()
        return ack

    @property
    def socket_mode(self) -> bool:
        """Whether requests go as Socket Mode envelopes rather than signed HTTP POSTs."""
        return self.bot_url is None

    def _post(self, body: bytes, content_type: str, extra: Mapping[str, str] | None = None) -> Ack:
        """One request to the bot, without waiting for its after-ack work: a signed POST,
        or in Socket Mode the same request as an envelope, answered by the app's ack."""
        if self.bot_url is None:
            return self._deliver(body, content_type, extra or {})
        headers = {"Content-Type": content_type, **(extra or {})}
        if self._secret is not None:
            timestamp = str(int(time.time() + self._offset))
            headers["X-Slack-Request-Timestamp"] = timestamp
            headers["X-Slack-Signature"] = sign(self._secret, timestamp, body)
        request = urllib.request.Request(  # noqa: S310 - bot_url is checked to be http(s)
            self.bot_url, data=body, headers=headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as failure:
            status, raw, kind = failure.code, failure.read(), failure.headers
        elapsed = time.monotonic() - started
        return Ack(status, _parse_body(raw, kind.get("Content-Type") or ""), elapsed)

    def _deliver(self, body: bytes, content_type: str, extra: Mapping[str, str]) -> Ack:
        if not self.standin.socket_mode.listening:
            raise DriverError("no app has connected to the stand-in over Socket Mode")
        try:
            outgoing = envelope_for(body, content_type, extra)
        except NotAnEnvelope as problem:
            raise DriverError(str(problem)) from None
        status, answer, elapsed = over_socket(self.standin.socket_mode, outgoing, self.timeout)
        return Ack(status, answer, elapsed)

    def _send_form(self, fields: Mapping[str, str]) -> Ack:
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _check_interactive(self) -> None:
        if not self.standin.manifest.interactivity:
            raise DriverError("interactivity is off in app.yaml; Slack would not send this")

    def _send_payload(self, payload: Mapping[str, Any]) -> Ack:
        self._check_interactive()
        return self._send_form({"payload": json.dumps(payload)})


def checked(parse: Callable[..., T], *args: Any) -> T:
    """Run a render-side parser, turning its complaint into a DriverError."""
    try:
        return parse(*args)
    except (LookupError, ValueError) as problem:
        raise DriverError(str(problem)) from problem


def _default_actor(space: Workspace) -> tuple[User, str]:
    """dana in #cardiology-team, or the first person and a channel they share with the bot."""
    people = [u for u in space.users.values() if not u.is_bot and not u.deleted]
    user = space.users.get("U0COORD01") or (people[0] if people else space.bot)
    shared = [
        c.id
        for c in space.channels.values()
        if not c.is_im and {user.id, space.bot_user_id} <= c.members and not c.is_archived
    ]
    place = "C0CARDIO1" if "C0CARDIO1" in shared else (shared[0] if shared else "dm")
    return user, place


def _parse_body(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
