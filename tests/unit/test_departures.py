"""Has someone left? users.info's word only, asked once per person per sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.shared.departures import Departures, Presence

NOW = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)


class FakeSlack:
    """users.info from a table: a dict is the user, a str is Slack's error; records each ask."""

    def __init__(self, users: dict[str, Any]) -> None:
        self.users = users
        self.asked: list[str] = []

    def users_info(self, *, user: str) -> dict[str, Any]:
        self.asked.append(user)
        found = self.users[user]
        if isinstance(found, str):
            status = 429 if found == "ratelimited" else 200
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="users.info",
                req_args={},
                data={"ok": False, "error": found},
                headers={},
                status_code=status,
            )
            raise SlackApiError(found, response)
        return {"ok": True, "user": found}


def test_only_deleted_unknown_or_bot_users_have_left() -> None:
    slack = FakeSlack(
        {
            "U1": {"id": "U1", "deleted": False, "is_restricted": True},
            "U2": {"id": "U2", "deleted": True},
            "U3": "user_not_found",
            "U4": {"id": "U4", "deleted": False, "is_bot": True},
            "U5": "ratelimited",
            "U6": "account_inactive",  # users.info's own: the bot's token, not the person
        }
    )
    departures = Departures(slack)  # type: ignore[arg-type]

    found = {u: departures.presence("T1", u, NOW) for u in ("U1", "U2", "U3", "U4", "U5", "U6")}

    assert found == {
        "U1": Presence.HERE,
        "U2": Presence.GONE,
        "U3": Presence.GONE,
        "U4": Presence.GONE,
        "U5": Presence.UNKNOWN,
        "U6": Presence.UNKNOWN,
    }


def test_one_question_per_person_per_sweep_and_a_fresh_one_next_sweep() -> None:
    slack = FakeSlack({"U1": {"id": "U1", "deleted": False}})
    departures = Departures(slack)  # type: ignore[arg-type]

    assert not any(departures.has_left("T1", "U1", "channel_not_found", NOW) for _ in range(380))
    assert slack.asked == ["U1"]
    slack.users["U1"] = {"id": "U1", "deleted": True}
    assert departures.has_left("T1", "U1", "account_inactive", NOW + timedelta(minutes=1))
    assert slack.asked == ["U1", "U1"]


def test_an_error_that_is_not_a_refusal_asks_nothing() -> None:
    slack = FakeSlack({})
    departures = Departures(slack)  # type: ignore[arg-type]

    assert not departures.has_left("T1", "U1", "ratelimited", NOW)
    assert not departures.has_left("T1", "U1", "msg_too_long", NOW)
    assert slack.asked == []
