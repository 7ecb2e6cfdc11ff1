"""Socket Mode as Slack speaks it: a WebSocket the app dials, and envelopes it acks in 3 s.

`apps.connections.open`, called with the app-level token (`xapp-`, scope
`connections:write`), hands out a one-time `ws://` URL of a WebSocket server the
stand-in runs (the `websockets` package's threaded server). A connection first hears
`hello`; then every slash command, interaction and event reaches the app as an envelope
(`slash_commands`, `interactive`, `events_api`) with an `envelope_id`, which the app acks
with `{"envelope_id": ...}` and, where Slack accepts one, a `payload` (a command's
immediate reply, a submission's `response_action`). An `events_api` envelope not acked
within 3 s goes out again, up to three times, with `retry_attempt` counting up and
`retry_reason: "timeout"`. An ack counts only on the connection its envelope went out on:
once that connection has dropped, Slack retries instead. `disconnect` asks the app to
open a new connection through `apps.connections.open`; Slack sends nothing more on the
old one.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.sandbox.standin_envelopes import (
    ACK_DEADLINE,
    MAX_RETRIES,
    Delivery,
    Envelope,
    accepts_response_payload,
)

DISCONNECT_REASONS = ("refresh_requested", "warning", "link_disabled")
HOST_NAME = "applink-sandbox-1"  # debug_info.host, as Slack names its link servers
CONNECTION_SECONDS = 18060  # debug_info.approximate_connection_time, as Slack reports it


@dataclass
class Link:
    """One WebSocket connection the app opened."""

    id: int
    connection: ServerConnection
    retiring: bool = False  # told to disconnect: Slack sends nothing more on it
    lost: bool = False  # dropped: nothing the app sends on it reaches Slack


class SocketModeServer:
    """The stand-in's Socket Mode endpoint: started on the first apps.connections.open."""

    def __init__(
        self,
        app_id: str,
        *,
        host: str = "127.0.0.1",
        monotonic: Callable[[], float] = time.monotonic,
        ack_deadline: float = ACK_DEADLINE,
    ) -> None:
        self.app_id = app_id
        self.ack_deadline = ack_deadline
        self.monotonic = monotonic
        self.unreadable: list[str] = []  # what the app sent that is not an ack Slack knows
        self._host = host
        self._lock = threading.Condition(threading.RLock())
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._tickets: set[str] = set()
        self._links: dict[int, Link] = {}
        self._next_link = 0
        self._opened = 0
        self._deliveries: list[Delivery] = []
        self._pending: list[Delivery] = []
        self._sent: dict[str, tuple[Delivery, Envelope]] = {}
        self._drop_next = False

    # -- what the stand-in and tests use ---------------------------------------------

    def open_url(self) -> str:
        """A one-time WebSocket URL for apps.connections.open, starting the server if needed."""
        server = self._start()
        host, port = server.socket.getsockname()[:2]
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{host}:{port}/link/?ticket={ticket}&app_id={self.app_id}"

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Delivery:
        """Send the app an envelope now, or as soon as a connection is open."""
        delivery = Delivery(
            kind, payload, accepts_response_payload(kind, payload), retry_attempt, retry_reason
        )
        with self._lock:
            self._deliveries.append(delivery)
            self._pending.append(delivery)
        self._dispatch()
        return delivery

    def deliveries(self, kind: str | None = None) -> list[Delivery]:
        """Every delivery so far, oldest first."""
        with self._lock:
            return [d for d in self._deliveries if kind is None or d.type == kind]

    @property
    def listening(self) -> bool:
        """Whether an app has asked for a connection (apps.connections.open) yet."""
        with self._lock:
            return self._server is not None

    @property
    def connections(self) -> int:
        """How many connections are open now."""
        with self._lock:
            return len(self._links)

    @property
    def opened(self) -> int:
        """How many connections have been opened (and greeted) so far."""
        with self._lock:
            return self._opened

    def wait_opened(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until `count` connections have been opened in all; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._opened >= count, timeout)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to reconnect, as Slack does before it closes one."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"Slack's disconnect reasons are {DISCONNECT_REASONS}, not {reason!r}")
        with self._lock:
            links = [link for link in self._links.values() if not link.retiring]
            for link in links:
                link.retiring = True
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": _debug()})
        for link in links:
            _send(link, message)

    def close_connections(self, code: int = 1001, reason: str = "") -> None:
        """Close every open connection from Slack's side (1001: going away)."""
        with self._lock:
            links = list(self._links.values())
        for link in links:
            link.connection.close(code, reason)
        with self._lock:  # until each connection's handler has finished with it
            self._lock.wait_for(lambda: not any(link.id in self._links for link in links), 5)

    def drop_next_envelope(self) -> None:
        """The connection drops just after the next envelope goes out: its ack is lost."""
        with self._lock:
            self._drop_next = True

    def stop(self) -> None:
        """Close every connection and stop listening."""
        self._stopping.set()
        server, self._server = self._server, None
        self.close_connections()
        if server is not None:
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    # -- the server --------------------------------------------------------------------

    def _start(self) -> Server:
        with self._lock:
            if self._server is not None:
                return self._server
            self._stopping.clear()
            server = serve(
                self._serve,
                self._host,
                0,
                process_request=self._check_ticket,
                compression=None,
                close_timeout=2,
            )
            self._server = server
            self._threads = [
                threading.Thread(target=server.serve_forever, name="slack-socket", daemon=True),
                threading.Thread(target=self._retry_loop, name="slack-socket-retry", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
            return server

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Each URL works once, as apps.connections.open's tickets do."""
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        with self._lock:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        # Greeted and counted in one step: nothing (an envelope, a disconnect) goes out on a
        # connection before its hello, and whoever has seen the hello finds it open.
        with self._lock:
            self._next_link += 1
            link = Link(self._next_link, connection)
            hello = {
                "type": "hello",
                "num_connections": 1 + len(self._links),
                "debug_info": {
                    **_debug(),
                    "build_number": 1,
                    "approximate_connection_time": CONNECTION_SECONDS,
                },
                "connection_info": {"app_id": self.app_id},
            }
            if not _send(link, json.dumps(hello)):
                return
            self._links[link.id] = link
            self._opened += 1
            self._lock.notify_all()
        self._dispatch()
        try:
            for raw in connection:
                self._receive(link, raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._links.pop(link.id, None)
                self._lock.notify_all()

    def _receive(self, link: Link, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        with self._lock:
            if link.lost:
                return
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            found = self._sent.get(envelope_id) if isinstance(envelope_id, str) else None
            if found is None or not isinstance(message, dict):
                self.unreadable.append(raw[:500])
                return
            delivery, envelope = found
            if envelope.link != link.id or delivery.ack is not None:
                return  # an ack on another connection does not count: Slack retries instead
            delivery.ack, delivery.acked_at = message, self.monotonic()
            delivery.acked.set()
            self._lock.notify_all()

    def _current(self) -> Link | None:
        """Where new envelopes go: the newest connection not told to go and not dropped."""
        usable = [link for link in self._links.values() if not link.retiring and not link.lost]
        return max(usable, key=lambda link: link.id, default=None)

    def _dispatch(self) -> None:
        """Send what is pending on the current connection (nothing while none is open)."""
        with self._lock:
            link = self._current()
            if link is None or not self._pending:
                return
            batch, self._pending = self._pending, []
            sends = []
            for delivery in batch:
                envelope = delivery.attempt(link.id, self.monotonic())
                self._sent[envelope.id] = (delivery, envelope)
                sends.append(json.dumps(delivery.message(envelope)))
            drop, self._drop_next = self._drop_next, False
            link.lost = link.lost or drop
        for message in sends:
            _send(link, message)
        if drop:
            link.connection.close(1001, "")

    def _retry_loop(self) -> None:
        """Slack's timer: an events_api envelope unacked after 3 s goes out again."""
        while not self._stopping.wait(0.05):
            with self._lock:
                now = self.monotonic()
                for delivery in self._deliveries:
                    if delivery in self._pending or not delivery.overdue(now, self.ack_deadline):
                        continue
                    if delivery.type == "events_api" and len(delivery.attempts) <= MAX_RETRIES:
                        self._pending.append(delivery)
                    else:
                        delivery.given_up = True
            self._dispatch()


def _debug() -> dict[str, Any]:
    return {"host": HOST_NAME}


def _send(link: Link, message: str) -> bool:
    """Send on a connection; False when it has closed meanwhile (the envelope is lost)."""
    try:
        link.connection.send(message)
    except ConnectionClosed:
        return False
    return True
