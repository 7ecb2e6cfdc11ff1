"""One stand-in, two workspaces with the same app: each token sees only its own workspace."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.sandbox.driver import SlackDriver
from bot.sandbox.seed import default_seed, second_seed
from bot.sandbox.standin import CrossWorkspaceCall, SlackStandIn
from tests.sandbox.conftest import MANIFEST, SECRET, FakeMonotonic, write_manifest
from tests.sandbox.fakebot import FakeBot, Received, Reply
from tests.sandbox.test_webapi import error_of

HOSPITAL, CLINIC = "T0CAREBOT", "T0NORTHSD"
BOLT_PAYLOADS = Path(__file__).resolve().parents[3] / "shared/slack-api/bolt-payloads/payloads.json"
UNINSTALL_EVENTS = MANIFEST.replace(
    "bot_events: [app_mention, message.im]",
    "bot_events: [app_mention, message.im, app_uninstalled, tokens_revoked]",
)


@pytest.fixture
def two(tmp_path: Path, clock: FakeMonotonic) -> Iterator[SlackStandIn]:
    manifest = write_manifest(tmp_path, UNINSTALL_EVENTS)
    with SlackStandIn(manifest=manifest, monotonic=clock, others=(second_seed(),)) as running:
        yield running
    assert running.internal_errors == []


@pytest.fixture
def hospital(two: SlackStandIn) -> WebClient:
    return WebClient(token=two.token_of(HOSPITAL), base_url=two.api_url)


@pytest.fixture
def clinic(two: SlackStandIn) -> WebClient:
    return WebClient(token=two.token_of(CLINIC), base_url=two.api_url)


@pytest.fixture
def bot(two: SlackStandIn) -> Iterator[FakeBot]:
    fake = FakeBot(two, SECRET).start()
    yield fake
    fake.stop()
    if fake.failures:
        raise fake.failures[0]


@pytest.fixture
def north(two: SlackStandIn, bot: FakeBot) -> SlackDriver:
    return SlackDriver(two, bot.url, SECRET, settle=bot.settle).in_workspace(CLINIC)


def test_the_second_workspace_has_its_own_ids_and_the_same_app() -> None:
    hospital, clinic = default_seed(), second_seed()
    assert hospital.ids() & clinic.ids() == set()
    assert clinic.app_id == hospital.app_id and clinic.bot_id != hospital.bot_id
    joined = [c.id for c in clinic.channels.values() if clinic.bot_user_id in c.members]
    assert joined == ["C0NSCLINC"]


def test_a_workspace_sharing_ids_is_refused(manifest: Path) -> None:
    with pytest.raises(ValueError, match="shares ids with T0CAREBOT"):
        SlackStandIn(manifest=manifest, others=(default_seed(),))


def test_auth_test_answers_for_each_tokens_workspace(
    hospital: WebClient, clinic: WebClient, two: SlackStandIn
) -> None:
    first, second = hospital.auth_test(), clinic.auth_test()
    assert (first["team_id"], first["user_id"], first["bot_id"]) == (
        HOSPITAL,
        "U0CAREBOT",
        "B0CAREBOT",
    )
    assert (second["team_id"], second["user_id"], second["bot_id"], second["team"]) == (
        CLINIC,
        "U0NSCAREB",
        "B0NSCAREB",
        "Northside Clinic",
    )
    assert second["url"] == "https://northside-clinic.slack.com/"
    assert two.token_of(HOSPITAL) == two.bot_token


def test_each_token_posts_as_its_own_workspaces_bot(clinic: WebClient, two: SlackStandIn) -> None:
    posted = clinic.chat_postMessage(channel="C0NSCLINC", text="Clinic huddle at 9")
    (message,) = two.messages("C0NSCLINC")
    assert (message.user, message.bot_id, message.ts) == ("U0NSCAREB", "B0NSCAREB", posted["ts"])
    assert [c.team for c in two.calls("chat.postMessage")] == [CLINIC]
    assert two.calls(team=HOSPITAL) == []
    assert two.cross_workspace_calls == []


@pytest.mark.parametrize(
    ("token_team", "method", "params", "named"),
    [
        (HOSPITAL, "chat.postMessage", {"channel": "C0NSCLINC", "text": "x"}, "C0NSCLINC"),
        (HOSPITAL, "chat.postMessage", {"channel": "U0NSNURSE", "text": "x"}, "U0NSNURSE"),
        (HOSPITAL, "chat.postMessage", {"channel": "D0NSNURSE", "text": "x"}, "D0NSNURSE"),
        (CLINIC, "conversations.open", {"users": "U0DRPATEL"}, "U0DRPATEL"),
        (CLINIC, "conversations.history", {"channel": "C0CARDIO1"}, "C0CARDIO1"),
        (CLINIC, "usergroups.users.list", {"usergroup": "S0SOCWORK"}, "S0SOCWORK"),
    ],
)
def test_a_token_naming_another_workspaces_things_is_refused_and_recorded(
    two: SlackStandIn, token_team: str, method: str, params: dict[str, Any], named: str
) -> None:
    client = WebClient(token=two.token_of(token_team), base_url=two.api_url)
    assert error_of(client.api_call, method, params=params)["error"] == "invalid_auth"
    owner = CLINIC if token_team == HOSPITAL else HOSPITAL
    assert two.cross_workspace_calls == [CrossWorkspaceCall(method, token_team, owner, named)]
    assert two.messages("C0NSCLINC") == [] and "D0NSNURSE" not in two.space(CLINIC).channels


def test_a_person_of_another_workspace_is_not_found_as_slack_says(two: SlackStandIn) -> None:
    client = WebClient(token=two.token_of(CLINIC), base_url=two.api_url)
    assert error_of(client.users_info, user="U0COORD01")["error"] == "user_not_found"
    assert two.cross_workspace_calls == []  # someone typed them: not a token gone astray


def test_views_and_triggers_belong_to_their_persons_workspace(
    hospital: WebClient, clinic: WebClient, two: SlackStandIn
) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    published = clinic.views_publish(user_id="U0NSCOORD", view=home)["view"]
    assert (published["team_id"], published["bot_id"]) == (CLINIC, "B0NSCAREB")
    shown = two.home("U0NSCOORD")
    assert shown is not None and two.team_of(shown.user) == CLINIC
    assert error_of(hospital.views_update, view_id=shown.id, view=home)["error"] == "invalid_auth"
    trigger = two.issue_trigger("U0NSDRKIM")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New"}, "blocks": []}
    assert error_of(hospital.views_open, trigger_id=trigger, view=modal)["error"] == "invalid_auth"
    assert clinic.views_open(trigger_id=trigger, view=modal)["view"]["team_id"] == CLINIC
    assert [(c.method, c.named_team) for c in two.cross_workspace_calls] == [
        ("views.update", CLINIC),
        ("views.open", CLINIC),
    ]


def test_a_file_belongs_to_the_workspace_that_uploaded_it(
    hospital: WebClient, clinic: WebClient, two: SlackStandIn
) -> None:
    reserved = clinic.files_getUploadURLExternal(filename="roster.txt", length=6)
    upload = urllib.request.Request(reserved["upload_url"], data=b"roster")
    with urllib.request.urlopen(upload, timeout=5) as response:
        assert response.status == 200
    files = [{"id": reserved["file_id"]}]
    sharing = error_of(hospital.files_completeUploadExternal, files=files, channel_id="C0CARDIO1")
    assert sharing["error"] == "invalid_auth" and two.messages("C0CARDIO1") == []
    assert [(c.ref, c.named_team) for c in two.cross_workspace_calls] == [
        (reserved["file_id"], CLINIC)
    ]


def test_reading_helpers_keep_the_workspaces_apart(clinic: WebClient, two: SlackStandIn) -> None:
    dm = clinic.chat_postMessage(channel="U0NSNURSE", text="Your visit list")["channel"]
    assert dm == two.dm_channel("U0NSNURSE").id == "D0NSNURSE"
    assert dm in two.space(CLINIC).channels and dm not in two.space(HOSPITAL).channels
    clinic.files_upload_v2(channel="C0NSCLINC", content="roster", filename="roster.txt")
    assert [f.filename for f in two.files(team=CLINIC)] == ["roster.txt"]
    assert two.files(team=HOSPITAL) == []
    with two.within(CLINIC):
        assert [m.text for m in two.messages("#clinic-team")] == [""]  # the upload's message
    assert two.messages("#clinic-team") == []  # read as the hospital: no such channel


def test_a_driver_in_the_second_workspace_sends_its_team_and_people(
    north: SlackDriver, bot: FakeBot, two: SlackStandIn
) -> None:
    @bot.on("command:/appt")
    def reply(received: Received) -> Reply:
        url = received.data["response_url"]
        bot.later(lambda: _post(url, {"response_type": "in_channel", "text": "Listed"}))
        return 200, {"text": "Working on it"}

    ack = north.command("/appt", "list")
    sent = bot.last("command:/appt").data
    assert ack.ok and (sent["team_id"], sent["user_id"], sent["channel_id"]) == (
        CLINIC,
        "U0NSCOORD",
        "C0NSCLINC",
    )
    assert sent["api_app_id"] == "A0CAREBOT" and sent["team_domain"] == "northside-clinic"
    assert {m.text: m.user for m in two.messages("C0NSCLINC")} == {"Listed": "U0NSCAREB"}
    assert [s.user for s in north.ephemerals()] == ["U0NSCAREB"]
    north.message("Morning @carebot")
    event = bot.last("event:app_mention").data
    assert (event["team_id"], event["authorizations"][0]["user_id"]) == (CLINIC, "U0NSCAREB")


def test_removing_the_app_revokes_its_tokens_and_sends_slacks_events(
    north: SlackDriver, bot: FakeBot, two: SlackStandIn, clinic: WebClient, hospital: WebClient
) -> None:
    acks = north.uninstall_app()
    assert [a.status for a in acks] == [200, 200]
    kinds = [r.kind for r in bot.received]
    assert kinds == ["event:tokens_revoked", "event:app_uninstalled"]
    revoked, uninstalled = (r.data for r in bot.received)
    assert revoked["event"] == {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": ["U0NSCAREB"]},
    }
    assert uninstalled["event"] == {"type": "app_uninstalled"}
    assert {revoked["team_id"], uninstalled["team_id"]} == {CLINIC}
    assert error_of(clinic.auth_test)["error"] == "account_inactive"
    assert hospital.auth_test()["team_id"] == HOSPITAL
    with pytest.raises(LookupError, match="no working bot token"):
        two.token_of(CLINIC)


@pytest.mark.skipif(not BOLT_PAYLOADS.is_file(), reason=f"no Bolt payloads at {BOLT_PAYLOADS}")
def test_the_uninstall_events_have_the_fields_of_slacks_own(
    north: SlackDriver, bot: FakeBot
) -> None:
    samples = {
        b["body"]["event"]["type"]: b["body"]
        for b in json.loads(BOLT_PAYLOADS.read_text())
        if b["source"] == "test_events.py" and "event" in b["body"]
    }
    north.app_uninstalled()
    north.tokens_revoked()
    for received in bot.received:
        sample = samples[received.data["event"]["type"]]
        assert set(sample) - {"enterprise_id"} <= set(received.data)  # not an Enterprise Grid
        assert set(sample["event"]) == set(received.data["event"])
        assert received.data["type"] == "event_callback"


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
