"""Handoff rules: sections, who may acknowledge, read-backs, splitting long text, action items."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.handoffs.rules.actions import MAX_ITEMS, ActionItem, parse_actions
from bot.handoffs.rules.handoff import (
    HandoffRefused,
    Receiver,
    Template,
    acknowledge_refusal,
    check_sections,
    check_synthesis,
    split_text,
)
from bot.shared.rules.timeparse import TimeParser

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 19, 0, tzinfo=UTC)  # Mon 1 Mar 2027, 2:00 PM in New York
AUTHOR, SAM, PATEL = "U0COORD01", "U0NURSE01", "U0DRPATEL"


@pytest.fixture(scope="module")
def times() -> TimeParser:
    parser = TimeParser()
    parser.warm()
    return parser


def test_a_handoff_needs_its_first_section_and_keeps_only_its_templates_sections() -> None:
    kept = check_sections(Template.IPASS, {"summary": "  stable  ", "situation": "", "odd": "x"})
    assert kept == {"summary": "stable"}
    with pytest.raises(HandoffRefused, match="needs its patient summary"):
        check_sections(Template.IPASS, {"summary": "   ", "situation": "if febrile, cultures"})
    with pytest.raises(HandoffRefused, match="needs its situation"):
        check_sections(Template.SBAR, {"background": "post-op day 1"})


@pytest.mark.parametrize(
    ("user", "receiver", "in_role", "allowed"),
    [
        (SAM, Receiver(user_id=SAM), False, True),
        (PATEL, Receiver(user_id=SAM), False, False),
        (SAM, Receiver(group_id="S0SOCWORK"), True, True),
        (PATEL, Receiver(group_id="S0SOCWORK"), False, False),
        (PATEL, Receiver(), False, True),  # anyone in the channel
        (AUTHOR, Receiver(), False, False),  # but not the author: that would not close the loop
    ],
)
def test_who_may_acknowledge(user: str, receiver: Receiver, in_role: bool, allowed: bool) -> None:
    refusal = acknowledge_refusal(user, AUTHOR, receiver, in_role)
    assert (refusal is None) is allowed


def test_a_read_back_must_say_something_and_stay_short() -> None:
    assert check_synthesis("  Watch UOP   overnight ") == "Watch UOP overnight"
    with pytest.raises(HandoffRefused, match="read the handoff back"):
        check_synthesis("ok")
    with pytest.raises(HandoffRefused, match="at most"):
        check_synthesis("x" * 2_001)


def test_long_text_is_split_at_paragraphs_then_words_never_inside_an_entity() -> None:
    text = ("word " * 700).strip() + "\n\n" + ("more " * 700).strip()
    pieces = split_text(text, 3_000)
    assert all(len(p) <= 3_000 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert pieces[0].endswith("word")  # the paragraph break was chosen
    entity = split_text("a" * 2_997 + "&amp;" + "b" * 10, 3_000)
    assert entity[0] == "a" * 2_997 and entity[1].startswith("&amp;")


def test_action_items_pick_up_owner_and_due_time(times: TimeParser) -> None:
    items = parse_actions(
        "- Recheck K+ <@U0NURSE01|sam.nurse> by tomorrow 6am\n\n"
        "2. Call family <@U0DRPATEL>\n"
        "Discharge summary by Friday",
        times,
        NOW,
        NEW_YORK,
    )
    assert items == [
        ActionItem("Recheck K+", SAM, datetime(2027, 3, 2, 11, 0, tzinfo=UTC)),
        ActionItem("Call family", PATEL, None),
        # A day without a time means the end of its working day.
        ActionItem("Discharge summary", None, datetime(2027, 3, 5, 22, 0, tzinfo=UTC)),
    ]


def test_by_without_a_time_stays_in_the_text(times: TimeParser) -> None:
    [item] = parse_actions("Ask by the family for consent", times, NOW, NEW_YORK)
    assert item == ActionItem("Ask by the family for consent", None, None)


def test_an_action_list_has_a_limit(times: TimeParser) -> None:
    with pytest.raises(HandoffRefused, match=f"up to {MAX_ITEMS}"):
        parse_actions("\n".join(f"step {i}" for i in range(MAX_ITEMS + 1)), times, NOW, NEW_YORK)
