"""The stand-in's auth.test, users.*, usergroups.* and conversations.* methods."""

from __future__ import annotations

from bot.sandbox.standin_records import Result, api_error, flag
from bot.sandbox.standin_state import StandInState


class DirectoryMethods(StandInState):
    """Who the bot is, who is in the workspace, and what its channels hold."""

    def api_auth_test(self, params: Result) -> Result:
        """Who the token belongs to: its workspace and bot, or its org for an org-wide install."""
        grant = self._caller()
        org = self.orgs.get(grant.enterprise_id or "") if grant is not None else None
        if org is not None:
            return {
                "ok": True,
                "url": f"https://{org.domain}.enterprise.slack.com/",
                "team": org.name,
                "user": "carebot",
                "team_id": org.id,
                "user_id": org.bot_user_id,
                "bot_id": org.bot_id,
                "enterprise_id": org.id,
                "is_enterprise_install": True,
            }
        space = self.workspace
        return {
            "ok": True,
            "url": f"https://{space.team.domain}.slack.com/",
            "team": space.team.name,
            "user": space.bot.name,
            "team_id": space.team.id,
            "user_id": space.bot_user_id,
            "bot_id": space.bot_id,
            "is_enterprise_install": False,
        }

    def api_users_info(self, params: Result) -> Result:
        """One user's profile, time zone included."""
        user = self.workspace.users.get(str(params["user"]))
        if user is None:
            return api_error("user_not_found")
        return {"ok": True, "user": user.to_api(self.workspace.team.id)}

    def api_users_list(self, params: Result) -> Result:
        """Everyone in the workspace."""
        team = self.workspace.team.id
        members = [u.to_api(team) for u in self.workspace.users.values()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def api_usergroups_list(self, params: Result) -> Result:
        """The workspace's user groups; disabled ones and members only when asked for."""
        team = self.workspace.team.id
        with_users, with_disabled = flag(params, "include_users"), flag(params, "include_disabled")
        groups = [
            g.to_api(team, include_users=with_users)
            for g in self.workspace.usergroups.values()
            if with_disabled or not g.disabled
        ]
        return {"ok": True, "usergroups": groups}

    def api_usergroups_users_list(self, params: Result) -> Result:
        """The user ids in one user group."""
        group = self.workspace.usergroups.get(str(params["usergroup"]))
        if group is None or (group.disabled and not flag(params, "include_disabled")):
            return api_error("no_such_subteam")
        return {"ok": True, "users": list(group.users)}

    def api_conversations_info(self, params: Result) -> Result:
        """A channel's details, including whether the bot is in it."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return api_error("channel_not_found")
        return {"ok": True, "channel": channel.to_api(self.workspace.bot_user_id)}

    def api_conversations_members(self, params: Result) -> Result:
        """Who is in a channel."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return api_error("channel_not_found")
        members = sorted(channel.members)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def api_conversations_open(self, params: Result) -> Result:
        """Open (or find) the bot's DM with one user."""
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            channel = self._visible_channel(str(params.get("channel") or ""))
            if channel is None:
                return api_error(
                    "users_list_not_supplied" if "channel" not in params else "channel_not_found"
                )
            return {"ok": True, "channel": channel.to_api(self.workspace.bot_user_id)}
        humans = [u for u in users if u != self.workspace.bot_user_id]
        if len(humans) != 1:
            return api_error("not_implemented_in_standin", "group DMs are not modelled")
        user = self.workspace.users.get(humans[0])
        if user is None:
            return api_error("user_not_found")
        if user.deleted:
            return api_error("user_disabled")
        existed = ("D" + user.id[1:]) in self.workspace.channels
        channel = self.workspace.dm_with(user.id)
        shown = channel.to_api() if params.get("return_im") else {"id": channel.id}
        return {"ok": True, "no_op": existed, "already_open": existed, "channel": shown}

    def api_conversations_history(self, params: Result) -> Result:
        """A channel's top-level messages, newest first, after `oldest`, a page at a time."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return api_error("channel_not_found")
        if self.workspace.bot_user_id not in channel.members:
            return api_error("not_in_channel")
        oldest = _ts(params.get("oldest"))
        if oldest is None:
            return api_error("invalid_ts_oldest")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [
            m.to_api(with_metadata=with_metadata)
            for m in reversed(self.messages(channel.id))
            if not m.thread_ts and not m.is_ephemeral and float(m.ts) > oldest
        ]
        start = int(params.get("cursor") or 0) if str(params.get("cursor") or "0").isdigit() else 0
        limit = max(1, min(int(params.get("limit") or 100), 999))
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_conversations_replies(self, params: Result) -> Result:
        """A thread: parent first (the parent only while it is not older than `oldest`)."""
        channel = self._visible_channel(str(params["channel"]))
        if channel is None:
            return api_error("channel_not_found")
        oldest = _ts(params.get("oldest"))
        if oldest is None:
            return api_error("invalid_ts_oldest")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = self.thread(channel.id, str(params["ts"]))
        if not thread:
            return api_error("thread_not_found")
        found = [
            m.to_api(with_metadata=with_metadata)
            for m in thread
            if not m.is_ephemeral and float(m.ts) > oldest
        ]
        return {"ok": True, "messages": found, "has_more": False}


def _ts(value: object) -> float | None:
    """A message timestamp parameter ("1700000000.000100"); absent means the beginning."""
    if value in (None, ""):
        return 0.0
    try:
        return float(str(value))
    except ValueError:
        return None
