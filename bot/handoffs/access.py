"""Where a handoff may go and who may read or acknowledge it: Slack's answers, checked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.lists import Handoff
from bot.handoffs.rules.actions import ActionItem
from bot.handoffs.rules.handoff import HandoffRefused, Receiver, acknowledge_refusal
from bot.shared.access import record_refusal
from bot.shared.directory import members_of
from bot.shared.rules.people import UnknownPerson

if TYPE_CHECKING:
    from bot.runtime.services import Care

log = logging.getLogger(__name__)


def check_channel(
    care: Care, team_id: str, user_id: str, channel_id: str, request_id: str = ""
) -> None:
    """Refuse a channel a handoff cannot go to: a DM, an archived channel, one without the bot,
    one no admin registered as a care-team channel (that refusal is audited)."""
    invite = "Invite me there with `/invite @carebot`, then try again."
    if channel_id.startswith("D"):
        raise HandoffRefused(
            "Handoffs go to a care-team channel, not a direct message. Run `/handoff` in the "
            "team's channel, or pick the channel in the form."
        )
    try:
        channel = care.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            raise HandoffRefused(f"I can't see <#{channel_id}>. {invite}") from None
        raise
    if channel.get("is_im") or channel.get("is_mpim"):
        raise HandoffRefused("Handoffs go to a care-team channel, not a direct message.")
    if channel.get("is_archived"):
        raise HandoffRefused(
            f"<#{channel_id}> is archived, so nobody would see the handoff there. "
            "Pick the team's current channel."
        )
    if channel.get("is_member") is False:
        raise HandoffRefused(f"I'm not in <#{channel_id}>. {invite}")
    care_teams = care.roles.care_teams
    if care_teams is None or not care_teams.is_care_channel(team_id, channel_id):
        record_refusal(care, team_id, user_id, None, channel_id, request_id)
        raise HandoffRefused(
            f"Handoffs go only to care-team channels, and <#{channel_id}> is not one. Pick "
            "your team's channel, or ask a carebot admin to mark this one as a care-team "
            "channel with `/carebot settings`."
        )


def check_receiver(care: Care, team_id: str, author_id: str, receiver: Receiver) -> None:
    if receiver.user_id:
        if receiver.user_id == author_id:
            raise HandoffRefused(
                "You can't hand off to yourself: name who takes over, or leave the receiver "
                "empty so anyone in the channel can acknowledge."
            )
        try:
            person = care.people.person(team_id, receiver.user_id)
        except UnknownPerson:
            raise HandoffRefused("I can't find that receiver in this workspace.") from None
        if not person.can_be_assigned:
            raise HandoffRefused(
                f"<@{receiver.user_id}> can't receive handoffs (a bot or a deactivated "
                "account). Name someone on the team."
            )
    if receiver.group_id and not members_of(care, receiver.group_id) - {author_id}:
        raise HandoffRefused(
            f"The group <!subteam^{receiver.group_id}> has nobody in it but you (or I can't "
            "read it), so nobody could acknowledge. Name a person, or a group with members."
        )


def check_owners(care: Care, team_id: str, items: Sequence[ActionItem]) -> None:
    """Refuse an action item owned by a bot, a deactivated account or nobody Slack knows."""
    for owner in dict.fromkeys(item.owner for item in items if item.owner):
        try:
            person = care.people.person(team_id, owner)
        except UnknownPerson:
            raise HandoffRefused(f"I can't find <@{owner}>, named in the action list.") from None
        if not person.can_be_assigned:
            raise HandoffRefused(
                f"<@{owner}> can't own an action item (a bot or a deactivated account). "
                "Name someone on the team, or leave the item without an owner."
            )


def check_can_read(care: Care, handoff: Handoff, user_id: str) -> None:
    """Refuse someone the handoff was not for: patient details stay with the care team.

    Its author, receiver (or a member of its role), an action item's owner and anyone in
    its channel may read it.
    """
    named = {handoff.author_id, handoff.receiver.user_id, *(i.owner for i in handoff.items)}
    if user_id in named:
        return
    if handoff.receiver.group_id and user_id in members_of(care, handoff.receiver.group_id):
        return
    if user_id in _channel_members(care, handoff.channel_id):
        return
    raise HandoffRefused(
        f"{handoff.ref} was posted in <#{handoff.channel_id}>, which you're not in, so I can't "
        f"show it to you. Ask <@{handoff.author_id}>, who wrote it."
    )


def _channel_members(care: Care, channel_id: str) -> frozenset[str]:
    """Who is in a channel now; empty when Slack can't say (so nobody extra reads it)."""
    members: set[str] = set()
    cursor = ""
    try:
        while True:
            page = care.slack.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
            members.update(page.get("members") or ())
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return frozenset(members)
    except SlackApiError as error:
        log.info("could not read a channel's members: %s", error.response.get("error"))
        return frozenset()


def acknowledge_refusal_for(care: Care, team_id: str, user_id: str, handoff: Handoff) -> str | None:
    """Why this user may not acknowledge this handoff now, or None when they may."""
    if handoff.acknowledged_at is not None:
        return f"{handoff.ref} was already acknowledged by <@{handoff.acknowledged_by}>."
    receiver = handoff.receiver
    in_role = bool(receiver.group_id) and user_id in members_of(care, receiver.group_id or "")
    return acknowledge_refusal(user_id, handoff.author_id, receiver, in_role)
