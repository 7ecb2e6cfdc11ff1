"""The driver plays the people: signed requests shaped like Slack's, and what they see."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox.driver import Ack, DriverError, Modal, SlackDriver
from bot.sandbox.standin import SlackStandIn
from tests.sandbox.conftest import SECRET, FakeMonotonic
from tests.sandbox.fakebot import FakeBot, Received, as_dict

BUTTONS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Book P-12 on Tue 9:00?"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "confirm",
                "value": "A-12",
                "text": {"type": "plain_text", "text": "Confirm"},
            },
            {
                "type": "button",
                "action_id": "edit",
                "text": {"type": "plain_text", "text": "Edit..."},
            },
            {
                "type": "button",
                "action_id": "cancel",
                "text": {"type": "plain_text", "text": "Cancel"},
            },
        ],
    },
]


def modal(driver: SlackDriver) -> Modal:
    shown = driver.modal
    assert shown is not None, "no modal open"
    return shown


def test_requests_are_signed_like_slack(driver: SlackDriver, bot: FakeBot) -> None:
    ack = driver.command("/appt", "list")
    assert ack.ok and ack.delivered and ack.status == 200
    got = bot.last()
    verifier = SignatureVerifier(SECRET)
    timestamp = got.headers["x-slack-request-timestamp"]
    assert verifier.is_valid(got.body, timestamp, got.headers["x-slack-signature"])


def test_wrong_old_and_missing_signatures_are_refused(driver: SlackDriver) -> None:
    with driver.sign_with(secret="not-the-secret"):
        assert driver.command("/appt").status == 401
    with driver.sign_with(timestamp_offset=-6 * 60):
        assert driver.command("/appt").status == 401
    with driver.sign_with(unsigned=True):
        assert driver.command("/appt").status == 401
    assert driver.command("/appt").status == 200


def test_slash_command_carries_every_field_slack_sends(driver: SlackDriver, bot: FakeBot) -> None:
    driver.as_user("@dr.patel").in_channel("#cardiology-team")
    driver.command("/appt", "book @sam.nurse in #ortho-team & <b>")
    sent = bot.last("command:/appt").data
    assert sent["text"] == "book <@U0NURSE01|sam.nurse> in <#C0ORTHO01|ortho-team> &amp; &lt;b&gt;"
    assert (sent["user_id"], sent["user_name"]) == ("U0DRPATEL", "dr.patel")
    assert (sent["channel_id"], sent["channel_name"]) == ("C0CARDIO1", "cardiology-team")
    assert (sent["team_id"], sent["team_domain"], sent["api_app_id"]) == (
        "T0CAREBOT",
        "general-hospital",
        "A0CAREBOT",
    )
    assert sent["response_url"].startswith("http://127.0.0.1:")
    assert sent["trigger_id"] and sent["is_enterprise_install"] == "false"
    driver.command("/plain", "@sam.nurse & co")
    assert bot.last().data["text"] == "@sam.nurse &amp; co"
    with pytest.raises(DriverError, match="slash_commands"):
        driver.command("/nope")


def test_command_ack_text_shows_only_to_the_user(driver: SlackDriver, bot: FakeBot) -> None:
    bot.on("command:/appt")(lambda r: (200, {"text": "No appointments today"}))
    driver.command("/appt", "list")
    reply = driver.last_reply()
    assert (reply.text, reply.ephemeral) == ("No appointments today", True)
    assert driver.as_user("dr.patel").ephemerals() == []


def test_messages_reach_the_bot_only_as_subscribed(driver: SlackDriver, bot: FakeBot) -> None:
    ack = driver.message("@carebot what is due today?")
    mention = bot.last("event:app_mention").data
    assert mention["event"]["text"] == "<@U0CAREBOT> what is due today?"
    assert mention["event"]["channel"] == "C0CARDIO1" and mention["event"]["ts"] == ack.ts
    assert mention["authorizations"][0]["user_id"] == "U0CAREBOT"
    quiet = driver.message("just chatting")  # app.yaml has no message.channels
    assert not quiet.delivered
    assert [m.raw_text for m in driver.messages()][-1] == "just chatting"
    driver.in_dm().message("hello")
    dm = bot.last("event:message").data["event"]
    assert (dm["channel"], dm["channel_type"], dm["text"]) == ("D0COORD01", "im", "hello")


def test_retries_resend_the_same_event_with_retry_headers(
    driver: SlackDriver, bot: FakeBot
) -> None:
    driver.in_dm().message("hi")
    first = bot.last()
    driver.resend(retry_num=2, reason="http_error")
    again = bot.last()
    assert again.data["event_id"] == first.data["event_id"]
    assert (again.headers["x-slack-retry-num"], again.headers["x-slack-retry-reason"]) == (
        "2",
        "http_error",
    )


def test_url_verification_echoes_the_challenge(driver: SlackDriver) -> None:
    assert driver.url_verification("abc123").body == {"challenge": "abc123"}


def post_buttons(bot: FakeBot, *, ephemeral: bool = False) -> None:
    def handle(received: Received) -> None:
        channel, user = received.data["channel_id"], received.data["user_id"]
        if ephemeral:
            bot.client.chat_postEphemeral(channel=channel, user=user, text="Book?", blocks=BUTTONS)
        else:
            bot.later(
                lambda: bot.client.chat_postMessage(channel=channel, text="Book?", blocks=BUTTONS)
            )

    bot.on("command:/appt")(handle)


def test_click_sends_block_actions_and_response_url_replaces(
    driver: SlackDriver, bot: FakeBot
) -> None:
    post_buttons(bot)
    driver.command("/appt", "book P-12")
    assert "[1 Confirm] [2 Edit...] [3 Cancel]" in driver.last_reply().text
    replies: list[dict[str, Any]] = []

    def on_click(received: Received) -> None:
        replies.append(received.data)
        url = received.data["response_url"]
        WebhookClient(url).send(text="Booked A-12", replace_original=True)

    bot.on("block_actions")(on_click)
    assert driver.click("confirm").ok
    (payload,) = replies
    posted = driver.messages()[-1]
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted.ts,
        "channel_id": "C0CARDIO1",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == posted.ts and payload["channel"]["name"] == "cardiology-team"
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "confirm",
        "decide",
        "A-12",
        "button",
    )
    assert action["text"]["text"] == "Confirm" and payload["trigger_id"]
    assert (posted.text, posted.edited) == ("Booked A-12", True)


def test_click_on_an_ephemeral_and_delete_original(driver: SlackDriver, bot: FakeBot) -> None:
    post_buttons(bot, ephemeral=True)
    driver.command("/appt", "book")
    seen: list[dict[str, Any]] = []

    def on_click(received: Received) -> None:
        seen.append(received.data)
        WebhookClient(received.data["response_url"]).send(delete_original=True)

    bot.on("block_actions")(on_click)
    driver.click(3)
    assert seen[0]["container"]["is_ephemeral"] is True and "message" not in seen[0]
    assert seen[0]["actions"][0]["action_id"] == "cancel"
    assert driver.ephemerals() == []


def test_response_url_works_five_times_within_30_minutes(
    driver: SlackDriver, bot: FakeBot, clock: FakeMonotonic
) -> None:
    driver.command("/appt", "list")
    url = bot.last().data["response_url"]
    hook = WebhookClient(url)
    assert [hook.send(text=f"update {i}").status_code for i in range(5)] == [200] * 5
    refused = hook.send(text="one too many")
    assert (refused.status_code, refused.body) == (404, "used_url")
    assert len(driver.ephemerals()) == 5
    driver.command("/appt", "list")
    clock.advance(30 * 60 + 1)
    late = WebhookClient(bot.last().data["response_url"]).send(text="late")
    assert (late.status_code, late.body) == (404, "expired_url")


def test_in_channel_response_is_visible_to_everyone(driver: SlackDriver, bot: FakeBot) -> None:
    driver.in_channel("#general").command("/appt", "help")  # the bot is not in #general
    WebhookClient(bot.last().data["response_url"]).send(text="Help", response_type="in_channel")
    assert [m.text for m in driver.as_user("riley.sw").messages("#general")] == ["Help"]


MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "book",
    "private_metadata": "C0CARDIO1",
    "title": {"type": "plain_text", "text": "Book appointment"},
    "submit": {"type": "plain_text", "text": "Book"},
    "blocks": [
        {
            "type": "input",
            "block_id": "patient",
            "label": {"type": "plain_text", "text": "Patient"},
            "element": {"type": "plain_text_input", "action_id": "ref"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "Surgery"}, "value": "surgery"},
                    {"text": {"type": "plain_text", "text": "Follow-up visit"}, "value": "visit"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Clinician"},
            "element": {"type": "users_select", "action_id": "user"},
        },
        {
            "type": "input",
            "block_id": "day",
            "label": {"type": "plain_text", "text": "Date"},
            "element": {"type": "datepicker", "action_id": "date"},
        },
        {
            "type": "input",
            "block_id": "at",
            "label": {"type": "plain_text", "text": "Time"},
            "element": {"type": "timepicker", "action_id": "time", "initial_time": "09:00"},
        },
        {
            "type": "input",
            "block_id": "where",
            "optional": True,
            "label": {"type": "plain_text", "text": "Post in"},
            "element": {"type": "conversations_select", "action_id": "channel"},
        },
        {
            "type": "section",
            "block_id": "more",
            "text": {"type": "mrkdwn", "text": "More"},
            "accessory": {
                "type": "button",
                "action_id": "more",
                "text": {"type": "plain_text", "text": "Add note"},
            },
        },
    ],
}


def open_modal_on_command(bot: FakeBot) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []

    def handle(received: Received) -> None:
        trigger = received.data["trigger_id"]
        answers.append(as_dict(bot.client.views_open(trigger_id=trigger, view=MODAL)))
        with pytest.raises(SlackApiError) as again:
            bot.client.views_open(trigger_id=trigger, view=MODAL)
        answers.append(dict(again.value.response.data))

    bot.on("command:/appt")(handle)
    return answers


def test_trigger_ids_work_once(driver: SlackDriver, bot: FakeBot) -> None:
    answers = open_modal_on_command(bot)
    driver.command("/appt", "new")
    assert answers[0]["ok"] and answers[0]["view"]["id"] == modal(driver).id
    assert answers[1]["error"] == "exchanged_trigger_id"


def test_trigger_ids_expire_after_three_seconds(
    driver: SlackDriver, bot: FakeBot, standin: SlackStandIn, clock: FakeMonotonic
) -> None:
    driver.command("/appt", "new")
    trigger = bot.last().data["trigger_id"]
    clock.advance(3.01)
    with pytest.raises(SlackApiError) as late:
        bot.client.views_open(trigger_id=trigger, view=MODAL)
    assert late.value.response["error"] == "expired_trigger_id"
    with pytest.raises(SlackApiError) as made_up:
        bot.client.views_open(trigger_id="123.456.abc", view=MODAL)
    assert made_up.value.response["error"] == "invalid_arguments"


def test_fill_and_submit_a_modal(driver: SlackDriver, bot: FakeBot) -> None:
    open_modal_on_command(bot)
    driver.command("/appt", "new")
    refused = driver.submit({"Patient": "P-12"})
    assert not refused.delivered and set(driver.errors) == {"kind", "who", "day"}
    assert "! Please complete this required field." in modal(driver).text

    replies = iter(
        [
            (200, {"response_action": "errors", "errors": {"day": "That is a Sunday"}}),
            (200, ""),
        ]
    )
    bot.on("view_submission")(lambda r: next(replies))
    driver.fill("kind", "follow-up")
    driver.fill("Clinician", "@dr.patel")
    driver.fill("date", "2027-03-07")
    driver.fill("Post in", "#ortho-team")
    assert driver.submit().ok and driver.errors == {"day": "That is a Sunday"}
    assert driver.modal is not None
    values = bot.last("view_submission").data["view"]["state"]["values"]
    assert values["patient"]["ref"] == {"type": "plain_text_input", "value": "P-12"}
    assert values["kind"]["pick"]["selected_option"]["value"] == "visit"
    assert values["who"]["user"]["selected_user"] == "U0DRPATEL"
    assert values["at"]["time"]["selected_time"] == "09:00"
    assert values["where"]["channel"]["selected_conversation"] == "C0ORTHO01"
    view = bot.last("view_submission").data["view"]
    assert (view["callback_id"], view["private_metadata"]) == ("book", "C0CARDIO1")
    driver.fill("Date", "2027-03-08")
    assert driver.submit().ok and driver.modal is None


def test_submit_ack_can_update_push_and_clear(driver: SlackDriver, bot: FakeBot) -> None:
    open_modal_on_command(bot)
    driver.command("/appt", "new")
    confirm = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Check"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}],
        "submit": {"type": "plain_text", "text": "Yes"},
    }
    replies = iter(
        [
            (200, {"response_action": "update", "view": confirm}),
            (200, {"response_action": "push", "view": confirm}),
            (200, {"response_action": "clear"}),
        ]
    )
    bot.on("view_submission")(lambda r: next(replies))
    first = modal(driver).id
    driver.submit({"Patient": "P-1", "Kind": "Surgery", "Clinician": "dana", "Date": "2027-01-04"})
    assert (modal(driver).id, modal(driver).title) == (first, "Check")
    driver.submit()
    assert len(driver.standin.view_stack("U0COORD01")) == 2
    driver.submit()
    assert driver.modal is None


def test_click_inside_a_modal_and_the_push_limit(driver: SlackDriver, bot: FakeBot) -> None:
    open_modal_on_command(bot)
    driver.command("/appt", "new")
    pushes: list[dict[str, Any]] = []

    def push(received: Received) -> None:
        assert received.data["container"] == {"type": "view", "view_id": modal(driver).id}
        assert "response_url" not in received.data
        try:
            pushes.append(
                as_dict(bot.client.views_push(trigger_id=received.data["trigger_id"], view=MODAL))
            )
        except SlackApiError as refused:
            pushes.append(dict(refused.response.data))

    bot.on("block_actions")(push)
    for _ in range(3):
        driver.click("Add note")
    assert [p.get("error") for p in pushes] == [None, None, "push_limit_reached"]
    driver.close()
    assert len(driver.standin.view_stack("U0COORD01")) == 2


def test_select_in_a_message(driver: SlackDriver, bot: FakeBot, standin: SlackStandIn) -> None:
    menu = {
        "type": "section",
        "block_id": "status",
        "text": {"type": "mrkdwn", "text": "Status"},
        "accessory": {
            "type": "static_select",
            "action_id": "set_status",
            "options": [
                {"text": {"type": "plain_text", "text": "Approved"}, "value": "approved"},
                {"text": {"type": "plain_text", "text": "Denied"}, "value": "denied"},
            ],
        },
    }
    bot.client.chat_postMessage(channel="C0CARDIO1", text="PA-31", blocks=[menu])
    driver.select("Status", "denied")
    action = bot.last("block_actions").data["actions"][0]
    assert action["selected_option"]["value"] == "denied" and action["action_id"] == "set_status"
    driver.click("Approved")
    assert bot.last("block_actions").data["actions"][0]["selected_option"]["value"] == "approved"


def test_dms_and_last_reply(driver: SlackDriver, bot: FakeBot) -> None:
    bot.client.chat_postMessage(channel="U0DRPATEL", text="2 pre-approvals need you")
    assert [m.text for m in driver.dms("dr.patel")] == ["2 pre-approvals need you"]
    assert driver.as_user("dr.patel").last_reply().channel == "D0DRPATEL"
    with pytest.raises(DriverError):
        driver.as_user("riley.sw").last_reply()
    with pytest.raises(DriverError, match="not a member"):
        driver.as_user("riley.sw").in_channel("#icu-private").message("hi")


def test_shortcuts_global_and_on_a_message(driver: SlackDriver, bot: FakeBot) -> None:
    driver.shortcut("new_appt")
    sent = bot.last("shortcut").data
    assert sent["callback_id"] == "new_appt" and sent["trigger_id"]
    assert "channel" not in sent and "response_url" not in sent
    posted = driver.message("P-12 to step-down at 3pm")
    driver.shortcut("handoff_from_message")
    action = bot.last("message_action").data
    assert action["message"]["ts"] == posted.ts and action["channel"]["id"] == "C0CARDIO1"
    assert action["message"]["text"] == "P-12 to step-down at 3pm" and action["response_url"]
    with pytest.raises(DriverError, match="shortcuts"):
        driver.shortcut("nope")


def test_home_tab_opened_event_and_users_menu(driver: SlackDriver, bot: FakeBot) -> None:
    driver.open_home()
    home = bot.last("event:app_home_opened").data["event"]
    assert (home["user"], home["channel"], home["tab"]) == ("U0COORD01", "D0COORD01", "home")
    picker = {
        "type": "actions",
        "block_id": "owner",
        "elements": [
            {
                "type": "users_select",
                "action_id": "reassign",
                "placeholder": {"type": "plain_text", "text": "Hand over to"},
            }
        ],
    }
    bot.client.chat_postMessage(channel="C0CARDIO1", text="PA-31", blocks=[picker])
    driver.select("Hand over to", "@riley.sw")
    action = bot.last("block_actions").data["actions"][0]
    assert (action["type"], action["selected_user"]) == ("users_select", "U0SOCIAL1")


def test_fill_explains_what_it_cannot_do(driver: SlackDriver, bot: FakeBot) -> None:
    open_modal_on_command(bot)
    driver.command("/appt", "new")
    with pytest.raises(DriverError, match="2027-03-02"):
        driver.fill("Date", "next tuesday")
    with pytest.raises(DriverError, match="none match"):
        driver.fill("Kind", "Dialysis")
    with pytest.raises(DriverError, match="none match"):
        driver.fill("Insurance", "Aetna")
    with pytest.raises(DriverError, match="no user"):
        driver.fill("Clinician", "@nobody")


def test_ok_means_http_200_and_late_is_only_information() -> None:
    slow = Ack(200, {"text": "done"}, elapsed=3.5)
    assert slow.ok and slow.late
    assert not Ack(500, "", elapsed=0.1).ok
    assert not Ack(200, "", elapsed=0.1).late


def test_double_click_sends_two_racing_clicks_on_the_same_button(
    driver: SlackDriver, bot: FakeBot
) -> None:
    driver.message("hi")  # something older to click past
    bot.client.chat_postMessage(channel="C0CARDIO1", text="Book?", blocks=BUTTONS)
    both_in_flight = threading.Barrier(2, timeout=5)  # passes only if the clicks overlap
    calls: list[int] = []

    def on_click(received: Received) -> tuple[int, Any]:
        both_in_flight.wait()
        calls.append(1)
        answer = WebhookClient(received.data["response_url"]).send(
            text=f"Booked ({len(calls)})", replace_original=True
        )
        assert answer.status_code == 200
        return 200, ""

    bot.on("block_actions")(on_click)
    first, second = driver.double_click("Confirm")
    assert first.ok and second.ok
    clicks = [r.data for r in bot.received if r.kind == "block_actions"]
    assert len(clicks) == 2
    assert {c["actions"][0]["action_id"] for c in clicks} == {"confirm"}
    assert {c["actions"][0]["value"] for c in clicks} == {"A-12"}
    assert len({c["container"]["message_ts"] for c in clicks}) == 1
    assert len({c["trigger_id"] for c in clicks}) == 2
    assert len({c["response_url"] for c in clicks}) == 2
    assert all(c["message"]["text"] == "Book?" for c in clicks)  # both saw the old message
    assert driver.messages()[-1].text in ("Booked (1)", "Booked (2)")
