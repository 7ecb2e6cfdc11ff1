"""What a person reads when Slack, not carebot, stopped a request: what Slack really said.

A 429 is not "invite me", and a 500 on Slack's side is not "something went wrong on
carebot's side"; each answer says what happened and what, if anything, to do.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.shared.messages import slack_code

_SAID = {
    "ratelimited": (
        "Slack is asking me to slow down right now (rate limited), so your request did not "
        "finish. Please try again in a minute."
    ),
    "not_in_channel": (
        "I'm not in this channel, so I couldn't finish. Invite me with `/invite @carebot`, "
        "then try again."
    ),
    "channel_not_found": (
        "I can't see this channel (it is private without me, or gone), so I couldn't finish. "
        "Invite me with `/invite @carebot`, then try again."
    ),
    "is_archived": "This channel is archived, so I couldn't finish here. Pick another channel.",
}


def told(error: SlackApiError) -> str | None:
    """The person's message for a Slack failure we can name; None: an apology with a ref."""
    code = slack_code(error)
    if code in _SAID:
        return _SAID[code]
    if code.startswith("http_5"):
        return (
            f"Slack had a problem on its side (HTTP {code.removeprefix('http_')}), so your "
            "request did not finish. Please try again in a moment."
        )
    return None
