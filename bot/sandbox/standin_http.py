"""The stand-in's HTTP side: decoding Web API parameters and routing requests.

`/api/<method>` goes to `SlackStandIn.handle_api`, `/response/<id>` to `handle_response`,
`/upload/<file_id>` to `receive_upload` and `/oauth/v2/authorize` to `handle_authorize`.
"""

from __future__ import annotations

import base64
import binascii
import json
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.standin_records import Result, api_error


class Served(Protocol):
    """What the HTTP side needs of the stand-in (bot.sandbox.standin.SlackStandIn)."""

    internal_errors: list[str]

    def handle_api(
        self, method: str, token: str, params: dict[str, Any]
    ) -> tuple[int, Any, Any]: ...

    def handle_response(self, rid: str, body: Any) -> tuple[int, str]: ...

    def receive_upload(self, file_id: str, data: bytes) -> tuple[int, str]: ...

    def handle_authorize(self, query: str) -> tuple[int, str, dict[str, str]]: ...


JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata")
BAD_JSON: Any = object()  # a JSON field that did not parse; each method picks its error code


def decode_params(query: str, body: bytes, content_type: str) -> Result:
    """Form, query-string or JSON parameters, with JSON-encoded fields decoded."""
    params: Result = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body:
        if "json" in content_type:
            try:
                parsed = json.loads(body)
            except ValueError:
                return {"__invalid__": "invalid_json"}
            if not isinstance(parsed, dict):
                return {"__invalid__": "json_not_object"}
            params.update(parsed)
        else:
            text = body.decode("utf-8", errors="replace")
            params.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
    for name in JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str):
            try:
                params[name] = json.loads(value) if value else None
            except ValueError:
                params[name] = BAD_JSON
    return params


def handler_for(standin: Served) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one stand-in."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # An answer's headers and body go out in two writes: without this, Nagle holds the
        # body until the caller's delayed ACK (40 ms on Linux), which Slack does not do.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def _reply(self, status: int, body: str, content_type: str, extra: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            try:
                self._route()
            except (BrokenPipeError, ConnectionResetError):
                return  # the caller is gone (a test killed the bot): nobody to answer
            except Exception as failure:  # a stand-in bug: answer loudly, keep serving
                standin.internal_errors.append(f"{self.path}: {failure!r}")
                detail = json.dumps(
                    {"ok": False, "error": "standin_internal_error", "detail": repr(failure)}
                )
                self._reply(500, detail, "application/json; charset=utf-8", {})

        def _route(self) -> None:
            url = urlsplit(self.path)
            body = self._body()
            content_type = self.headers.get("Content-Type") or ""
            if url.path.startswith("/api/"):
                self._api(url.path[len("/api/") :], url.query, body, content_type)
            elif url.path.startswith("/response/"):
                try:
                    payload = json.loads(body) if "json" in content_type else _form_payload(body)
                except ValueError:
                    payload = None
                status, text = standin.handle_response(url.path.split("/")[-1], payload)
                self._reply(status, text, "text/plain; charset=utf-8", {})
            elif url.path == "/oauth/v2/authorize":
                status, text, extra = standin.handle_authorize(url.query)
                self._reply(status, text, "text/plain; charset=utf-8", extra)
            elif url.path.startswith("/upload/"):
                status, text = standin.receive_upload(url.path.split("/")[-1], body)
                self._reply(status, text, "text/plain; charset=utf-8", {})
            else:
                self._reply(404, "not found", "text/plain", {})

        def _api(self, method: str, query: str, body: bytes, content_type: str) -> None:
            params = decode_params(query, body, content_type)
            auth = self.headers.get("Authorization") or ""
            token = (
                auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.pop("token", None)
            )
            for name, value in _client_credentials(auth).items():
                params.setdefault(name, value)  # oauth.v2.access: basic auth or form fields
            extra: dict[str, str] = {}
            if "__invalid__" in params:
                status, result = 200, api_error(str(params["__invalid__"]))
            else:
                status, result, extra = standin.handle_api(method, token, params)
            self._reply(status, json.dumps(result), "application/json; charset=utf-8", extra)

    return Handler


def _form_payload(body: bytes) -> Any:
    fields = parse_qs(body.decode("utf-8", errors="replace"))
    if "payload" in fields:
        return json.loads(fields["payload"][-1])
    return {k: v[-1] for k, v in fields.items()} or None


def _client_credentials(auth: str) -> dict[str, str]:
    """client_id and client_secret from an `Authorization: Basic …` header, if there is one."""
    if not auth.startswith("Basic "):
        return {}
    try:
        decoded = base64.b64decode(auth[len("Basic ") :], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, colon, secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": secret} if colon else {}
