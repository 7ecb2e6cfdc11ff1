"""/appt export: the visits in a date range as an .ics file, sent to the asker's DM with carebot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.appointments.export import AppointmentCalendar, ExportRefused
from bot.shared.access import Actor
from bot.shared.commands import Ask, Reply
from bot.shared.rules.failures import describe
from bot.shared.rules.mrkdwn import escape

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.appointments.export import AppointmentExport

log = logging.getLogger(__name__)
VERB = "export"


def export(exports: AppointmentExport, slack: WebClient, ask: Ask) -> Reply:
    """`/appt export [week|<date> to <date>]`: the range's visits as a calendar file in your DM."""
    text = ask.text.strip()
    head, _, rest = text.partition(" ")
    if head.lower() == VERB:  # handed the whole `/appt` text, verb included
        text = rest
    try:
        actor = Actor.of(ask)
        visits = exports.build(actor, text)
    except ExportRefused as refused:
        return Reply(text=escape(str(refused)))
    if visits.count == 0:
        return Reply(text=f"No visits {visits.span}; nothing to export.")
    try:
        dm = _upload(slack, ask.user_id, visits)
    except SlackApiError as error:
        code = str(error.response.get("error") or "unknown_error")
        log.warning("export not sent team=%s user=%s error=%s", ask.team_id, ask.user_id, code)
        return Reply(text=_not_sent(code))
    except (SlackClientError, OSError) as error:  # the upload URL refused the bytes, or no network
        log.warning(
            "export not sent team=%s user=%s error=%s", ask.team_id, ask.user_id, describe(error)
        )
        return Reply(text=_not_sent(None))
    exports.record(actor, dm)
    return Reply(
        text=f"Sent {_visits(visits.count)} {visits.span} to your DM with me as "
        f"`{visits.filename}`. Open it to add them to your calendar."
    )


def _upload(slack: WebClient, user_id: str, visits: AppointmentCalendar) -> str:
    """Upload the file into the bot's DM with the user; returns the DM's channel id."""
    # completeUploadExternal takes a conversation id (D...), not a user id as chat.postMessage does.
    opened = slack.conversations_open(users=user_id)
    dm = str(opened["channel"]["id"])
    slack.files_upload_v2(
        channel=dm,
        content=visits.content,
        filename=visits.filename,
        title=f"carebot visits {visits.span}",
        initial_comment=f"Your carebot visits {visits.span}: {_visits(visits.count)}.",
    )
    return dm


def _not_sent(code: str | None) -> str:
    if code == "missing_scope":
        return (
            "I couldn't send the calendar file: this workspace hasn't given carebot permission "
            "to upload files (scopes `files:write` and `im:write`). Ask your Slack admin to "
            "reinstall carebot, then try `/appt export week` again."
        )
    why = f" (Slack answered `{escape(code)}`)" if code else ""
    return (
        f"I couldn't send the calendar file{why}, so nothing was exported. "
        "Please try again in a minute, e.g. `/appt export week`."
    )


def _visits(count: int) -> str:
    return "1 visit" if count == 1 else f"{count} visits"
