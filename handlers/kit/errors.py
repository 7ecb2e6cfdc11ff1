"""One error handler: a short apology with a reference for the user, a log line without PHI."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.listener.custom_listener import CustomListener
from slack_sdk.errors import SlackApiError

from bot.shared import request_context
from bot.shared.rules.failures import describe
from bot.shared.rules.refusals import Refused
from handlers.kit import refusals, slack_trouble

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient


log = logging.getLogger("carebot.errors")


# Told of each listener that failed (a refusal is not a failure): the runtime counts them.
Failed = Callable[[BaseException], None]


def register(app: App, failed: Failed) -> None:
    def on_listener_error(
        error: Exception,
        body: dict[str, Any],
        context: Any,
        client: WebClient,
        respond: Respond | None,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        return on_error(error, body, context, client, respond, response, failed=failed)

    app.error(on_listener_error)


# What a guarded listener needs from Bolt to apologise, whatever its own arguments are.
_FOR_APOLOGY = ("ack", "body", "context", "client", "respond")


def guard_listeners(app: App, failed: Failed) -> None:
    """Handle a listener's failure after its ack here, not in Bolt.

    When a listener raises after ack(), Bolt's runner sets the ack's response back to
    None; if that happens before Bolt's request thread has seen the ack (it looks every
    10 ms), Slack gets a 404 after 3 s on top of the failure. So a listener that has
    acknowledged keeps its ack and the apology goes out from here.
    """
    for listener in app._listeners:  # Bolt keeps no public list of registered listeners
        if not isinstance(listener, CustomListener) or getattr(
            listener.ack_function, "_guarded", False
        ):
            continue
        wanted = list(listener.arg_names)
        listener.ack_function = _guarded(listener.ack_function, wanted, failed)
        listener.arg_names = list(dict.fromkeys([*wanted, *_FOR_APOLOGY]))


def _guarded(function: Callable[..., Any], wanted: list[str], failed: Failed) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(**given: Any) -> Any:
        try:
            return function(**{name: given[name] for name in wanted if name in given})
        except Exception as error:
            ack = given.get("ack")
            if ack is None or ack.response is None:
                raise  # nothing answered yet: Bolt's error path answers Slack
            on_error(
                error,
                given.get("body") or {},
                given["context"],
                given["client"],
                given.get("respond"),
                None,
                ack,
                failed=failed,
            )
            return None

    run._guarded = True  # type: ignore[attr-defined]
    return run


def apology(reference: str) -> str:
    return (
        ":warning: Sorry, something went wrong on carebot's side and your request did not finish. "
        f"Please try again; if it keeps happening, give your admin this reference: `{reference}`."
    )


def on_error(
    error: Exception,
    body: dict[str, Any],
    context: Any,
    client: WebClient,
    respond: Respond | None,
    response: BoltResponse | None,
    ack: Ack | None = None,
    *,
    failed: Failed | None = None,
) -> BoltResponse | None:
    if isinstance(error, Refused):
        return _refuse(error, body, context, client, respond, response, ack)
    reference = "E-" + uuid.uuid4().hex[:8]
    request_context.settle(request_context.ERROR)
    if failed is not None:
        failed(error)
    # Slack stopping a request is said as Slack said it, and logged as Slack's, not ours.
    said = slack_trouble.told(error) if isinstance(error, SlackApiError) else None
    log.log(
        logging.WARNING if said else logging.ERROR,
        "request failed ref=%s kind=%s team=%s user=%s error=%s",
        reference,
        body.get("type") or ("slash_command" if "command" in body else "unknown"),
        context.team_id,
        context.user_id,
        describe(error),
    )
    # Events are acknowledged before their listener runs; a failure before that (in a
    # middleware) has answered nothing yet, and its response is still ours to set.
    acked = response is None or (ack is not None and ack.response is not None)
    if not acked and body.get("type") == "event_callback":
        return BoltResponse(status=500, body="")  # not handled: Slack delivers it again later
    if body.get("type") == "view_submission" and not acked:
        # Push the apology over the form, so closing it gives the user back what they typed.
        return BoltResponse(
            status=200, body={"response_action": "push", "view": _apology_view(reference, said)}
        )
    try:
        _tell_user(body, context, client, respond, said or apology(reference))
    except Exception as failure:  # the apology is best effort; the log line above is the record
        log.warning("could not send the apology for ref=%s: %s", reference, type(failure).__name__)
    if not acked:  # answer Slack so it shows no generic failure on top of ours
        return BoltResponse(status=200, body="")
    return None


def _refuse(
    refused: Refused,
    body: dict[str, Any],
    context: Any,
    client: WebClient,
    respond: Respond | None,
    response: BoltResponse | None,
    ack: Ack | None,
) -> BoltResponse | None:
    """A refusal is an answer, not a failure: its text to the person, an INFO line, no retry."""
    refusals.note(refused, body, context)
    acked = response is None or (ack is not None and ack.response is not None)
    if body.get("type") == "view_submission" and not acked:
        field = getattr(refused, "field", None)
        if field:  # a value a form's field holds: said under that field, the form stays open
            errors = {field: refusals.text_of(refused)[:150]}
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
        return BoltResponse(
            status=200, body={"response_action": "push", "view": refusals.view(refused)}
        )
    try:
        _tell_user(body, context, client, respond, refusals.text_of(refused))
    except Exception as failure:  # best effort, like the apology
        log.warning("could not send a refusal: %s", type(failure).__name__)
    return None if acked else BoltResponse(status=200, body="")


def _apology_view(reference: str, said: str | None = None) -> dict[str, Any]:
    text = said or apology(reference)
    return {
        "type": "modal",
        "title": {
            "type": "plain_text",
            "text": "Slack had a problem" if said else "Something went wrong",
        },
        "close": {"type": "plain_text", "text": "Back to the form"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _tell_user(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond | None, text: str
) -> None:
    if respond is not None and context.response_url:
        respond(text=text, response_type="ephemeral", replace_original=False)
    elif context.channel_id and context.user_id:
        client.chat_postEphemeral(channel=context.channel_id, user=context.user_id, text=text)
    elif context.user_id:  # a modal already closed: tell the user in their DM with the bot
        client.chat_postMessage(channel=context.user_id, text=text)
