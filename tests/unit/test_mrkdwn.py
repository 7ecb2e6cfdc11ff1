"""Slack mrkdwn: user text stays inert, tokens are well formed, slash-command text reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.shared.rules.mrkdwn import (
    channel_link,
    date_token,
    escape,
    extract_user_ids,
    mention,
    plain_slack_text,
    truncate,
)


def test_escape_changes_only_ampersand_and_angle_brackets() -> None:
    assert escape("a & b < c > d *bold* _it_ `code` \"q\" 'q'") == (
        "a &amp; b &lt; c &gt; d *bold* _it_ `code` \"q\" 'q'"
    )


def test_escape_makes_a_broadcast_inert() -> None:
    assert escape("<!channel>") == "&lt;!channel&gt;"


def test_escape_is_applied_once_to_what_the_user_typed() -> None:
    # The user typed the five characters "&amp;", so they must show as typed.
    assert escape("&amp;") == "&amp;amp;"


def test_mention_and_channel_link() -> None:
    assert mention("U0123ABC") == "<@U0123ABC>"
    assert mention("W0123ABC") == "<@W0123ABC>"
    assert channel_link("C0123ABC") == "<#C0123ABC>"
    assert channel_link("G0123ABC") == "<#G0123ABC>"


@pytest.mark.parametrize("bad", ["", "u0123", "C0123", "U01 23", "U0123>", "<!channel>", "U"])
def test_mention_refuses_what_is_not_a_user_id(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Slack user id"):
        mention(bad)


@pytest.mark.parametrize("bad", ["", "U0123", "c0123", "C0123|x", "#C0123"])
def test_channel_link_refuses_what_is_not_a_channel_id(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Slack channel id"):
        channel_link(bad)


def test_date_token_uses_unix_time_and_escapes_the_fallback() -> None:
    at = datetime(2027, 3, 2, 7, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert date_token(at, "Tue 2 Mar 2027, 7:30 AM EST <x>") == (
        "<!date^1803990600^{date_short_pretty} {time}|Tue 2 Mar 2027, 7:30 AM EST &lt;x&gt;>"
    )
    assert int(at.timestamp()) == int(datetime(2027, 3, 2, 12, 30, tzinfo=UTC).timestamp())


def test_date_token_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        date_token(datetime(2027, 3, 2, 7, 30), "fallback")


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("hello", 5) == "hello"


def test_truncate_ends_with_an_ellipsis_within_the_limit() -> None:
    cut = truncate("a" * 3100, 3000)
    assert len(cut) == 3000
    assert cut.endswith("…")


def test_truncate_never_splits_an_entity() -> None:
    text = "Tom &amp; Jerry"
    for limit in range(1, len(text)):
        cut = truncate(text, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        assert "&" not in cut or "&amp;" in cut
    assert truncate(text, 7) == "Tom…"
    assert truncate(text, 10) == "Tom &amp;…"


def test_truncate_never_splits_a_mention() -> None:
    assert truncate("ping <@U0123ABC> now", 12) == "ping…"


def test_truncate_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        truncate("text", 0)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("ask <@U0123ABC|dr.patel> to call", "ask @dr.patel to call"),
        ("ask <@U0123ABC> to call", "ask @U0123ABC to call"),
        ("post in <#C0123|ortho>", "post in #ortho"),
        ("<!here> bed 4 is free", "@here bed 4 is free"),
        ("<!channel|channel> now", "@channel now"),
        ("tell <!subteam^S0123|@nurses>", "tell @nurses"),
        ("BP &lt; 90 &amp; HR &gt; 120", "BP < 90 & HR > 120"),
        ("typed &amp;lt; literally", "typed &lt; literally"),
        ("see <https://example.org/a?b=1&amp;c=2>", "see https://example.org/a?b=1&c=2"),
        ("see <https://example.org|example.org>", "see https://example.org"),
        ("see <https://example.org/x|the protocol>", "see the protocol (https://example.org/x)"),
        ("mail <mailto:a@b.org|a@b.org>", "mail a@b.org"),
        ("at <!date^1803990600^{date_short}|2 Mar>", "at 2 Mar"),
        ("no tokens", "no tokens"),
    ],
)
def test_plain_slack_text(sent: str, stored: str) -> None:
    assert plain_slack_text(sent) == stored


def test_extract_user_ids_in_order_without_repeats() -> None:
    text = "<@U0123ABC|dr.patel> and <@W0999XYZ> and <@U0123ABC> but not <#C0123|ortho> or <!here>"
    assert extract_user_ids(text) == ["U0123ABC", "W0999XYZ"]


def test_extract_user_ids_ignores_escaped_text() -> None:
    assert extract_user_ids("&lt;@U0123ABC&gt;") == []
