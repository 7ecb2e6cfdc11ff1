"""The sandbox workspaces: a hospital's Slack team with people in several time zones, a
clinic's team the same app is installed in, and an Enterprise Grid org for org-wide installs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Slack's tz_label reads like "Eastern Standard Time"; zoneinfo only knows "EST".
TZ_LABELS: dict[str, tuple[str, str]] = {
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
}


@dataclass(frozen=True)
class Team:
    """The Slack workspace itself."""

    id: str
    name: str
    domain: str


@dataclass(frozen=True)
class User:
    """A person (or bot) in the workspace."""

    id: str
    name: str
    real_name: str
    tz: str = "America/New_York"
    title: str = ""
    deleted: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    is_restricted: bool = False  # a guest: still in the workspace, only in some channels

    def tz_offset(self, at: datetime | None = None) -> int:
        """Seconds east of UTC at an instant (now by default), as Slack reports it."""
        offset = (at or datetime.now(UTC)).astimezone(ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def tz_label(self, at: datetime | None = None) -> str:
        """The zone's long name at an instant, such as "Eastern Daylight Time"."""
        local = (at or datetime.now(UTC)).astimezone(ZoneInfo(self.tz))
        standard, daylight = TZ_LABELS.get(self.tz, (self.tz, self.tz))
        return daylight if local.dst() else standard

    def to_api(self, team_id: str) -> dict[str, object]:
        """The user object users.info answers with."""
        profile: dict[str, object] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "title": self.title,
            "team": team_id,
        }
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label(),
            "tz_offset": self.tz_offset(),
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": False,
            "updated": 1700000000,
            "profile": profile,
        }


@dataclass
class Channel:
    """A conversation: public channel (C), private channel (G) or direct message (D)."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    user: str | None = None  # the human in a DM
    topic: str = ""
    creator: str = "U0COORD01"

    @property
    def kind(self) -> str:
        """The scope family this conversation needs: channels, groups or im."""
        if self.is_im:
            return "im"
        return "groups" if self.is_private else "channels"

    def to_api(self, viewer: str | None = None) -> dict[str, object]:
        """The channel object conversations.info answers with, `is_member` as `viewer` sees it.

        Slack says whether the caller is a member of a channel, never of a DM.
        """
        if self.is_im:
            return {
                "id": self.id,
                "created": 1700000000,
                "is_im": True,
                "is_org_shared": False,
                "user": self.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        shown: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": 1700000000,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }
        if viewer is not None:
            shown["is_member"] = viewer in self.members
        return shown


@dataclass(frozen=True)
class UserGroup:
    """A user group such as @social-work."""

    id: str
    handle: str
    name: str
    users: tuple[str, ...]
    disabled: bool = False
    creator: str = "U0COORD01"

    def to_api(self, team_id: str, *, include_users: bool = False) -> dict[str, object]:
        """The user group object usergroups.list answers with."""
        shown: dict[str, object] = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "name": self.name,
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 1700000000 if self.disabled else 0,
            "auto_type": None,
            "created_by": self.creator,
            "updated_by": self.creator,
            "deleted_by": self.creator if self.disabled else None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            shown["users"] = list(self.users)
        return shown


@dataclass
class Workspace:
    """Everything the stand-in knows about who and where, before anyone speaks."""

    team: Team
    bot_user_id: str
    bot_id: str
    app_id: str
    users: dict[str, User]
    channels: dict[str, Channel]
    usergroups: dict[str, UserGroup] = field(default_factory=dict)

    @property
    def bot(self) -> User:
        """The bot's own user."""
        return self.users[self.bot_user_id]

    def find_user(self, ref: str) -> User | None:
        """A user by id, name or @name."""
        ref = ref.strip()
        if ref in self.users:
            return self.users[ref]
        name = ref.removeprefix("@").lower()
        return next((u for u in list(self.users.values()) if u.name.lower() == name), None)

    def find_channel(self, ref: str) -> Channel | None:
        """A channel by id, name or #name."""
        ref = ref.strip()
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#").lower()
        return next(
            (c for c in list(self.channels.values()) if not c.is_im and c.name.lower() == name),
            None,
        )

    def find_usergroup(self, ref: str) -> UserGroup | None:
        """A user group by id, handle or @handle."""
        if ref in self.usergroups:
            return self.usergroups[ref]
        handle = ref.removeprefix("@").lower()
        return next((g for g in list(self.usergroups.values()) if g.handle == handle), None)

    def dm_with(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a user, opened on first use."""
        channel_id = "D" + user_id[1:]
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = Channel(
                id=channel_id,
                name=channel_id,
                members={self.bot_user_id, user_id},
                is_private=True,
                is_im=True,
                user=user_id,
            )
            self.channels[channel_id] = channel
        return channel

    def bot_dm_user(self, channel_id: str) -> str | None:
        """The human in the bot's DM channel, or None if it is not one."""
        channel = self.channels.get(channel_id)
        return channel.user if channel is not None and channel.is_im else None

    def ids(self) -> set[str]:
        """Every id this workspace owns: team, bot, people, their DMs, channels, groups."""
        dms = {"D" + u[1:] for u in self.users}
        return {self.team.id, self.bot_id, *self.users, *dms, *self.channels, *self.usergroups}

    def owns(self, ref: str) -> bool:
        """Whether an id (a person, a channel, a DM not opened yet, a group) is this workspace's."""
        if ref in self.users or ref in self.channels or ref in self.usergroups:
            return True
        return ref[:1] == "D" and any(p + ref[1:] in self.users for p in ("U", "W"))

    @property
    def installer(self) -> User:
        """Who installs the app here: the first person who is neither a bot, gone nor a guest."""
        people = [u for u in self.users.values() if not (u.is_bot or u.deleted or u.is_restricted)]
        return people[0] if people else self.bot


@dataclass(frozen=True)
class Org:
    """An Enterprise Grid organization: an app installed org-wide lands in no workspace yet."""

    id: str
    name: str
    domain: str
    bot_user_id: str
    bot_id: str
    installer: str


def default_seed() -> Workspace:
    """General Hospital: coordinators and clinicians across four time zones."""
    team = Team(id="T0CAREBOT", name="General Hospital", domain="general-hospital")
    people = [
        User(
            "U0CAREBOT", "carebot", "carebot", "America/New_York", is_bot=True, bot_id="B0CAREBOT"
        ),
        User("U0COORD01", "dana", "Dana Whitfield", "America/New_York", "Care coordinator"),
        User("U0DRPATEL", "dr.patel", "Dr. Anika Patel", "America/Chicago", "Cardiologist"),
        User("U0NURSE01", "sam.nurse", "Sam Ortiz", "America/Los_Angeles", "RN"),
        User("U0SOCIAL1", "riley.sw", "Riley Morgan", "Europe/London", "Social worker"),
        # In #general only, so in no care team: lists and patient lookups refuse them.
        User("U0VISITOR", "visitor", "Vic Itor", "America/New_York", "Volunteer"),
        User("U0FORMER1", "old.locum", "Former Locum", "America/New_York", deleted=True),
        User(
            "U0PAGEBOT",
            "pagerbot",
            "Pager Bot",
            "America/New_York",
            is_bot=True,
            bot_id="B0PAGEBOT",
        ),
    ]
    humans = {"U0COORD01", "U0DRPATEL", "U0NURSE01", "U0SOCIAL1"}
    channels = [
        Channel(
            "C0CARDIO1", "cardiology-team", {"U0CAREBOT", *humans}, topic="Cardiology care team"
        ),
        Channel("C0ORTHO01", "ortho-team", {"U0CAREBOT", "U0COORD01", "U0NURSE01"}),
        Channel("C0GENERAL", "general", {*humans, "U0PAGEBOT", "U0VISITOR"}),
        Channel("C0ARCHIVE", "old-team", {"U0CAREBOT", "U0COORD01"}, is_archived=True),
        Channel(
            "G0ICU0001", "icu-private", {"U0CAREBOT", "U0DRPATEL", "U0NURSE01"}, is_private=True
        ),
    ]
    groups = [UserGroup("S0SOCWORK", "social-work", "Social work", ("U0SOCIAL1", "U0NURSE01"))]
    return Workspace(
        team=team,
        bot_user_id="U0CAREBOT",
        bot_id="B0CAREBOT",
        app_id="A0CAREBOT",
        users={u.id: u for u in people},
        channels={c.id: c for c in channels},
        usergroups={g.id: g for g in groups},
    )


def second_seed() -> Workspace:
    """Northside Clinic: a second workspace the same app is installed in; no id is shared
    with General Hospital's (its #general is another channel with the same name)."""
    team = Team(id="T0NORTHSD", name="Northside Clinic", domain="northside-clinic")
    people = [
        User("U0NSCAREB", "carebot", "carebot", "America/Denver", is_bot=True, bot_id="B0NSCAREB"),
        User("U0NSCOORD", "jordan", "Jordan Reyes", "America/Denver", "Clinic coordinator"),
        User("U0NSDRKIM", "dr.kim", "Dr. Min-jun Kim", "America/Denver", "Family physician"),
        User("U0NSNURSE", "alex.rn", "Alex Novak", "America/Chicago", "RN"),
    ]
    humans = {"U0NSCOORD", "U0NSDRKIM", "U0NSNURSE"}
    channels = [
        Channel(
            "C0NSCLINC",
            "clinic-team",
            {"U0NSCAREB", *humans},
            topic="Northside care team",
            creator="U0NSCOORD",
        ),
        Channel("C0NSGENRL", "general", set(humans), creator="U0NSCOORD"),
    ]
    return Workspace(
        team=team,
        bot_user_id="U0NSCAREB",
        bot_id="B0NSCAREB",
        app_id="A0CAREBOT",  # one app, installed in both workspaces
        users={u.id: u for u in people},
        channels={c.id: c for c in channels},
    )


def org_seed() -> Org:
    """Riverbend Health: an Enterprise Grid org, for an org-wide (not per-workspace) install."""
    return Org(
        id="E0RIVERBD",
        name="Riverbend Health",
        domain="riverbend-health",
        bot_user_id="W0RBCAREB",
        bot_id="B0RBCAREB",
        installer="W0RBADMIN",
    )
