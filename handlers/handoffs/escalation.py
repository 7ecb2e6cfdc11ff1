"""What an unacknowledged handoff's escalation and a due action item say in Slack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handoffs.escalation import Nudge
from bot.handoffs.lists import Handoff, Item
from bot.shared.commands import Block, Reply
from bot.shared.rules.ladders import Rung
from bot.shared.rules.mrkdwn import escape, truncate
from handlers.handoffs import cards
from handlers.kit.blocks import section

if TYPE_CHECKING:
    from bot.shared.directory import Directory


def nudge(n: Nudge) -> Reply:
    """One rung of the ladder; the DM carries the Acknowledge button itself."""
    h = n.handoff
    waited = _minutes(n.waited_minutes)
    if n.rung is Rung.DM:
        text = (
            f"⏳ Handoff *{h.ref}* ({h.severity.badge}) for {h.patient} in <#{h.channel_id}> "
            f"is waiting for your acknowledgement; <@{h.author_id}> posted it {waited} ago."
        )
        button: Block = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Acknowledge"},
            "action_id": cards.ACK_ACTION,
            "value": h.ref,
            "style": "primary",
        }
        return Reply(text=text, blocks=[section(text), {"type": "actions", "elements": [button]}])
    who = h.receiver.mention or "Anyone on the team"
    if n.rung is Rung.THREAD:
        text = (
            f"{who}: {h.ref} has waited {waited} for an acknowledgement. "
            f"<@{h.author_id}>, is someone taking over?"
        )
    else:
        text = (
            f"🔴 *{h.ref}* for {h.patient} ({h.severity.badge}) has gone {waited} without an "
            f"acknowledgement. {who}, please read it back; <@{h.author_id}> posted it."
        )
    return Reply(text=text, blocks=[section(text)], public=True)


def answered(handoff: Handoff) -> Reply:
    """What a message that asked for the read-back says once someone gave it: no button."""
    h = handoff
    text = (
        f"✅ Handoff *{h.ref}* ({h.severity.badge}) for {h.patient} in <#{h.channel_id}> was "
        f"acknowledged by <@{h.acknowledged_by}>: “{escape(truncate(h.synthesis or '', 500))}”"
    )
    return Reply(text=text, blocks=[section(text)])


def read_back(handoff: Handoff) -> Reply:
    """The author's DM: who took their handoff over, and in their own words."""
    h = handoff
    text = (
        f"✅ <@{h.acknowledged_by}> acknowledged your handoff *{h.ref}* for {h.patient} "
        f"in <#{h.channel_id}>. Their read-back:\n>{escape(truncate(h.synthesis or '', 2_800))}"
    )
    return Reply(text=text, blocks=[section(text)])


def item_due(people: Directory, handoff: Handoff, item: Item) -> Reply:
    """The DM to an action item's owner, in their zone, with its Done button."""
    zone = people.timezone(handoff.team_id, item.owner or "")
    line = cards.item_line(item, zone)
    where = f"({handoff.patient}, <#{handoff.channel_id}>)"
    text = f"Due now, from handoff *{handoff.ref}* {where}:\n{line}"
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Done"},
        "action_id": cards.DONE_ACTION,
        "value": cards.item_value(handoff.ref, item.position),
    }
    return Reply(text=text, blocks=[section(text), {"type": "actions", "elements": [button]}])


def _minutes(total: int) -> str:
    hours, minutes = divmod(max(total, 0), 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
