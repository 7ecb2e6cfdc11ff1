"""Who may read or change a handoff, and where one may go: decided here, on each operation.

The rule: a care-team member may act on a handoff of a channel they are in; someone named
on it (its author, receiver, a member of its role, an action item's owner) may act on it
too, in a care team or not, since it was handed to them. Every refusal of a person is
audited once, as access.refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.handoffs.rules.actions import ActionItem
from bot.handoffs.rules.handoff import HandoffRefused, Receiver, acknowledge_refusal
from bot.handoffs.rules.records import Handoff
from bot.shared.access import Access, Actor
from bot.shared.care_teams import channel_members
from bot.shared.directory import group_members
from bot.shared.rules.people import UnknownPerson

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.shared.care_teams import CareTeams
    from bot.shared.directory import Directory

log = logging.getLogger(__name__)

INVITE = "Invite me there with `/invite @carebot`, then try again."


class HandoffAccess:
    """Slack's answers about people and channels, checked against the handoff rules."""

    def __init__(
        self, slack: WebClient, people: Directory, access: Access, care_teams: CareTeams | None
    ) -> None:
        self.slack, self.people, self.access, self.care_teams = slack, people, access, care_teams

    # -- who may act on a handoff ---------------------------------------------------------

    def require_care_team(self, actor: Actor, doing: str, ref: str | None = None) -> None:
        self.access.require_care_team(actor, doing, ref)

    def require_reader(self, actor: Actor, handoff: Handoff, doing: str) -> None:
        """Its author, receiver, role members and item owners, and a care-team member in its
        channel, may read it; anyone else is refused (audited), without the patient."""
        if self.named(actor.user_id, handoff):
            return  # handed to them: they read it in a care team or not
        self.require_team_reader(actor, handoff, doing)

    def require_team_reader(self, actor: Actor, handoff: Handoff, doing: str) -> None:
        """A care-team member named on the handoff or in its channel; anyone else is refused."""
        self.access.require_care_team(actor, doing, handoff.ref)
        if self.named(actor.user_id, handoff):
            return
        if actor.user_id in self.channel_members(handoff.channel_id):
            return
        raise self.access.refused(
            actor,
            HandoffRefused(
                f"{handoff.ref} was posted in <#{handoff.channel_id}>, which you're not in, so I "
                f"can't show it to you. Ask <@{handoff.author_id}>, who wrote it."
            ),
            handoff.ref,
        )

    def require_acknowledger(self, actor: Actor, handoff: Handoff) -> None:
        """Only its receiver (or a member of its role, not its author) reads it back; with
        no receiver named, any care-team member but its author."""
        user, receiver = actor.user_id, handoff.receiver
        in_role = bool(receiver.group_id) and user in self.role_members(receiver)
        if user != receiver.user_id and not (in_role and user != handoff.author_id):
            # The receiver named on it may act from outside any care team; anyone else must
            # be a care-team member who may read it (named on it, or in its channel).
            self.require_team_reader(actor, handoff, "acknowledge handoffs")
        if handoff.acknowledged_at is not None:
            return  # the first read-back stands: the caller says so
        refusal = acknowledge_refusal(user, handoff.author_id, receiver, in_role)
        if refusal:
            raise self.access.refused(actor, HandoffRefused(refusal), handoff.ref)

    def require_ticker(self, actor: Actor, handoff: Handoff, position: int) -> None:
        """A care-team member who may read the handoff ticks its items off."""
        item = handoff.item(position)
        if item is not None and item.owner == actor.user_id:
            return  # their own item (DMed to them when due): in a care team or not
        self.require_team_reader(actor, handoff, "tick off action items")
        if item is None:
            raise HandoffRefused(f"{handoff.ref} has no action item {position}.")

    def require_author(self, actor: Actor, handoff: Handoff, doing: str, what: str) -> None:
        """Only its author, while in a care team, changes what a handoff says or reposts it."""
        self.access.require_care_team(actor, doing, handoff.ref)
        if actor.user_id != handoff.author_id:
            raise self.access.refused(
                actor,
                HandoffRefused(
                    f"Only <@{handoff.author_id}>, who wrote {handoff.ref}, can {what}."
                ),
                handoff.ref,
            )

    def named(self, user_id: str, handoff: Handoff) -> bool:
        """On the handoff by name, or in the role it is addressed to."""
        if handoff.named(user_id):
            return True
        return bool(handoff.receiver.group_id) and user_id in self.role_members(handoff.receiver)

    def role_members(self, receiver: Receiver, *, strict: bool = False) -> frozenset[str]:
        """The role's members; `strict` raises when Slack cannot say rather than answer none."""
        if not receiver.group_id:
            return frozenset()
        return group_members(self.slack, receiver.group_id, strict=strict)

    def channel_members(self, channel_id: str) -> frozenset[str]:
        """Who is in a channel now; empty when Slack can't say (so nobody extra reads it)."""
        try:
            return channel_members(self.slack, channel_id)
        except SlackApiError as error:
            log.info("could not read a channel's members: %s", error.response.get("error"))
            return frozenset()

    # -- where a handoff may go, and whom it may name -------------------------------------

    def check_channel(self, actor: Actor, channel_id: str) -> None:
        """Refuse a channel a handoff cannot go to, saying the step that would work: a DM or a
        channel no admin registered (refusals are audited) need another channel; a registered
        one that is archived needs the team's current one; one without the bot, an invite."""
        if channel_id.startswith("D"):
            raise HandoffRefused(
                "Handoffs go to a care-team channel, not a direct message. Run `/handoff` in the "
                f"team's channel{self._yours(actor)}, or pick the channel in the form."
            )
        registered = self.care_teams is not None and self.care_teams.is_care_channel(
            actor.team_id, channel_id
        )
        try:
            channel = self.slack.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            if error.response.get("error") != "channel_not_found":
                raise
            if registered:  # private, and the bot was removed: an invite brings it back
                raise HandoffRefused(f"I can't see <#{channel_id}>. {INVITE}") from None
            raise HandoffRefused(
                f"I can't see <#{channel_id}>, and it is not a care-team channel. Run `/handoff` "
                f"in your team's channel{self._yours(actor)}."
            ) from None
        if channel.get("is_im") or channel.get("is_mpim"):
            raise HandoffRefused("Handoffs go to a care-team channel, not a direct message.")
        if channel.get("is_archived"):
            raise HandoffRefused(
                f"<#{channel_id}> is archived, so nobody would see the handoff there. "
                f"Pick the team's current channel{self._yours(actor)}."
            )
        if not registered:  # an invite would not help here: say what would
            where = Actor(actor.team_id, actor.user_id, channel_id, actor.request_id)
            raise self.access.refused(
                where,
                HandoffRefused(
                    f"Handoffs go only to care-team channels, and <#{channel_id}> is not one. "
                    f"Run `/handoff` in your team's channel{self._yours(actor)}, or ask a "
                    "carebot admin to mark this one as a care-team channel with "
                    "`/carebot settings`."
                ),
            )
        if channel.get("is_member") is False:
            raise HandoffRefused(f"I'm not in <#{channel_id}>. {INVITE}")

    def _yours(self, actor: Actor) -> str:
        """The care-team channels this person is in, as " (#a, #b)", for a refusal's example."""
        if self.care_teams is None:
            return ""
        looked_at = self.care_teams.channel_ids(actor.team_id)[:20]  # a refusal stays quick
        theirs = [
            c
            for c in looked_at
            if actor.user_id in self.care_teams.members(c, actor.team_id) and c != actor.channel_id
        ][:3]
        return f" ({', '.join(f'<#{c}>' for c in theirs)})" if theirs else ""

    def check_receiver(self, team_id: str, author_id: str, receiver: Receiver) -> None:
        if receiver.user_id:
            if receiver.user_id == author_id:
                raise HandoffRefused(
                    "You can't hand off to yourself: name who takes over, or leave the receiver "
                    "empty so anyone in the channel can acknowledge."
                )
            try:
                person = self.people.person(team_id, receiver.user_id)
            except UnknownPerson:
                raise HandoffRefused("I can't find that receiver in this workspace.") from None
            if not person.can_be_assigned:
                raise HandoffRefused(
                    f"<@{receiver.user_id}> can't receive handoffs (a bot or a deactivated "
                    "account). Name someone on the team."
                )
            if not self.access.in_care_team(Actor(team_id, receiver.user_id)):
                raise HandoffRefused(
                    f"<@{receiver.user_id}> is in no care-team channel, so they can't take a "
                    "patient over. Name someone on the team, or a role such as @social-work."
                )
        if receiver.group_id and not self.role_members(receiver) - {author_id}:
            raise HandoffRefused(
                f"The group <!subteam^{receiver.group_id}> has nobody in it but you (or I can't "
                "read it), so nobody could acknowledge. Name a person, or a group with members."
            )

    def check_owners(self, team_id: str, items: Sequence[ActionItem]) -> None:
        """Refuse an action item owned by a bot, a deactivated account or nobody Slack knows."""
        for owner in dict.fromkeys(item.owner for item in items if item.owner):
            try:
                person = self.people.person(team_id, owner)
            except UnknownPerson:
                raise HandoffRefused(
                    f"I can't find <@{owner}>, named in the action list."
                ) from None
            if not person.can_be_assigned:
                raise HandoffRefused(
                    f"<@{owner}> can't own an action item (a bot or a deactivated account). "
                    "Name someone on the team, or leave the item without an owner."
                )
