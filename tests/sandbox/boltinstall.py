"""Bolt's own OAuth flow (`slack_bolt.oauth.OAuthFlow`) served over HTTP, against the stand-in.

The two GET routes a Bolt app serves for installs, `/slack/install` and
`/slack/oauth_redirect`, handed to a real `OAuthFlow` as Bolt's adapters hand them,
with file stores in a temporary folder.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore

from bot.sandbox.standin import OAuthApp, SlackStandIn


class BoltInstaller:
    """A Bolt app's install endpoints on 127.0.0.1, its installations kept in `store`."""

    def __init__(
        self,
        standin: SlackStandIn,
        app: OAuthApp,
        folder: Path,
        *,
        to_standin: bool = True,
        with_redirect_uri: bool = True,
        page: bool = True,
    ) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.store = FileInstallationStore(
            base_dir=str(folder / "installs"), client_id=app.client_id
        )
        settings = OAuthSettings(
            client_id=app.client_id,
            client_secret=app.client_secret,
            scopes=["chat:write", "commands"],
            redirect_uri=self.url + "/slack/oauth_redirect" if with_redirect_uri else None,
            install_page_rendering_enabled=page,
            authorization_url=standin.authorize_url if to_standin else None,
            installation_store=self.store,
            state_store=FileOAuthStateStore(
                expiration_seconds=600, base_dir=str(folder / "states"), client_id=app.client_id
            ),
        )
        self.flow = OAuthFlow(client=WebClient(base_url=standin.api_url), settings=settings)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> BoltInstaller:
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, query: str, headers: dict[str, str]) -> BoltResponse:
        request = BoltRequest(body="", query=query, headers=headers)
        if path == self.flow.install_path:
            return self.flow.handle_installation(request)
        if path == self.flow.redirect_uri_path:
            return self.flow.handle_callback(request)
        return BoltResponse(status=404, body="not found")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        installer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = installer._answer(path, query, headers)
                body = answer.body.encode()
                self.send_response(answer.status)
                for name, values in answer.headers.items():
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
