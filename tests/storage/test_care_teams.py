"""Care-team members: who is in a registered care-team channel, read from Slack, kept a minute."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.shared.access import Roles
from bot.shared.care_teams import CareTeams
from bot.shared.rules.clock import FakeClock
from storage import Database, care_teams, channels

T0 = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
# Two pages for the cardiology channel, to check the cursor is followed.
PAGES = {
    ("C0CARDIO1", ""): (["U0DANA001", "U0SAM0001"], "page2"),
    ("C0CARDIO1", "page2"): (["U0PATEL01"], ""),
    ("C0ORTHO01", ""): (["U0SAM0001", "U0RILEY01"], ""),
}


class FakeSlack:
    """Answers conversations.members from PAGES (channel_not_found otherwise), and counts calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failing: str | None = None  # an error every call answers with, e.g. ratelimited

    def conversations_members(self, channel: str, cursor: str, limit: int) -> SlackResponse:
        self.calls.append((channel, cursor))
        page = PAGES.get((channel, cursor))
        data: dict[str, Any] = {"ok": False, "error": "channel_not_found"}
        if self.failing:
            data = {"ok": False, "error": self.failing}
        elif page is not None:
            data = {"ok": True, "members": page[0], "response_metadata": {"next_cursor": page[1]}}
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url="conversations.members",
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )
        if not data["ok"]:
            raise SlackApiError("refused", response)
        return response


def register(db: Database, *channel_ids: str, team_id: str = "T1") -> None:
    with db.session() as session:
        for channel_id in channel_ids:
            channels.upsert(session, team_id, channel_id, channel_id.lower(), now=T0)


def teams(db: Database, slack: FakeSlack, clock: FakeClock) -> CareTeams:
    return CareTeams(db, cast(WebClient, slack), clock)


def test_members_of_any_registered_channel_are_in_a_care_team(db: Database) -> None:
    register(db, "C0CARDIO1", "C0ORTHO01")
    care = teams(db, FakeSlack(), FakeClock(T0))

    assert care.in_care_team("T1", "U0PATEL01")  # on the second page
    assert care.in_care_team("T1", "U0RILEY01")  # only in ortho
    assert not care.in_care_team("T1", "U0VISIT01")
    assert not care.in_care_team("T2", "U0DANA001")  # another workspace registered nothing


def test_an_unregistered_channel_makes_nobody_a_member(db: Database) -> None:
    register(db, "C0ORTHO01")
    care = teams(db, FakeSlack(), FakeClock(T0))

    assert not care.in_care_team("T1", "U0DANA001")  # in cardiology, which is not registered
    assert care.is_care_channel("T1", "C0ORTHO01")
    assert not care.is_care_channel("T1", "C0CARDIO1")
    with db.session(read_only=True) as session:
        assert care_teams.channel_ids(session, "T1") == ["C0ORTHO01"]


def test_members_are_read_once_a_minute_per_channel(db: Database) -> None:
    register(db, "C0CARDIO1")
    slack, clock = FakeSlack(), FakeClock(T0)
    care = teams(db, slack, clock)

    for user in ("U0DANA001", "U0SAM0001", "U0PATEL01", "U0VISIT01"):
        care.in_care_team("T1", user)
    assert slack.calls == [("C0CARDIO1", ""), ("C0CARDIO1", "page2")]

    clock.advance(seconds=59)
    care.in_care_team("T1", "U0DANA001")
    assert len(slack.calls) == 2
    clock.advance(seconds=1)
    care.in_care_team("T1", "U0DANA001")
    assert len(slack.calls) == 4


def test_registered_channels_are_read_once_a_minute_and_again_after_a_change_here(
    db: Database,
) -> None:
    register(db, "C0ORTHO01")
    clock = FakeClock(T0)
    care = teams(db, FakeSlack(), clock)
    assert not care.in_care_team("T1", "U0DANA001")  # cardiology is not registered yet

    register(db, "C0CARDIO1")  # as another replica would: this process is not told
    assert not care.in_care_team("T1", "U0DANA001")
    clock.advance(seconds=60)
    assert care.in_care_team("T1", "U0DANA001")  # within the minute, as members are

    with db.session() as session:
        channels.remove(session, "T1", "C0CARDIO1")
    care.channels_changed("T1")  # /carebot settings here tells it once committed
    assert not care.in_care_team("T1", "U0DANA001")
    assert care.channel_ids("T1") == ("C0ORTHO01",)


def test_a_read_that_began_before_a_change_is_not_kept(db: Database) -> None:
    """A list read before a registration committed must not be kept as if it were new."""
    register(db, "C0ORTHO01")
    care = teams(db, FakeSlack(), FakeClock(T0))
    reading = care_teams.channel_ids

    def read_then_change(session: Any, team_id: str) -> list[str]:
        found = reading(session, team_id)
        care.channels_changed(team_id)  # a save committed while this read was under way
        return found

    care_teams.channel_ids = read_then_change  # type: ignore[assignment]
    try:
        assert care.channel_ids("T1") == ("C0ORTHO01",)
    finally:
        care_teams.channel_ids = reading  # type: ignore[assignment]
    register(db, "C0CARDIO1")
    assert care.channel_ids("T1") == ("C0CARDIO1", "C0ORTHO01")  # read again, not kept


def test_a_channel_the_bot_cannot_read_counts_as_no_members(db: Database) -> None:
    register(db, "C0GONE001")
    slack = FakeSlack()
    care = teams(db, slack, FakeClock(T0))

    assert care.members("C0GONE001", "T1") == frozenset()
    assert not care.in_care_team("T1", "U0DANA001")
    assert slack.calls == [("C0GONE001", "")]  # and that answer is kept like any other


def test_a_slack_hiccup_keeps_what_was_known_and_is_not_kept_for_a_minute(db: Database) -> None:
    register(db, "C0ORTHO01")
    slack, clock = FakeSlack(), FakeClock(T0)
    care = teams(db, slack, clock)
    assert care.in_care_team("T1", "U0RILEY01")

    clock.advance(seconds=60)
    slack.failing = "ratelimited"
    assert care.in_care_team("T1", "U0RILEY01")  # the last answer stands, not "nobody"
    slack.failing = None
    assert care.in_care_team("T1", "U0RILEY01")
    assert len(slack.calls) == 3  # the failed read was not cached: asked again at once


def test_an_admin_is_not_a_care_team_member_by_being_one(db: Database) -> None:
    register(db, "C0ORTHO01")
    slack = cast(WebClient, FakeSlack())
    roles = Roles(slack, {"U0DANA001"}, None, CareTeams(db, slack, FakeClock(T0)))

    assert roles.is_admin("T1", "U0DANA001")
    assert not roles.in_care_team("T1", "U0DANA001")
    assert roles.in_care_team("T1", "U0RILEY01")
    assert not Roles(slack, {"U0DANA001"}, None).in_care_team("T1", "U0RILEY01")


def test_a_join_or_leave_heard_from_slack_reads_that_channel_again(db: Database) -> None:
    register(db, "C0CARDIO1", "C0ORTHO01")
    slack = FakeSlack()
    care = teams(db, slack, FakeClock(T0))
    care.in_care_team("T1", "U0RILEY01")  # reads both channels
    calls = len(slack.calls)

    care.members_changed("C0ORTHO01")
    assert care.in_care_team("T1", "U0RILEY01")
    assert slack.calls[calls:] == [("C0ORTHO01", "")]  # that channel only, within the minute


def test_a_shared_channels_event_is_forgotten_in_every_workspace_keeping_it(
    db: Database,
) -> None:
    """Slack sends it through one workspace; the members are kept per workspace."""
    register(db, "C0ORTHO01", team_id="T1")
    register(db, "C0ORTHO01", team_id="T2")
    slack = FakeSlack()
    care = teams(db, slack, FakeClock(T0))
    assert care.in_care_team("T1", "U0RILEY01") and care.in_care_team("T2", "U0RILEY01")
    calls = len(slack.calls)

    care.members_changed("C0ORTHO01")
    care.in_care_team("T1", "U0RILEY01")
    care.in_care_team("T2", "U0RILEY01")
    assert slack.calls[calls:] == [("C0ORTHO01", ""), ("C0ORTHO01", "")]
