"""The stand-in's Web API, called the way the bot calls it: slack_sdk's WebClient."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import scopes
from bot.sandbox.seed import UserGroup, default_seed
from bot.sandbox.standin import SlackStandIn, StandInServer
from tests.sandbox.conftest import MANIFEST, write_manifest


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=standin.bot_token, base_url=standin.api_url)


def error_of(call: object, *args: object, **kwargs: object) -> dict[str, object]:
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return dict(raised.value.response.data)


def test_auth_test_names_the_bot(client: WebClient) -> None:
    who = client.auth_test()
    assert (who["user_id"], who["bot_id"], who["team_id"]) == (
        "U0CAREBOT",
        "B0CAREBOT",
        "T0CAREBOT",
    )


def test_tokens_are_checked(standin: SlackStandIn) -> None:
    assert error_of(WebClient(token="xoxb-wrong", base_url=standin.api_url).auth_test)["error"] == (
        "invalid_auth"
    )
    assert error_of(WebClient(base_url=standin.api_url).auth_test)["error"] == "not_authed"


def test_unknown_method(client: WebClient) -> None:
    assert error_of(client.api_call, "chat.sendCarrierPigeon")["error"] == "unknown_method"


def test_post_message_records_ts_thread_and_blocks(
    client: WebClient, standin: SlackStandIn
) -> None:
    first = client.chat_postMessage(channel="C0CARDIO1", text="Handoff H-7")
    reply = client.chat_postMessage(channel="C0CARDIO1", text="ack", thread_ts=first["ts"])
    assert float(reply["ts"]) > float(first["ts"])
    messages = standin.messages("#cardiology-team")
    assert [(m.text, m.thread_ts) for m in messages] == [
        ("Handoff H-7", None),
        ("ack", first["ts"]),
    ]
    assert standin.thread("C0CARDIO1", first["ts"]) == messages
    assert len(first["ts"].split(".")[1]) == 6


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C0GENERAL", "not_in_channel"),
        ("C0NOSUCH1", "channel_not_found"),
        ("C0ARCHIVE", "is_archived"),
        ("U0PAGEBOT", "cannot_dm_bot"),
        ("U0FORMER1", "channel_not_found"),
    ],
)
def test_post_message_refuses_like_slack(client: WebClient, channel: str, error: str) -> None:
    assert error_of(client.chat_postMessage, channel=channel, text="x")["error"] == error


@pytest.mark.filterwarnings("ignore:The top-level `text`")
def test_post_message_content_errors(client: WebClient) -> None:
    assert error_of(client.chat_postMessage, channel="C0CARDIO1", text="")["error"] == "no_text"
    too_many = [{"type": "divider"}] * 51
    assert (
        error_of(client.chat_postMessage, channel="C0CARDIO1", text="x", blocks=too_many)["error"]
        == "invalid_blocks"
    )
    assert error_of(client.chat_postMessage, channel="C0CARDIO1", text="x" * 40_001)["error"] == (
        "msg_too_long"
    )
    assert error_of(client.chat_postMessage, channel="", text="x")["error"] == "channel_not_found"


def test_form_bodies_with_json_encoded_blocks_work(standin: SlackStandIn) -> None:
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "form"}}])
    body = f"channel=C0ORTHO01&text=t&blocks={urllib.parse.quote(blocks)}".encode()
    request = urllib.request.Request(
        standin.api_url + "chat.postMessage",
        data=body,
        headers={
            "Authorization": f"Bearer {standin.bot_token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["ok"] is True
    assert standin.messages("C0ORTHO01")[0].blocks[0]["text"]["text"] == "form"


def test_dm_by_user_id_and_conversations_open(client: WebClient, standin: SlackStandIn) -> None:
    posted = client.chat_postMessage(channel="U0DRPATEL", text="Your pre-approvals")
    opened = client.conversations_open(users="U0DRPATEL")
    assert posted["channel"] == opened["channel"]["id"] == "D0DRPATEL"
    assert [m.text for m in standin.messages("D0DRPATEL")] == ["Your pre-approvals"]
    assert client.conversations_members(channel="D0DRPATEL")["members"] == [
        "U0CAREBOT",
        "U0DRPATEL",
    ]
    assert error_of(client.conversations_open, users="U0FORMER1")["error"] == "user_disabled"


def test_ephemeral_update_and_delete(client: WebClient, standin: SlackStandIn) -> None:
    shown = client.chat_postEphemeral(channel="C0CARDIO1", user="U0NURSE01", text="only you")
    assert [m.ts for m in standin.ephemerals("C0CARDIO1", "U0NURSE01")] == [shown["message_ts"]]
    assert (
        error_of(client.chat_postEphemeral, channel="C0ORTHO01", user="U0DRPATEL", text="x")[
            "error"
        ]
        == "user_not_in_channel"
    )
    posted = client.chat_postMessage(channel="C0CARDIO1", text="v1")
    client.chat_update(channel="C0CARDIO1", ts=posted["ts"], text="v2")
    assert [(m.text, m.edited) for m in standin.messages("C0CARDIO1")] == [("v2", True)]
    assert error_of(client.chat_update, channel="C0CARDIO1", ts="1.000001", text="x")["error"] == (
        "message_not_found"
    )
    human = standin.post_as_user("C0CARDIO1", "U0COORD01", "mine")
    assert error_of(client.chat_update, channel="C0CARDIO1", ts=human.ts, text="x")["error"] == (
        "cant_update_message"
    )
    client.chat_delete(channel="C0CARDIO1", ts=posted["ts"])
    assert [m.text for m in standin.messages("C0CARDIO1")] == ["mine"]


def test_users_and_conversations_info(client: WebClient) -> None:
    riley = client.users_info(user="U0SOCIAL1")["user"]
    assert (riley["name"], riley["tz"]) == ("riley.sw", "Europe/London")
    assert riley["tz_label"] in ("Greenwich Mean Time", "British Summer Time")
    assert error_of(client.users_info, user="U0NOBODY1")["error"] == "user_not_found"
    icu = client.conversations_info(channel="G0ICU0001")["channel"]
    assert icu["is_private"] is True and icu["name"] == "icu-private"


def test_conversations_info_says_whether_the_bot_is_a_member(client: WebClient) -> None:
    assert client.conversations_info(channel="C0CARDIO1")["channel"]["is_member"] is True
    assert client.conversations_info(channel="C0GENERAL")["channel"]["is_member"] is False
    assert client.conversations_info(channel="G0ICU0001")["channel"]["is_member"] is True
    dm = client.conversations_open(users="U0DRPATEL", return_im=True)["channel"]
    assert "is_member" not in client.conversations_info(channel=dm["id"])["channel"]
    assert "is_member" not in dm


def test_usergroups_users_list_and_list(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path, MANIFEST.replace("users:read]", "users:read, usergroups:read]")
    )
    space = default_seed()
    space.usergroups["S0RETIRED"] = UserGroup(
        "S0RETIRED", "night-float", "Night float", ("U0DRPATEL",), disabled=True
    )
    with SlackStandIn(space, manifest=manifest) as standin:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        members = client.usergroups_users_list(usergroup="S0SOCWORK")
        assert members["users"] == ["U0SOCIAL1", "U0NURSE01"]
        assert error_of(client.usergroups_users_list, usergroup="S0NOSUCH1")["error"] == (
            "no_such_subteam"
        )
        assert error_of(client.usergroups_users_list, usergroup="S0RETIRED")["error"] == (
            "no_such_subteam"
        )
        retired = client.usergroups_users_list(usergroup="S0RETIRED", include_disabled=True)
        assert retired["users"] == ["U0DRPATEL"]
        groups = client.usergroups_list()["usergroups"]
        assert [(g["id"], g["handle"], g["name"]) for g in groups] == [
            ("S0SOCWORK", "social-work", "Social work")
        ]
        assert "users" not in groups[0]
        everyone = client.usergroups_list(include_users=True, include_disabled=True)["usergroups"]
        assert {g["id"]: g["users"] for g in everyone} == {
            "S0SOCWORK": ["U0SOCIAL1", "U0NURSE01"],
            "S0RETIRED": ["U0DRPATEL"],
        }


def test_usergroups_need_usergroups_read(client: WebClient) -> None:
    denied = error_of(client.usergroups_users_list, usergroup="S0SOCWORK")
    assert (denied["error"], denied["needed"]) == ("missing_scope", "usergroups:read")
    assert error_of(client.api_call, "usergroups.users.list")["error"] == "invalid_arguments"


def test_missing_scope_comes_from_the_manifest(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path, MANIFEST.replace("users:read]", "]").replace("im:write, ", "")
    )
    with SlackStandIn(manifest=manifest) as standin:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        denied = error_of(client.users_info, user="U0COORD01")
        assert denied["error"] == "missing_scope"
        assert denied["needed"] == "users:read"
        assert "chat:write" in str(denied["provided"]).split(",")
        assert error_of(client.conversations_open, users="U0COORD01")["needed"] == "im:write"


def test_rate_limit_answers_429_and_slack_sdk_retries(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=1)
    patient = WebClient(
        token=standin.bot_token,
        base_url=standin.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert patient.chat_postMessage(channel="C0CARDIO1", text="after a wait")["ok"]
    assert [c.status for c in standin.calls("chat.postMessage")] == [429, 200]
    standin.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0CARDIO1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"


def test_server_errors_and_ok_false_can_be_injected(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_next("users.info", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.users_info(user="U0COORD01")
        assert raised.value.response.status_code == 500
    standin.fail_next("users.info", error="fatal_error")
    assert error_of(client.users_info, user="U0COORD01")["error"] == "fatal_error"
    assert client.users_info(user="U0COORD01")["ok"]


def test_users_info_answers_deleted_and_guest_accounts_like_slack(
    client: WebClient, standin: SlackStandIn
) -> None:
    former = client.users_info(user="U0FORMER1")["user"]
    assert former["deleted"] is True and former["id"] == "U0FORMER1"
    sam = client.users_info(user="U0NURSE01")["user"]
    assert (sam["deleted"], sam["is_restricted"], sam["is_ultra_restricted"]) == (
        False,
        False,
        False,
    )
    space = standin.workspace
    space.users["U0NURSE01"] = replace(space.users["U0NURSE01"], is_restricted=True)
    assert client.users_info(user="U0NURSE01")["user"]["is_restricted"] is True


def test_a_refusal_can_be_aimed_at_one_persons_dms(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_next("chat.postMessage", error="account_inactive", channel="U0NURSE01")
    assert client.chat_postMessage(channel="U0COORD01", text="to dana")["ok"]
    assert client.chat_postMessage(channel="C0CARDIO1", text="to the team")["ok"]
    refused = error_of(client.chat_postMessage, channel="U0NURSE01", text="to sam")
    assert refused["error"] == "account_inactive"
    assert client.chat_postMessage(channel="U0NURSE01", text="to sam")["ok"]
    # The DM channel's id is the same person: it is refused too, and sam is still here.
    dm = client.conversations_open(users="U0NURSE01")["channel"]["id"]
    standin.fail_next("chat.postMessage", error="channel_not_found", channel="U0NURSE01")
    assert error_of(client.chat_postMessage, channel=dm, text="x")["error"] == "channel_not_found"
    assert client.users_info(user="U0NURSE01")["user"]["deleted"] is False


def test_file_upload_posts_into_the_channel(client: WebClient, standin: SlackStandIn) -> None:
    done = client.files_upload_v2(
        channel="C0CARDIO1", content="I-PASS summary", filename="handoff.txt", title="Handoff"
    )
    assert done["file"]["title"] == "Handoff"
    (stored,) = standin.files()
    assert (stored.filename, stored.data, stored.channels) == (
        "handoff.txt",
        b"I-PASS summary",
        ["C0CARDIO1"],
    )
    (message,) = standin.messages("C0CARDIO1")
    assert message.files[0]["id"] == stored.id


def test_views_update_checks_hash_and_publish_home(
    client: WebClient, standin: SlackStandIn
) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}],
    }
    published = client.views_publish(user_id="U0COORD01", view=home)["view"]
    home_view = standin.home("U0COORD01")
    assert home_view is not None and home_view.id == published["id"]
    stale = error_of(client.views_update, view_id=published["id"], hash="0.stale", view=home)
    assert stale["error"] == "hash_conflict"
    assert client.views_update(view_id=published["id"], hash=published["hash"], view=home)["ok"]
    assert error_of(client.views_update, view_id="V0NOPE", view=home)["error"] == "not_found"


def test_chat_rate_limit_is_opt_in_and_per_channel(manifest: Path) -> None:
    with SlackStandIn(manifest=manifest, chat_rate_limit=True) as standin:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        for i in range(4):
            client.chat_postMessage(channel="C0CARDIO1", text=f"burst {i}")
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C0CARDIO1", text="one too many")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel="C0ORTHO01", text="another channel")["ok"]


def test_stand_in_refuses_to_start_without_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, manifest: Path
) -> None:
    monkeypatch.setenv("CAREBOT_SLACK_API_SPEC", str(tmp_path / "missing.json"))
    with pytest.raises(RuntimeError, match="not found"):
        SlackStandIn(manifest=manifest)


def test_stand_in_needs_nothing_outside_the_repo(
    manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREBOT_SLACK_API_SPEC", raising=False)
    with SlackStandIn(manifest=manifest) as standin:
        assert standin.spec.source == scopes.TABLE_PATH
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        assert client.auth_test()["ok"]


def test_stand_in_server_keeps_a_deep_listen_backlog() -> None:
    assert StandInServer.request_queue_size >= 128
    assert StandInServer.daemon_threads
