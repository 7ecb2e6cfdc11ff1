"""A tiny stand-in for the real bot: verifies Slack's signature and answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import SlackResponse

from bot.sandbox.standin import SlackStandIn


@dataclass
class Received:
    """One request the fake bot got: headers, raw body, and what it carried."""

    headers: dict[str, str]
    body: bytes
    kind: str
    data: dict[str, Any]


Reply = tuple[int, Any]


def as_dict(response: SlackResponse) -> dict[str, Any]:
    """A Web API answer's JSON body."""
    assert isinstance(response.data, dict)
    return response.data


Handler = Callable[[Received], Reply | None]


class FakeBot:
    """Answers Slack's requests with canned replies; handlers may call the Web API."""

    def __init__(self, standin: SlackStandIn, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        self.received: list[Received] = []
        self.failures: list[BaseException] = []
        self.handlers: dict[str, Handler] = {}
        self._work: list[threading.Thread] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/slack/events"

    def start(self) -> FakeBot:
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def on(self, kind: str) -> Callable[[Handler], Handler]:
        """Register a handler for `command:/appt`, `block_actions`, `event:app_mention`, ..."""

        def register(handler: Handler) -> Handler:
            self.handlers[kind] = handler
            return handler

        return register

    def later(self, work: Callable[[], object]) -> None:
        """Do something after the ack, like a Bolt lazy listener."""

        def run() -> None:
            try:
                work()
            except Exception as failure:
                self.failures.append(failure)

        thread = threading.Thread(target=run, daemon=True)
        self._work.append(thread)
        thread.start()

    def settle(self) -> None:
        """Wait for the work started after the last ack."""
        while self._work:
            self._work.pop().join(timeout=5)

    def last(self, kind: str | None = None) -> Received:
        found = [r for r in self.received if kind is None or r.kind == kind]
        return found[-1]

    def _dispatch(self, headers: dict[str, str], body: bytes) -> Reply:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or not self.verifier.is_valid(body, timestamp, signature):
            return 401, {"error": "invalid request"}
        if headers.get("content-type", "").startswith("application/json"):
            data = json.loads(body)
            kind = (
                "url_verification"
                if data["type"] == "url_verification"
                else ("event:" + data["event"]["type"])
            )
        else:
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            if "payload" in form:
                data = json.loads(form["payload"])
                kind = data["type"]
            else:
                data, kind = form, "command:" + form["command"]
        received = Received(headers, body, kind, data)
        self.received.append(received)
        if kind == "url_verification":
            return 200, {"challenge": data["challenge"]}
        handler = self.handlers.get(kind)
        try:
            reply = handler(received) if handler else None
        except Exception as failure:  # surfaced by the fixture after the test
            self.failures.append(failure)
            return 500, "handler failed"
        return reply or (200, "")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, reply = bot._dispatch(headers, body)
                if isinstance(reply, dict):
                    data, kind = json.dumps(reply).encode(), "application/json"
                else:
                    data, kind = str(reply).encode(), "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
