"""The stand-in's Socket Mode, as an app on the other end of the WebSocket sees it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.sandbox.driver import DriverError, SlackDriver
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.standin_envelopes import ACK_DEADLINE
from tests.sandbox.conftest import FakeMonotonic

Answer = Callable[[dict[str, Any]], dict[str, Any] | None]


def open_url(standin: SlackStandIn, token: str | None = None) -> str:
    client = WebClient(base_url=standin.api_url)
    return str(client.apps_connections_open(app_token=token or standin.app_token)["url"])


class SocketApp:
    """A Socket Mode app in a thread: keeps every message and acks envelopes as told.

    `answer` gives an envelope's ack payload (None: a bare ack); with `acking` off the
    app hears envelopes and never acks them.
    """

    def __init__(self, standin: SlackStandIn, answer: Answer | None = None) -> None:
        self.standin = standin
        self.answer = answer or (lambda envelope: None)
        self.acking = True
        self.messages: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self._arrived = threading.Condition()
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(connect(open_url(standin)))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                message = json.loads(raw)
                with self._arrived:
                    self.messages.append(message)
                    self._arrived.notify_all()
                if "envelope_id" in message and self.acking:
                    ack: dict[str, Any] = {"envelope_id": message["envelope_id"]}
                    payload = self.answer(message)
                    if payload is not None:
                        ack["payload"] = payload
                    self.ws.send(json.dumps(ack))
        except ConnectionClosed:
            pass
        self.closed_with = self.ws.protocol.close_code
        with self._arrived:
            self._arrived.notify_all()

    def wait_for(self, count: int, kind: str | None = None) -> list[dict[str, Any]]:
        """The first `count` messages (of a type), once that many have arrived."""

        def seen() -> list[dict[str, Any]]:
            return [m for m in self.messages if kind is None or m["type"] == kind]

        with self._arrived:
            assert self._arrived.wait_for(lambda: len(seen()) >= count, timeout=10), seen()
            return seen()[:count]

    def wait_closed(self) -> int | None:
        self._reader.join(timeout=5)
        return self.closed_with

    def close(self) -> None:
        self._stack.close()
        self._reader.join(timeout=5)


@pytest.fixture
def apps(standin: SlackStandIn) -> Iterator[Callable[..., SocketApp]]:
    opened: list[SocketApp] = []

    def open_app(answer: Answer | None = None) -> SocketApp:
        opened.append(SocketApp(standin, answer))
        return opened[-1]

    yield open_app
    for app in opened:
        app.close()


@pytest.fixture
def people(standin: SlackStandIn) -> SlackDriver:
    """The driver, reaching the app over Socket Mode."""
    return SlackDriver(standin, None, timeout=5)


def retried_until(app: SocketApp, clock: FakeMonotonic, count: int) -> list[dict[str, Any]]:
    """Move Slack's clock past the ack deadline until `count` envelopes have arrived."""
    deadline = time.monotonic() + 5
    while len(app.messages) - 1 < count and time.monotonic() < deadline:
        clock.advance(ACK_DEADLINE + 0.1)
        time.sleep(0.1)
    return app.wait_for(count, "events_api")


# -- apps.connections.open ----------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "error"),
    [
        pytest.param("bot", "not_allowed_token_type", id="the-bot-token"),
        pytest.param("xapp-1-A0OTHER-1-nope", "invalid_auth", id="an-unknown-app-token"),
        pytest.param("", "not_authed", id="no-token"),
    ],
)
def test_apps_connections_open_takes_only_the_app_level_token(
    standin: SlackStandIn, token: str, error: str
) -> None:
    client = WebClient(base_url=standin.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.apps_connections_open(app_token=standin.bot_token if token == "bot" else token)

    assert refused.value.response["error"] == error
    assert standin.socket_mode.opened == 0


def test_an_app_token_without_connections_write_is_missing_a_scope(manifest: Any) -> None:
    with (
        SlackStandIn(manifest=manifest, app_scopes=()) as standin,
        pytest.raises(SlackApiError) as refused,
    ):
        open_url(standin)

    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "connections:write"


def test_the_app_token_does_not_work_for_the_bots_methods(standin: SlackStandIn) -> None:
    client = WebClient(token=standin.app_token, base_url=standin.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0CARDIO1", text="hello")

    assert refused.value.response["error"] == "not_allowed_token_type"
    assert standin.messages("C0CARDIO1") == []


def test_a_connection_hears_hello_and_its_url_works_once(standin: SlackStandIn) -> None:
    url = open_url(standin)
    assert url.startswith("ws://127.0.0.1:") and "ticket=" in url

    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
        with pytest.raises(InvalidStatus) as refused, connect(url):
            pass

    assert hello == {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {
            "host": "applink-sandbox-1",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": "A0CAREBOT"},
    }
    assert refused.value.response.status_code == 401


# -- envelopes and acks -----------------------------------------------------------------


def test_a_slash_command_is_an_envelope_whose_ack_payload_is_the_reply(
    standin: SlackStandIn, apps: Callable[..., SocketApp], people: SlackDriver
) -> None:
    app = apps(lambda envelope: {"text": f"you typed {envelope['payload']['text']}"})

    ack = people.command("/appt", "list")

    [envelope] = app.wait_for(1, "slash_commands")
    assert envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in envelope
    payload = envelope["payload"]
    assert (payload["command"], payload["text"], payload["user_id"]) == (
        "/appt",
        "list",
        "U0COORD01",
    )
    assert payload["response_url"].startswith(standin.base_url)
    assert ack.ok and ack.body == {"text": "you typed list"} and not ack.late
    assert people.last_reply().text == "you typed list"
    assert people.last_reply().ephemeral


def test_a_bare_ack_shows_nothing(apps: Callable[..., SocketApp], people: SlackDriver) -> None:
    apps()

    ack = people.command("/appt", "list")

    assert ack.ok and ack.body == ""
    with pytest.raises(DriverError):
        people.last_reply()


def test_a_submission_acked_with_errors_shows_them_and_then_closes_when_acked_bare(
    standin: SlackStandIn, apps: Callable[..., SocketApp], people: SlackDriver
) -> None:
    bot = WebClient(token=standin.bot_token, base_url=standin.api_url)
    field = {
        "type": "input",
        "block_id": "when",
        "label": {"type": "plain_text", "text": "When"},
        "element": {"type": "plain_text_input", "action_id": "when"},
    }
    modal = {
        "type": "modal",
        "callback_id": "book",
        "title": {"type": "plain_text", "text": "Book"},
        "submit": {"type": "plain_text", "text": "Book"},
        "blocks": [field],
    }

    def answer(envelope: dict[str, Any]) -> dict[str, Any] | None:
        payload = envelope["payload"]
        if envelope["type"] == "slash_commands":
            bot.views_open(trigger_id=payload["trigger_id"], view=modal)
            return None
        typed = payload["view"]["state"]["values"]["when"]["when"]["value"]
        if typed == "blorp":
            return {"response_action": "errors", "errors": {"when": "Try: tomorrow 3pm"}}
        return None

    app = apps(answer)
    people.command("/appt")

    people.submit({"When": "blorp"})
    assert people.errors == {"when": "Try: tomorrow 3pm"} and people.modal is not None
    people.submit({"When": "tomorrow 3pm"})
    assert people.errors == {} and people.modal is None

    [first, _] = app.wait_for(2, "interactive")
    assert first["payload"]["type"] == "view_submission"
    assert first["accepts_response_payload"] is True


def test_a_click_is_an_interactive_envelope_without_a_response_payload(
    standin: SlackStandIn, apps: Callable[..., SocketApp], people: SlackDriver
) -> None:
    bot = WebClient(token=standin.bot_token, base_url=standin.api_url)
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    bot.chat_postMessage(
        channel="C0CARDIO1", text="Go?", blocks=[{"type": "actions", "elements": [button]}]
    )
    app = apps()

    assert people.click("Go").ok

    [click] = app.wait_for(1, "interactive")
    assert click["payload"]["type"] == "block_actions"
    assert click["accepts_response_payload"] is False


def test_an_event_says_which_attempt_it_is(
    apps: Callable[..., SocketApp], people: SlackDriver
) -> None:
    app = apps()

    people.in_dm().message("hello")
    people.resend(retry_num=2, reason="timeout")

    first, again = app.wait_for(2, "events_api")
    assert first["payload"]["type"] == "event_callback"
    assert first["payload"]["event"]["text"] == "hello"
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (again["retry_attempt"], again["retry_reason"]) == (2, "timeout")
    assert again["payload"]["event_id"] == first["payload"]["event_id"]
    assert first["accepts_response_payload"] is False


# -- Slack's timer ----------------------------------------------------------------------


def test_an_unacked_event_is_sent_again_three_times_then_given_up(
    standin: SlackStandIn, apps: Callable[..., SocketApp], clock: FakeMonotonic
) -> None:
    app = apps()
    app.acking = False

    delivery = standin.socket_mode.deliver("events_api", {"type": "event_callback"})

    attempts = retried_until(app, clock, 4)
    assert [(e["retry_attempt"], e["retry_reason"]) for e in attempts] == [
        (0, ""),
        (1, "timeout"),
        (2, "timeout"),
        (3, "timeout"),
    ]
    assert len({e["envelope_id"] for e in attempts}) == 4
    clock.advance(ACK_DEADLINE + 0.1)
    time.sleep(0.2)
    assert delivery.given_up and len(app.messages) == 1 + 4


def test_an_event_acked_on_a_retry_is_not_sent_again(
    standin: SlackStandIn, apps: Callable[..., SocketApp], clock: FakeMonotonic
) -> None:
    app = apps()
    app.acking = False
    delivery = standin.socket_mode.deliver("events_api", {"type": "event_callback"})
    app.wait_for(1, "events_api")
    app.acking = True

    retried_until(app, clock, 2)

    assert delivery.wait(5) and delivery.ack is not None
    clock.advance(10 * ACK_DEADLINE)
    time.sleep(0.2)
    assert len(app.wait_for(2, "events_api")) == 2 and len(delivery.attempts) == 2


def test_a_command_not_acked_in_time_is_not_sent_again(
    standin: SlackStandIn, apps: Callable[..., SocketApp], clock: FakeMonotonic
) -> None:
    app = apps()
    app.acking = False

    delivery = standin.socket_mode.deliver("slash_commands", {"command": "/appt", "text": ""})
    app.wait_for(1, "slash_commands")
    clock.advance(ACK_DEADLINE + 0.1)
    time.sleep(0.2)

    assert delivery.given_up and len(delivery.attempts) == 1


def test_an_ack_on_another_connection_does_not_count(
    standin: SlackStandIn, apps: Callable[..., SocketApp]
) -> None:
    first = apps()
    first.acking = False
    delivery = standin.socket_mode.deliver("events_api", {"type": "event_callback"})
    [envelope] = first.wait_for(1, "events_api")
    second = apps()
    second.wait_for(1, "hello")

    second.ws.send(json.dumps({"envelope_id": envelope["envelope_id"]}))
    first.ws.send(json.dumps({"envelope_id": "not-an-envelope"}))
    time.sleep(0.2)

    assert delivery.ack is None
    assert standin.socket_mode.unreadable == ['{"envelope_id": "not-an-envelope"}']


# -- disconnects and drops ----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_disconnect_asks_for_a_new_connection_and_nothing_more_comes_on_the_old_one(
    standin: SlackStandIn, apps: Callable[..., SocketApp], reason: str
) -> None:
    old = apps()
    old.wait_for(1, "hello")

    standin.socket_mode.disconnect(reason)
    [told] = old.wait_for(1, "disconnect")
    waiting = standin.socket_mode.deliver("events_api", {"type": "event_callback"})
    time.sleep(0.2)
    assert waiting.attempts == []
    new = apps()

    assert told == {
        "type": "disconnect",
        "reason": reason,
        "debug_info": {"host": "applink-sandbox-1"},
    }
    [hello] = new.wait_for(1, "hello")
    assert hello["num_connections"] == 2  # the old one is still open until the app closes it
    assert len(new.wait_for(1, "events_api")) == 1
    assert waiting.wait(5)
    assert [m["type"] for m in old.messages] == ["hello", "disconnect"]


def test_slack_closing_a_connection_is_a_going_away_close(
    standin: SlackStandIn, apps: Callable[..., SocketApp]
) -> None:
    app = apps()
    app.wait_for(1, "hello")

    standin.socket_mode.close_connections()

    assert app.wait_closed() == 1001
    assert standin.socket_mode.connections == 0


def test_a_dropped_connection_loses_the_ack_of_what_it_carried_last(
    standin: SlackStandIn, apps: Callable[..., SocketApp]
) -> None:
    app = apps()
    app.wait_for(1, "hello")
    standin.socket_mode.drop_next_envelope()

    delivery = standin.socket_mode.deliver("events_api", {"type": "event_callback"})

    app.wait_for(1, "events_api")
    assert app.wait_closed() == 1001
    assert delivery.ack is None  # the app acked it, but on a connection already gone


# -- the driver over Socket Mode --------------------------------------------------------


def test_the_driver_needs_a_connected_app_and_sends_nothing_slack_would_not(
    apps: Callable[..., SocketApp], people: SlackDriver
) -> None:
    with pytest.raises(DriverError, match="no app has connected"):
        people.command("/appt", "list")
    apps()

    with pytest.raises(DriverError, match="only to a request URL"):
        people.url_verification("challenge")
    with pytest.raises(DriverError, match="not signed"), people.sign_with(unsigned=True):
        pass
