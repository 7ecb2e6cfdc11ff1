"""Turns: listeners do their work past the ack a few at a time.

Bolt runs every listener on its own thread, and with many requests in flight dozens of
threads fight over the GIL; each switch is paid for in CPU. Measured on 2 cores with 8
clients, a `/appt list` cost 13.5 ms of CPU against 5.7 ms with one client. So the work a
listener does once it has acked waits for a turn, and `width` listeners work at once:

- a listener takes its turn when it acks, or at its first database unit of work after the
  ack (events are acked by Bolt before the listener starts);
- acks never wait: what a listener does before its ack (a form's checks, whose errors go
  in the ack) takes no turn, and the HTTP threads take none;
- a listener gives its turn back when it waits on Slack (a Web API call through carebot's
  client or the request's, an answer to response_url) and when it ends; its next
  database unit of work takes one again;
- the sweep and the outbox do not take turns.

Turns go first come, first served. A turn not free within `wait_s` is done without: a
holder stuck on something slow (a lock, Slack) delays the others by that much, never
stalls them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from slack_bolt import Ack, BoltResponse
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

T = TypeVar("T")

WIDTH = 1
WAIT_S = 1.0

ACK_WAIT_S = 3.0  # Slack's deadline for an ack, and Bolt's wait for one

# The ack of the request being handled: set by the middleware, carried to the listener's
# thread with the rest of the request's context.
_request_ack: ContextVar[Ack | None] = ContextVar("carebot_request_ack", default=None)
# The same ack, as the dispatching thread will wait for it: taken by the submit of the
# request's listener (see `awaited_ack`), so the listener's own thread never has it.
_awaited: ContextVar[TurnAck | None] = ContextVar("carebot_awaited_ack", default=None)


class Turns:
    """Who may work now: at most `width` listener threads at once."""

    def __init__(
        self,
        width: int = WIDTH,
        wait_s: float = WAIT_S,
        on_late: Callable[[], None] | None = None,
    ) -> None:
        if width < 1:
            raise ValueError(f"turns need a width of at least 1: {width}")
        self.width, self.wait_s, self.on_late = width, wait_s, on_late
        self._lock = threading.Lock()
        self._free = width
        # Who waits, oldest first, each on a gate of its own that a freed turn is handed
        # through: first come, first served, so no listener waits behind later ones (a
        # Semaphore wakes any waiter, and under load some waited past `wait_s`).
        self._waiting: deque[threading.Lock] = deque()
        self._mine = threading.local()

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run one listener on this thread: its work may take a turn, given back at the end."""
        mine = self._mine
        mine.listener, mine.held = True, False
        try:
            return fn(*args, **kwargs)
        finally:
            self.give_back()
            mine.listener = False

    def take(self) -> None:
        """Wait for a turn, on a listener's thread that has none; anywhere else do nothing."""
        mine = self._mine
        if not getattr(mine, "listener", False) or mine.held:
            return
        ack = _request_ack.get()
        if ack is not None and ack.response is None:
            return  # before the ack: what it waits on must not wait for a turn
        with self._lock:
            if self._free:
                self._free -= 1
                mine.held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        if gate.acquire(timeout=self.wait_s):  # a turn was handed over
            mine.held = True
            return
        with self._lock:
            try:
                self._waiting.remove(gate)
            except ValueError:  # handed over just as the wait ran out: it is this one's
                mine.held = True
                return
        if self.on_late is not None:
            self.on_late()

    def give_back(self) -> None:
        """Free this thread's turn, if it holds one (before it waits on Slack, and at the end)."""
        mine = self._mine
        if not getattr(mine, "held", False):
            return
        mine.held = False
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # straight to the oldest waiter
            else:
                self._free += 1

    def holding(self) -> bool:
        return bool(getattr(self._mine, "held", False))

    def ack(self) -> TurnAck:
        """An `ack` for one request: once acked, the listener's work waits for its turn."""
        return TurnAck(self)


def taking_turns(turns: Turns) -> Callable[..., Any]:
    """A Bolt middleware: each request's ack is a TurnAck, and the client Bolt made for it
    gives back the listener's turn while it waits on Slack."""

    def middleware(context: Any, next: Callable[[], Any]) -> Any:
        ack = turns.ack()
        context["ack"] = ack
        given = context.get("client")
        if isinstance(given, WebClient) and not isinstance(given, PacedClient):
            context["client"] = paced(given, turns)
        # Bolt runs middleware one after another, not around the listener: this stays set
        # for the rest of the dispatch (ObservedApp runs each in a context of its own), and
        # the listener's thread gets it with the request's context.
        _request_ack.set(ack)
        _awaited.set(ack)
        return next()

    return middleware


def paced(client: WebClient, turns: Turns) -> PacedClient:
    """The same client (token, Slack's address, retries, timeout), pacing turns."""
    copy = PacedClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )
    copy.turns = turns
    return copy


class PacedClient(WebClient):
    """A WebClient that gives back the calling listener's turn before each call to Slack."""

    turns: Turns | None = None

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        if self.turns is not None:
            self.turns.give_back()
        return super().api_call(api_method, **kwargs)


def awaited_ack() -> TurnAck | None:
    """On the thread dispatching a request, the ack it will answer Slack with, taken once:
    the submit of its listener waits on it (`TurnAck.given`) instead of Bolt's 10 ms poll."""
    ack = _awaited.get()
    if ack is not None:
        _awaited.set(None)
    return ack


class TurnAck(Ack):
    """Bolt's Ack; after the ack is set, the listener (on its own thread) takes a turn.

    `given` is set as soon as there is a response for Slack (the listener's ack, or the
    error Bolt answers with), so the dispatching thread returns it at once."""

    def __init__(self, turns: Turns) -> None:
        self.given = threading.Event()
        super().__init__()  # type: ignore[no-untyped-call]
        self.turns = turns

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        self._response = value
        if value is not None:
            self.given.set()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self.turns.take()
        return response
