"""What people are told when a visit's news did not go as planned, or changed: the booker
when Slack did not take the card, the clinician when someone changed their visit."""

from __future__ import annotations

from bot.appointments.tell import Change
from bot.shared.commands import Reply
from bot.shared.rules.mrkdwn import date_token, escape, mention
from bot.shared.rules.timeparse import format_when
from handlers.appointments.blocks import what
from handlers.kit.blocks import section

# Why the card is not in the channel, as the booker should read it: the booking stands.
_CARD_NOT_POSTED = {
    "ratelimited": "Slack asked me to slow down, so its card will appear in this channel shortly.",
    "not_in_channel": (
        "I couldn't post its card in this channel: I'm not in it. Invite me with "
        "`/invite @carebot` to see future bookings here."
    ),
    "channel_not_found": (
        "I couldn't post its card: I can't see this channel. Invite me with `/invite @carebot`."
    ),
    "is_archived": "This channel is archived, so its card was not posted here.",
}


def card_not_posted(code: str) -> str:
    """Why a booking's card is not in its channel (yet): what Slack really said."""
    if code in _CARD_NOT_POSTED:
        return _CARD_NOT_POSTED[code]
    if code.startswith("http_"):
        status = code.removeprefix("http_")
        return (
            f"Slack had a problem on its side (HTTP {status}), so its card isn't in this "
            "channel yet; I'll keep trying."
        )
    return f"Slack refused its card (`{escape(code)}`); I'll try again in a minute."


_DID = {
    "move": "moved",
    "cancel": "cancelled",
    "noshow": "marked as a no-show",
    "checkin": "checked in",
}


def change_dm(change: Change) -> Reply:
    """The clinician's news of a change to their visit: what, who, and from -> to."""
    v, zone = change.visit, change.zone
    did = _DID.get(change.what, "changed")
    head = f"{mention(change.by)} {did} *{v.ref}* ({v.patient}, {what(v.kind, v.label)})"
    when = date_token(v.start, format_when(v.start, zone))
    if change.what == "move" and change.was is not None:
        was = date_token(change.was, format_when(change.was, zone))
        text = f":arrows_counterclockwise: {head}: from {was} → {when}."
    elif change.what == "checkin":
        text = f":wave: {head}: the patient is here for {when}."
    else:
        text = f":x: {head}, which was {when}."
    return Reply(text=text, blocks=[section(text)])
