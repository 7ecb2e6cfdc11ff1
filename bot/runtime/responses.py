"""Answers to response_url over kept-alive connections.

Bolt's `respond()` opens a new connection (a TCP and, against Slack, a TLS handshake) for
every answer. Here every listener's `respond` posts through one pool of connections per
host, kept open between answers. A connection idle longer than `IDLE_S` is closed rather
than reused, and a kept one the server closed meanwhile is replaced once, so an answer is
not lost to a stale connection.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.context.respond import Respond
from slack_sdk.webhook import WebhookResponse

log = logging.getLogger(__name__)

IDLE_S = 2.0
PER_HOST = 8
TIMEOUT_S = 10.0
# What a kept-alive connection the server has since closed looks like on its next use.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

Connection = http.client.HTTPConnection
Key = tuple[str, str, int]


class ResponsePool:
    """Kept-alive connections to response_url hosts, shared by every listener thread."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_S,
        idle_s: float = IDLE_S,
        before_wait: Callable[[], None] | None = None,
    ) -> None:
        """`before_wait` is called before each post waits on the network."""
        self.timeout, self.idle_s, self.before_wait = timeout, idle_s, before_wait
        self._idle: dict[Key, list[tuple[float, Connection]]] = {}
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context()

    def post(self, url: str, message: dict[str, Any]) -> WebhookResponse:
        """POST a message as JSON; Slack's answer (any status) comes back, a network failure
        raises OSError as Bolt's own respond() would."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a response_url is an http(s) URL")
        secure = parts.scheme == "https"
        key = (parts.scheme, parts.hostname, parts.port or (443 if secure else 80))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(message).encode()
        headers = {"Content-Type": "application/json;charset=utf-8"}
        if self.before_wait is not None:
            self.before_wait()
        connection, reused = self._take(key)
        try:
            status, text, answer_headers = _send_or_close(connection, path, body, headers)
        except _STALE:
            if not reused:
                raise
            connection = self._open(key)  # the server closed it while it waited: once more
            status, text, answer_headers = _send_or_close(connection, path, body, headers)
        self._give_back(key, connection)
        return WebhookResponse(url=url, status_code=status, body=text, headers=answer_headers)

    def _take(self, key: Key) -> tuple[Connection, bool]:
        now = time.monotonic()
        with self._lock:
            kept = self._idle.get(key, [])
            while kept:
                since, connection = kept.pop()
                if now - since <= self.idle_s:
                    return connection, True
                connection.close()
        return self._open(key), False

    def _open(self, key: Key) -> Connection:
        scheme, host, port = key
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _give_back(self, key: Key, connection: Connection) -> None:
        with self._lock:
            kept = self._idle.setdefault(key, [])
            if len(kept) < PER_HOST:
                kept.append((time.monotonic(), connection))
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            kept, self._idle = self._idle, {}
        for connections in kept.values():
            for _, connection in connections:
                connection.close()


def _send_or_close(
    connection: Connection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str, dict[str, list[str]]]:
    """Slack's answer to one post; a connection that failed is closed, never kept."""
    try:
        return _send(connection, path, body, headers)
    except BaseException:
        connection.close()
        raise


def _send(
    connection: Connection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str, dict[str, list[str]]]:
    connection.request("POST", path, body, headers)
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", errors="replace")
    found: dict[str, list[str]] = {}
    for name, value in answer.getheaders():
        found.setdefault(name.lower(), []).append(value)
    if answer.will_close:
        connection.close()  # the pool opens it again next time
    return answer.status, text, found


class PooledRespond(Respond):
    """Bolt's respond(), same arguments and answer, over the pool's connections."""

    def __init__(self, response_url: str, pool: ResponsePool) -> None:
        super().__init__(response_url=response_url)
        self.pool = pool

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any]] | None = None,
        attachments: Sequence[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            return self.pool.post(str(self.response_url), _message(**text))
        message = _message(
            text=text,
            blocks=blocks,
            attachments=attachments,
            response_type=response_type,
            replace_original=replace_original,
            delete_original=delete_original,
            unfurl_links=unfurl_links,
            unfurl_media=unfurl_media,
            thread_ts=thread_ts,
            metadata=metadata,
        )
        return self.pool.post(str(self.response_url), message)


def _message(**given: Any) -> dict[str, Any]:
    """What Slack reads from a response_url post: the fields given, none of the Nones."""
    return {name: value for name, value in given.items() if value is not None}


def pooled_respond(pool: ResponsePool) -> Callable[..., Any]:
    """A Bolt middleware giving every listener with a response_url the pooled respond()."""

    def middleware(context: Any, next: Callable[[], Any]) -> Any:
        url = context.get("response_url")
        if url:
            context["respond"] = PooledRespond(url, pool)
        return next()

    return middleware
