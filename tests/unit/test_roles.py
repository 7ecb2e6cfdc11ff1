"""Admins: an env list of user ids and a Slack user group, read from Slack on each check."""

from __future__ import annotations

from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.shared.access import NOBODY, Roles

GROUPS = [
    {"id": "S0ADMINS1", "handle": "carebot-admins", "users": ["U0RILEY01"]},
    {"id": "S0SOCWORK", "handle": "social-work", "users": ["U0SAM0001"]},
]


class FakeSlack:
    """Answers the two user-group methods from GROUPS and records each call."""

    def __init__(self, error: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def _answer(self, method: str, data: dict[str, Any]) -> SlackResponse:
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url=method,
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )
        if not data.get("ok"):
            raise SlackApiError("refused", response)
        return response

    def usergroups_list(self, **args: Any) -> SlackResponse:
        self.calls.append(("usergroups.list", args))
        if self.error:
            return self._answer("usergroups.list", {"ok": False, "error": self.error})
        return self._answer("usergroups.list", {"ok": True, "usergroups": GROUPS})

    def usergroups_users_list(self, usergroup: str) -> SlackResponse:
        self.calls.append(("usergroups.users.list", {"usergroup": usergroup}))
        group = next((g for g in GROUPS if g["id"] == usergroup), None)
        if self.error or group is None:
            error = self.error or "no_such_subteam"
            return self._answer("usergroups.users.list", {"ok": False, "error": error})
        return self._answer("usergroups.users.list", {"ok": True, "users": group["users"]})


def roles(admins: tuple[str, ...] = (), group: str | None = None, slack: Any = None) -> Roles:
    return Roles(cast(WebClient, slack or FakeSlack()), admins, group)


def test_with_neither_setting_nobody_is_an_admin_and_the_answer_says_how_to_set_one() -> None:
    check = roles().check("T1", "U0DANA001")

    assert not check.is_admin
    assert check.problem == NOBODY
    assert "CAREBOT_ADMINS=U012AB3CD" in NOBODY and "CAREBOT_ADMIN_GROUP=@carebot-admins" in NOBODY


def test_listed_user_ids_are_admins_without_asking_slack() -> None:
    slack = FakeSlack()
    listed = roles(("U0DANA001",), "@carebot-admins", slack)

    assert listed.is_admin("T1", "U0DANA001")
    assert slack.calls == []
    assert roles(("U0DANA001",)).check("T1", "U0SAM0001").problem is None


def test_a_group_handle_is_looked_up_and_its_members_are_admins() -> None:
    slack = FakeSlack()
    by_handle = roles(group="@Carebot-Admins", slack=slack)

    assert by_handle.is_admin("T1", "U0RILEY01")
    assert not by_handle.is_admin("T1", "U0SAM0001")
    assert slack.calls[0] == ("usergroups.list", {"include_users": True})


def test_a_group_id_is_read_directly() -> None:
    by_id = roles(group="S0SOCWORK")

    assert by_id.is_admin("T1", "U0SAM0001")
    assert not by_id.is_admin("T1", "U0RILEY01")


def test_a_group_that_does_not_exist_is_named_with_an_example() -> None:
    for group in ("@carebot-admin", "S0NOTHERE"):
        missing = roles(group=group)
        check = missing.check("T1", "U0RILEY01")

        assert not check.is_admin
        assert check.problem is not None
        assert f"CAREBOT_ADMIN_GROUP {group} is not a user group" in check.problem
        assert "@carebot-admins" in check.problem
        assert missing.startup_problem() == check.problem


def test_slack_failing_is_reported_and_makes_nobody_an_admin() -> None:
    failing = roles(group="@carebot-admins", slack=FakeSlack(error="ratelimited"))

    check = failing.check("T1", "U0RILEY01")

    assert not check.is_admin
    assert check.problem is not None and "ratelimited" in check.problem


def test_an_unset_group_has_no_startup_problem() -> None:
    assert roles(("U0DANA001",)).startup_problem() is None
