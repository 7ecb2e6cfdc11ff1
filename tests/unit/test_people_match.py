"""Who a name typed without a mention means: one for sure, or the closest, never a guess."""

from __future__ import annotations

import pytest

from bot.shared.rules.people_match import Known, NobodyByThatName, who

SAM = Known("U0NURSE01", "sam.nurse", ("sam.nurse", "Sam Ortiz"))
SAM_LEE = Known("U0SAMLEE1", "sam.lee", ("Sam", "Sam Lee"))
PATEL = Known("U0DRPATEL", "dr.patel", ("dr.patel", "Dr. Anika Patel"))
SOCIAL = Known("S0SOCIAL1", "social-work", ("Social Work",))
EVERYONE = (SAM, SAM_LEE, PATEL, SOCIAL)
EXAMPLE = "`/handoff Jane Doe to {mention}: ...`"


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("sam.nurse", SAM),
        ("@SAM.NURSE", SAM),
        ("Sam Ortiz", SAM),
        ("sam nurse", SAM),
        ("Dr. Anika Patel", PATEL),
        ("social work", SOCIAL),
        ("@social-work", SOCIAL),
    ],
)
def test_a_name_that_one_person_or_role_answers_to_is_theirs(typed: str, found: Known) -> None:
    assert who(typed, EVERYONE, what="receiver", example=EXAMPLE) == found


def test_a_name_several_answer_to_is_asked_about_with_each_of_them() -> None:
    two = (SAM, Known("U0SAMORT2", "sam.ortiz", ("Sam Ortiz",)))
    with pytest.raises(NobodyByThatName) as refused:
        who("Sam Ortiz", two, what="receiver", example=EXAMPLE)
    assert str(refused.value).startswith('Several people answer to "Sam Ortiz": @sam.nurse')
    assert "@sam.ortiz" in str(refused.value)
    assert [(c.button, c.typed) for c in refused.value.choices] == [
        ("@sam.nurse", f"<@{SAM.id}>"),
        ("@sam.ortiz", "<@U0SAMORT2>"),
    ]
    assert refused.value.asked == "Sam Ortiz" and refused.value.last


def test_a_near_miss_names_the_closest_and_how_to_mention_them() -> None:
    with pytest.raises(NobodyByThatName) as refused:
        who("@dr.patl", EVERYONE, what="clinician", example=EXAMPLE)
    text = str(refused.value)
    assert text.startswith('I couldn\'t find "@dr.patl" in this workspace. Closest: @dr.patel')
    assert "e.g. `/handoff Jane Doe to @dr.patel: ...`" in text
    assert "<@" not in text  # plain text: pings nobody, survives escaping
    assert [c.button for c in refused.value.choices] == ["@dr.patel"]


def test_a_name_with_markup_is_quoted_escaped() -> None:
    with pytest.raises(NobodyByThatName) as refused:
        who("<b>&co", EVERYONE, what="owner", example=EXAMPLE)
    assert str(refused.value).startswith('I couldn\'t find "&lt;b&gt;&amp;co"')
    assert refused.value.choices == ()


def test_nobody_close_says_how_to_mention_without_naming_anyone() -> None:
    with pytest.raises(NobodyByThatName, match="Mention the owner so Slack completes the name"):
        who("zzz", EVERYONE, what="owner", example=EXAMPLE)
