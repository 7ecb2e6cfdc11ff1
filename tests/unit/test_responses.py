"""Answers to response_url reuse their connection, survive one the server closed, and come
back as Slack said them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.runtime.responses import PooledRespond, ResponsePool


class Hooks(ThreadingHTTPServer):
    """A response_url host: counts connections, keeps what was posted."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.posted: list[dict[str, Any]] = []
        self.status = 200
        self.close_after = False  # answer, then close the connection without saying so

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/actions/T1/1/abc"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Hooks

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_POST(self) -> None:
        close = self.server.close_after  # read first: the test may change it once answered
        length = int(self.headers["Content-Length"])
        self.server.posted.append(json.loads(self.rfile.read(length)))
        body = b"ok" if self.server.status == 200 else b"no_text"
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    server = Hooks()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_answers_reuse_one_connection(hooks: Hooks) -> None:
    pool = ResponsePool()

    for n in range(5):
        answer = PooledRespond(hooks.url, pool)(text=f"answer {n}", replace_original=True)
        assert (answer.status_code, answer.body) == (200, "ok")

    assert hooks.connections == 1
    assert hooks.posted[0] == {"text": "answer 0", "replace_original": True}  # no Nones sent


def test_a_connection_the_server_closed_is_replaced_and_the_answer_still_sent(
    hooks: Hooks,
) -> None:
    pool = ResponsePool()
    hooks.close_after = True
    PooledRespond(hooks.url, pool)("first")
    hooks.close_after = False

    answer = PooledRespond(hooks.url, pool)("second")

    assert answer.status_code == 200
    assert [p["text"] for p in hooks.posted] == ["first", "second"]
    assert hooks.connections == 2


def test_an_idle_connection_is_not_reused(hooks: Hooks) -> None:
    pool = ResponsePool(idle_s=0.0)
    PooledRespond(hooks.url, pool)("first")
    PooledRespond(hooks.url, pool)("second")
    assert hooks.connections == 2


def test_slacks_refusal_comes_back_and_a_dead_host_raises(hooks: Hooks) -> None:
    pool = ResponsePool(timeout=2)
    hooks.status = 404

    answer = PooledRespond(hooks.url, pool)({"text": "late", "response_type": "ephemeral"})

    assert (answer.status_code, answer.body) == (404, "no_text")
    with pytest.raises(OSError):
        PooledRespond("http://127.0.0.1:9/actions/x", pool)("nobody listens")
    with pytest.raises(ValueError, match="http"):
        PooledRespond("file:///etc/passwd", pool)("no")
