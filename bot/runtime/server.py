"""HTTP mode: Slack's requests on POST /slack/events, GET /healthz and GET /metrics; with
many workspaces, also GET /slack/install and /slack/oauth_redirect (Bolt's OAuth flow).

In Socket Mode, `ops_app` serves only /healthz and /metrics, on `carebot run --metrics-port`.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.runtime import gate
from bot.runtime.metrics import Metrics
from bot.runtime.oauth_config import INSTALL_PATH, REDIRECT_PATH
from bot.shared.rules.failures import describe
from storage import Database

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's payloads are a few kB; the body is read before its signature is checked.
MAX_BODY = 1024 * 1024
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
OAUTH_PATHS = (INSTALL_PATH, REDIRECT_PATH)  # served only with many workspaces


def wsgi_app(
    app: App,
    db: Database,
    signing_secret: str,
    now: Callable[[], float] = time.time,
    *,
    metrics: Metrics | None = None,
) -> WSGIApplication:
    """Route Slack to Bolt, health checks to the database and /metrics to the runtime's
    metrics (when given); everything else is 404.

    Slack's requests pass the gate first: unverified ones get 401, unreadable ones 400,
    before Bolt, any listener or any Slack call sees them.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    ops = ops_app(db, metrics)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            raw = _body(environ)
            if not gate.verified(
                raw,
                environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                environ.get("HTTP_X_SLACK_SIGNATURE"),
                signing_secret,
                now(),
            ):
                log.info("refused a request whose signature does not hold")
                if metrics is not None:
                    metrics.request_refused("signature")
                return _json(start_response, "401 Unauthorized", {"error": "invalid request"})
            problem = gate.unreadable(raw, environ.get("CONTENT_TYPE", ""))
            if problem is not None:
                log.warning("refused a signed request carebot cannot read: %s", problem)
                if metrics is not None:
                    metrics.request_refused("unreadable")
                return _json(start_response, "400 Bad Request", {"error": "bad request"})
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            return slack(environ, start_response)
        if path in OAUTH_PATHS and app.oauth_flow is not None:
            return _install(slack, environ, start_response)
        return ops(environ, start_response)

    return application


def ops_app(db: Database, metrics: Metrics | None) -> WSGIApplication:
    """GET /healthz (the database's status) and GET /metrics; everything else is 404."""

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        reading = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        if path == HEALTH_PATH and reading:
            problem = db.ping()
            if problem is None:
                return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
            # The reason names hosts and roles: it goes to the log, not to whoever asks.
            log.warning("health check: database unavailable: %s", problem)
            body = {"status": "unavailable", "database": "unavailable"}
            return _json(start_response, "503 Service Unavailable", body)
        if path == METRICS_PATH and reading and metrics is not None:
            data, content_type = metrics.exposition(environ.get("HTTP_ACCEPT", ""))
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))]
            )
            return [data]
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def _install(
    slack: SlackRequestHandler, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """An admin's browser on /slack/install or back from Slack on /slack/oauth_redirect (only
    GET; no Slack signature: Slack does not sign these). A failure is a page, not a trace."""
    if environ.get("REQUEST_METHOD") != "GET":  # Bolt's flow answers GET only
        return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
    try:
        return slack(environ, start_response)
    except Exception as error:
        log.error("the install page failed: %s", describe(error))
        text = (
            "<!DOCTYPE html><title>carebot was not installed</title><h1>carebot was not "
            "installed</h1><p>carebot could not answer (its database may be down). Try again "
            f'in a minute: <a href="{INSTALL_PATH}">start the install</a>.</p>'
        ).encode()
        start_response(
            "503 Service Unavailable",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(text)))],
        )
        return [text]


def _body(environ: WSGIEnvironment) -> bytes:
    """The request body, read once (waitress has already refused one over MAX_BODY)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    return bytes(stream.read(min(max(length, 0), MAX_BODY))) if length > 0 else b""


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


class HttpServer:
    """Waitress serving carebot, started in a background thread or in the foreground."""

    def __init__(
        self, application: WSGIApplication, host: str, port: int, threads: int = 16
    ) -> None:
        self._server = create_server(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="carebot",
            clear_untrusted_proxy_headers=True,
            max_request_body_size=MAX_BODY,
        )
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"  # type: ignore[union-attr]

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="carebot-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        if on_ready:
            on_ready(self.url)
        self._server.run()

    def close(self) -> None:
        """Stop serving; a background loop is stopped from inside, never polling a closed socket."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None and self._thread.is_alive():
            try:
                self._server.trigger.pull_trigger(self._close_everything)  # type: ignore[union-attr]
            except OSError:  # the loop's wake-up pipe is already gone: close from here
                self._close_everything()
            self._thread.join(timeout=5)
        else:
            self._close_everything()
        self._server.task_dispatcher.shutdown(timeout=5)

    def _close_everything(self) -> None:
        for channel in list(self._server._map.values()):  # type: ignore[union-attr]
            channel.close()
