"""/appt week: a week of visits as a picture in the asker's DM with carebot, the same visits
as text in the message that carries it; and My day's "My week" button, which sends yours."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.appointments.rules.appointment import STATUS_WORDS, Status
from bot.appointments.rules.week import clock
from bot.appointments.week import WEEK_USAGE, WeekPicture, WeekRefused
from bot.shared.access import Actor
from bot.shared.commands import Ask, Reply
from bot.shared.rules.failures import describe
from bot.shared.rules.mrkdwn import escape, mention
from bot.shared.rules.refusals import Refused
from bot.shared.rules.timeparse import format_date
from handlers.kit import refusals
from handlers.kit.actors import actor_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.appointments.rules.week import WeekVisit
    from bot.appointments.week import AppointmentWeek

    # Redraws the clicker's Home tab with a notice on top: (team, body, text).
    HomeNotice = Callable[[str, dict[str, Any], str], None]

log = logging.getLogger(__name__)
VERB = "week"
MY_WEEK = "appt_my_week"  # My day's button
TEXT_MAX = 3800  # the message under the picture stays within what Slack shows in full


def week(weeks: AppointmentWeek, slack: WebClient, ask: Ask) -> Reply:
    """`/appt week [mine|@clinician|room <room>|P-4] [next|last|<date>]`: a picture in your DM."""
    text = ask.text.strip()
    head, _, rest = text.partition(" ")
    if head.lower() == VERB:  # handed the whole `/appt` text, verb included
        text = rest
    actor = Actor.of(ask)
    try:
        picture = weeks.picture(actor, text)
    except WeekRefused as refused:
        return Reply(text=escape(str(refused)))
    return Reply(text=deliver(weeks, slack, actor, picture))


def register(app: App, weeks: AppointmentWeek, slack: WebClient, home_notice: HomeNotice) -> None:
    """My day's "My week": the clicker's own week, told on the Home tab."""

    def on_my_week(ack: Ack, body: dict[str, Any], context: Any) -> None:
        ack()
        actor = actor_of(body, context.team_id)
        try:
            picture = weeks.picture(actor, "mine")
        except Refused as refused:  # in no care team: audited by the use case
            refusals.note(refused, body, context)
            home_notice(actor.team_id, body, refusals.text_of(refused))
            return
        home_notice(actor.team_id, body, deliver(weeks, slack, actor, picture))

    app.action(MY_WEEK)(on_my_week)


def deliver(weeks: AppointmentWeek, slack: WebClient, actor: Actor, picture: WeekPicture) -> str:
    """Send the picture to the actor's DM with carebot; what to tell them about it."""
    visits = picture.grid.visits
    if not visits:
        return _nothing(picture)
    try:
        dm = _upload(slack, actor.user_id, picture)
    except SlackApiError as error:
        code = str(error.response.get("error") or "unknown_error")
        log.warning("week not sent team=%s user=%s error=%s", actor.team_id, actor.user_id, code)
        return _not_sent(code, picture)
    except (SlackClientError, OSError) as error:  # the upload URL refused the bytes, or no network
        log.warning(
            "week not sent team=%s user=%s error=%s",
            actor.team_id,
            actor.user_id,
            describe(error),
        )
        return _not_sent(None, picture)
    weeks.record(actor, dm, picture)
    return (
        f"Sent the week {picture.span} ({_whose(picture)}) to your DM with me as a picture: "
        f"{_count(len(visits))}{_collided(visits)}."
    )


def fallback(picture: WeekPicture) -> str:
    """The picture's visits as text, day by day, in the reader's zone (mrkdwn)."""
    grid = picture.grid
    head = (
        f"*Week of {format_date(grid.first_day)} · {picture.subject.shown}*: "
        f"{_count(len(grid.visits))}{_collided(grid.visits)}, times in {grid.zone.key}."
    )
    lines, day = [head], None
    for number, visit in enumerate(grid.visits):
        local = visit.start.astimezone(grid.zone)
        if local.date() != day:
            day = local.date()
            lines.append(f"*{local:%a %-d %b}*")
        lines.append(_line(visit, picture))
        if sum(len(line) + 1 for line in lines) > TEXT_MAX:
            left = len(grid.visits) - number
            lines[-1] = f"…and {_count(left)} more: the picture shows them all."
            break
    return "\n".join(lines)


def _line(visit: WeekVisit, picture: WeekPicture) -> str:
    zone = picture.grid.zone
    parts = [
        f"`{clock(visit.start, zone)}-{clock(visit.end, zone)}` *{visit.ref}* "
        f"{escape(visit.patient)}",
        escape(visit.kind),
    ]
    if visit.clinician and picture.subject.kind != "clinician":
        parts.append(mention(visit.clinician))
    if visit.room and picture.subject.kind != "room":
        parts.append(escape(visit.room))
    if visit.status is not Status.BOOKED:
        parts.append(f"_{STATUS_WORDS[visit.status]}_")
    if visit.collisions:
        clashes = ", ".join(f"{c.ref} ({' and '.join(c.on)})" for c in visit.collisions)
        parts.append(f":warning: collides with {clashes}")
    return "• " + " · ".join(parts)


def _upload(slack: WebClient, user_id: str, picture: WeekPicture) -> str:
    """Upload the picture into the bot's DM with the user; returns the DM's channel id."""
    # completeUploadExternal takes a conversation id (D...), not a user id as chat.postMessage does.
    opened = slack.conversations_open(users=user_id)
    dm = str(opened["channel"]["id"])
    slack.files_upload_v2(
        channel=dm,
        content=picture.png,
        filename=picture.filename,
        title=f"carebot week {picture.span}",
        alt_txt=f"A grid of the week {picture.span}, one box per visit; the message lists them.",
        initial_comment=fallback(picture),
    )
    return dm


def _nothing(picture: WeekPicture) -> str:
    subject = picture.subject
    scope = {
        "everyone": "",
        "mine": " with you as clinician or booker",
        "clinician": f" with {subject.shown}",
        "patient": f" for {subject.shown}",
        "room": f" in {subject.shown}",
    }[subject.kind]
    who = f"{escape(subject.typed)} " if subject.typed else ""
    after = (picture.grid.first_day + timedelta(weeks=1)).isoformat()
    return (
        f"No visits{scope} in the week {picture.span}, cancelled ones included, so there is "
        f"nothing to draw. `/appt week {who}{after}` shows the week after."
    )


def _whose(picture: WeekPicture) -> str:
    subject = picture.subject
    return {"everyone": "all visits", "mine": "yours, as clinician or booker"}.get(
        subject.kind, subject.shown
    )


def _not_sent(code: str | None, picture: WeekPicture) -> str:
    if code == "missing_scope":
        return (
            "I couldn't send the picture: this workspace hasn't given carebot permission to "
            "upload files (scopes `files:write` and `im:write`). Ask your Slack admin to "
            "reinstall carebot, then try `/appt week` again."
        )
    why = f" (Slack answered `{escape(code)}`)" if code else ""
    again = f"/appt week {escape(picture.subject.typed)}".rstrip()
    return (
        f"I couldn't send the picture of the week{why}. Please try again in a minute, e.g. "
        f"`{again}`; `{WEEK_USAGE}` says what it takes."
    )


def _count(count: int) -> str:
    return "1 visit" if count == 1 else f"{count} visits"


def _collided(visits: tuple[WeekVisit, ...]) -> str:
    clashing = sum(1 for v in visits if v.collisions)
    if not clashing:
        return ""
    return f", {clashing} in a collision (outlined in red)"
