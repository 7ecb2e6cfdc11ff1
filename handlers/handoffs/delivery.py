"""What a handoff's delivery says: the card, the receiver's copy when the channel did not
take it, and the author's news, each saying what really happened in Slack."""

from __future__ import annotations

import uuid

from bot.handoffs.delivery import NEEDS_A_PERSON, DeliveryNotes
from bot.handoffs.lists import Handoff, HandoffReader
from bot.shared.commands import Block, Reply
from handlers.handoffs import cards
from handlers.kit.blocks import section

MAX_BLOCKS = 50

# Slack's answer, as the author should read it; anything else is quoted as Slack said it.
_WHY = {
    "ratelimited": "Slack asked me to slow down for a moment (rate limited)",
    "not_in_channel": "I'm not in <#{channel}>: invite me there with `/invite @carebot`",
    "channel_not_found": (
        "I can't see <#{channel}> (deleted, or private without me): invite me there with "
        "`/invite @carebot`"
    ),
    "is_archived": "<#{channel}> is archived: unarchive it, or write the handoff elsewhere",
}


def notes(reader: HandoffReader) -> DeliveryNotes:
    """The delivery's messages, each drawn in the zone and display of the handoff's channel."""
    return DeliveryNotes(
        card=lambda handoff: cards.card(handoff, reader.card_zone(handoff)),
        to_receiver=lambda handoff, code: to_receiver(
            handoff, code, cards.card(handoff, reader.card_zone(handoff))
        ),
        to_author=to_author,
    )


def why(code: str, channel: str) -> str:
    """Why Slack did not take a post, for a person."""
    if code in _WHY:
        return _WHY[code].format(channel=channel)
    if code.startswith("http_"):
        return f"Slack had a problem on its side (HTTP {code.removeprefix('http_')})"
    return f"Slack said `{code}`"


def to_author(handoff: Handoff, code: str | None) -> Reply:
    """The author's news: posted at last (no code), or not posted and why, with what happens
    next and, when a person must act, "Post it again"."""
    where = f"<#{handoff.channel_id}>"
    if code is None:
        return Reply(text=f"Posted {handoff.ref} in {where} at last.")
    if code in NEEDS_A_PERSON:
        then = "then press *Post it again*."
    else:
        then = "I'll keep trying and tell you when it's posted (or press *Post it again*)."
    told = _receiver_told(handoff)
    text = (
        f"I saved {handoff.ref} but couldn't post it in {where} yet: "
        f"{why(code, handoff.channel_id)}; {then}{told} Nothing is lost."
    )
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Post it again"},
        "action_id": cards.REPOST_ACTION,
        # A fresh value per failure, so "Post it again" can be pressed again after this one.
        "value": f"{handoff.ref}:{uuid.uuid4().hex[:8]}",
    }
    return Reply(text=text, blocks=[section(text), {"type": "actions", "elements": [button]}])


def to_receiver(handoff: Handoff, code: str, shown: Reply) -> Reply:
    """The card itself, by DM, when the channel did not take it: the receiver can read and
    acknowledge it now."""
    note = (
        f"<@{handoff.author_id}> handed {handoff.ref} over to you in <#{handoff.channel_id}>, "
        f"but it isn't posted there yet ({why(code, handoff.channel_id)}). Here it is:"
    )
    blocks = [section(note), *(shown.blocks or [])]
    if len(blocks) > MAX_BLOCKS:  # keep the header and the end, where Acknowledge is
        blocks = blocks[:2] + blocks[len(blocks) - (MAX_BLOCKS - 2) :]
    return Reply(text=f"{note}\n{shown.text}", blocks=blocks)


def _receiver_told(handoff: Handoff) -> str:
    # A role's members are DMed too when there are few of them; a person is always named.
    if handoff.receiver.user_id:
        return f" <@{handoff.receiver.user_id}> has it by DM meanwhile."
    return ""
