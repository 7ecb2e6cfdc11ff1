"""A choice goes where the unclear name was typed, and nowhere else."""

from __future__ import annotations

import pytest

from bot.shared.rules.refusals import answered


@pytest.mark.parametrize(
    ("text", "asked", "typed", "last", "expected"),
    [
        ("Jane Doe: stable", "Jane Doe", "P-2", False, "P-2: stable"),
        ("book Jane  Doe, MRI, 3pm", "Jane Doe", "P-1", False, "book P-1, MRI, 3pm"),
        ("Sam Jones to sam: BP low", "sam", "<@U1>", True, "Sam Jones to <@U1>: BP low"),
        ("sam jones to sam: BP low", "sam", "<@U1>", True, "sam jones to <@U1>: BP low"),
        ("book ok, MRI, 3pm", "ok", "P-3", False, "book P-3, MRI, 3pm"),  # not inside "book"
        ("Samuel to @sam: x", "@sam", "<@U1>", True, "Samuel to <@U1>: x"),
    ],
)
def test_the_choice_replaces_the_name_as_typed(
    text: str, asked: str, typed: str, last: bool, expected: str
) -> None:
    assert answered(text, asked, typed, last=last) == expected


@pytest.mark.parametrize(("text", "asked"), [("Jane Doe: x", "Jane Do"), ("x", ""), ("x", "  ")])
def test_a_name_not_in_the_text_gives_nothing_to_run(text: str, asked: str) -> None:
    assert answered(text, asked, "P-1") is None
