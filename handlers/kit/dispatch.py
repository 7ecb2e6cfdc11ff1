"""The two roads to a command: its slash command, and a message (DM or mention) to the bot."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot.shared import request_context
from bot.shared.commands import Ask, Command, Reply, Via
from bot.shared.rules.refusals import AskedBack, Refused
from handlers.kit import asking, refusals
from handlers.shared import help

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.shared.questions import Questions


log = logging.getLogger(__name__)

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")
HELP_WORDS = {"help", "?", "-h", "--help"}
# Message subtypes that are a person writing something new; edits, joins and bots are not.
READABLE_SUBTYPES = {None, "thread_broadcast"}


# What app.yaml must subscribe to for these listeners to hear anything.
BOT_EVENTS = ("app_mention", "message.im")


def register(app: App, menu: help.Menu, questions: Questions) -> None:
    """One listener for every slash command: the registry decides, so a command added later
    is answered too, and one not registered gets a pointer to help."""

    def on_slash(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        on_slash_command(menu, questions, ack, command, respond)

    def on_app_mention(event: dict[str, Any], client: WebClient, context: Any) -> None:
        on_mention(menu, questions, event, client, context)

    def on_any_message(event: dict[str, Any], client: WebClient, context: Any) -> None:
        on_message(menu, questions, event, client, context)

    def on_choice(ack: Ack, body: dict[str, Any], respond: Respond, context: Any) -> None:
        on_answer(menu, questions, ack, body, respond, context)

    app.command(re.compile(r"^/[a-z0-9_-]+$"))(on_slash)
    app.event("app_mention")(on_app_mention)
    app.event("message")(on_any_message)
    app.action(asking.CHOICE_ACTION)(on_choice)


def answer(
    menu: help.Menu, command: Command | None, ask: Ask, questions: Questions | None = None
) -> Reply | None:
    """Run a command for one request; `help` is answered here for every command."""
    if command is None:
        request_context.settle(request_context.NOT_UNDERSTOOD)
        log.info("not understood via=%s team=%s user=%s", ask.via, ask.team_id, ask.user_id)
        return help.not_understood(menu)
    request_context.settle(command=command.slash)
    log.info(
        "%s via=%s team=%s user=%s request=%s",
        command.slash,
        ask.via,
        ask.team_id,
        ask.user_id,
        ask.request_id,
    )
    if ask.text.lower() in HELP_WORDS:
        return help.overview(menu, ask) if command.name == "carebot" else help.command_help(command)
    try:
        reply = command.run(ask)
    except AskedBack as question:
        request_context.settle(request_context.ASKED_BACK)
        log.info("asked back %s request=%s", command.slash, ask.request_id)
        kept = questions.keep(ask, command.name, question) if questions is not None else None
        return asking.question(question, kept)
    except Refused as refused:
        request_context.settle(request_context.REFUSED)
        log.info(
            "refused %s kind=%s request=%s", command.slash, type(refused).__name__, ask.request_id
        )
        return refusals.reply_for(refused)
    request_context.settle(request_context.OK)
    return reply


def on_answer(
    menu: help.Menu,
    questions: Questions,
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    context: Any,
) -> None:
    """A choice clicked on a question asked back: the request runs again with it, and its
    answer takes the question's place."""
    ack()
    question_id, choice = asking.choice_of(body["actions"][0].get("value"))
    try:
        again = questions.answer(context.team_id, context.user_id, question_id, choice)
    except Refused as refused:
        respond(text=refusals.text_of(refused), replace_original=False)
        return
    ask = Ask(
        team_id=context.team_id,
        user_id=context.user_id,
        channel_id=again.channel_id,
        text=again.text,
        via=asking.via(again.via),
        trigger_id=body.get("trigger_id"),
        thread_ts=again.thread_ts,
        request_id=request_context.request_id(),
    )
    reply = answer(menu, menu.commands.get(again.command), ask, questions)
    if reply is None:
        respond(delete_original=True)
    elif reply.public:
        respond(delete_original=True)
        respond(text=reply.text, blocks=reply.blocks, response_type="in_channel")
    else:
        respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def on_slash_command(
    menu: help.Menu, questions: Questions, ack: Ack, command: dict[str, Any], respond: Respond
) -> None:
    ack()
    ask = Ask(
        team_id=command["team_id"],
        user_id=command["user_id"],
        channel_id=command["channel_id"],
        text=command.get("text", "").strip(),
        via="slash",
        trigger_id=command.get("trigger_id"),
        request_id=request_context.request_id(),
    )
    reply = answer(menu, menu.commands.get(command["command"]), ask, questions)
    if reply is not None:
        respond(
            text=reply.text,
            blocks=reply.blocks,
            response_type="in_channel" if reply.public else "ephemeral",
        )


def on_mention(
    menu: help.Menu, questions: Questions, event: dict[str, Any], client: WebClient, context: Any
) -> None:
    if event.get("bot_id"):
        return
    text = _LEADING_MENTION.sub("", event.get("text", ""), count=1)
    _answer_message(menu, questions, client, context.team_id, event, text, via="mention")


def on_message(
    menu: help.Menu, questions: Questions, event: dict[str, Any], client: WebClient, context: Any
) -> None:
    # Channel messages that mention the bot arrive as app_mention; here only DMs count.
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return
    if event.get("subtype") not in READABLE_SUBTYPES:
        return
    text = _LEADING_MENTION.sub("", event.get("text", ""), count=1)  # "@carebot help" in a DM
    _answer_message(menu, questions, client, context.team_id, event, text, via="dm")


def _answer_message(
    menu: help.Menu,
    questions: Questions,
    client: WebClient,
    team_id: str,
    event: dict[str, Any],
    text: str,
    via: Via,
) -> None:
    command, rest = menu.commands.split(text)
    thread_ts = event.get("thread_ts") or (event["ts"] if via == "mention" else None)
    ask = Ask(
        team_id=team_id,
        user_id=event["user"],
        channel_id=event["channel"],
        text=rest,
        via=via,
        thread_ts=thread_ts,
        request_id=request_context.request_id(),
    )
    if text.strip().lower() in HELP_WORDS or not text.strip():
        reply: Reply | None = help.overview(menu, ask)
    else:
        reply = answer(menu, command, ask, questions)
    if reply is None:
        return
    if via == "mention" and not reply.public:
        client.chat_postEphemeral(
            channel=ask.channel_id,
            user=ask.user_id,
            text=reply.text,
            blocks=reply.blocks,
            thread_ts=thread_ts,
        )
    else:
        client.chat_postMessage(
            channel=ask.channel_id, text=reply.text, blocks=reply.blocks, thread_ts=thread_ts
        )
