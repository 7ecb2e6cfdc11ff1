"""One error handler: a short apology with a reference for the user, a log line without PHI."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse

from bot.core.failures import describe

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.services import Care

log = logging.getLogger("carebot.errors")


def register(app: App, care: Care) -> None:
    app.error(on_error)


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
) -> BoltResponse | None:
    reference = "E-" + uuid.uuid4().hex[:8]
    log.error(
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
            status=200, body={"response_action": "push", "view": _apology_view(reference)}
        )
    try:
        _tell_user(body, context, client, respond, apology(reference))
    except Exception as failure:  # the apology is best effort; the log line above is the record
        log.warning("could not send the apology for ref=%s: %s", reference, type(failure).__name__)
    if not acked:  # answer Slack so it shows no generic failure on top of ours
        return BoltResponse(status=200, body="")
    return None


def _apology_view(reference: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Something went wrong"},
        "close": {"type": "plain_text", "text": "Back to the form"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": apology(reference)}}],
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
