"""The fuzz checks themselves: they must see a ping, an apology or a refusal wherever it hides."""

from __future__ import annotations

from typing import Any

from bot.sandbox.standin import ApiCall
from tests.fuzz.checks import broadcasts_in, findings


def call(method: str, params: dict[str, Any], result: Any = None, status: int = 200) -> ApiCall:
    return ApiCall(method, params, 0.0, status, result if result is not None else {"ok": True})


def kinds(*calls: ApiCall) -> list[str]:
    return [finding.kind for finding in findings(calls)]


def test_a_broadcast_is_found_in_text_and_in_mrkdwn_blocks_but_not_escaped_or_plain() -> None:
    assert broadcasts_in("hi <!channel> and <!here|here>") == ["<!channel>", "<!here|here>"]
    assert broadcasts_in("hi &lt;!channel&gt; and @here") == []
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "*P:* <!everyone>"}}
    header = {"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}}
    assert kinds(call("chat.postMessage", {"text": "ok", "blocks": [section]})) == ["broadcast"]
    assert kinds(call("chat.postMessage", {"text": "ok", "blocks": [header]})) == []


def test_a_group_mention_counts_unless_carebot_named_that_group_as_a_receiver() -> None:
    assert broadcasts_in("To <!subteam^S0SOCWORK>") == []
    assert broadcasts_in("To <!subteam^S0SOCWORK|@social-work>") == [
        "<!subteam^S0SOCWORK|@social-work>"
    ]
    assert broadcasts_in("To <!subteam^S0NOPE999>") == ["<!subteam^S0NOPE999>"]


def test_rich_text_broadcasts_and_response_url_posts_count_too() -> None:
    rich = {"type": "rich_text", "elements": [{"type": "broadcast", "range": "here"}]}
    posted = call("response_url", {"id": "r1", "body": {"text": "x", "blocks": [rich]}})
    assert kinds(posted) == ["broadcast"]


def test_an_apology_and_slack_refusals_are_found() -> None:
    apology = call("chat.postEphemeral", {"text": ":warning: Sorry, something went wrong on ..."})
    too_long = call("chat.postMessage", {"text": "x"}, {"ok": False, "error": "msg_too_long"})
    used = call("response_url", {"id": "r", "body": {"text": "x"}}, "invalid_blocks", 400)
    lookup = call("users.info", {"user": "U1"}, {"ok": False, "error": "user_not_found"})
    assert kinds(apology, too_long, used, lookup) == ["apology", "rejected", "rejected"]
