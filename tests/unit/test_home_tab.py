"""The Home tab's registry and redraw hook, with a recording republisher."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from bot.shared.home import HomeSection, HomeTab, Page, Viewer

if TYPE_CHECKING:
    pass


def nothing(viewer: Viewer, offset: int, limit: int) -> Page:
    return Page((), 0)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, frozenset[str], frozenset[str]]] = []

    def __call__(self, team: str, users: frozenset[str], groups: frozenset[str]) -> None:
        self.calls.append((team, users, groups))


def test_sections_keep_their_order_and_a_key_is_added_once() -> None:
    home = HomeTab()
    home.add_section(HomeSection("appointments", "Appointments", nothing))
    home.add_section(HomeSection("preauth", "Pre-approvals", nothing))

    assert [s.key for s in home.sections] == ["appointments", "preauth"]
    with pytest.raises(ValueError, match="preauth"):
        home.add_section(HomeSection("preauth", "Again", nothing))


def test_a_change_redraws_the_people_and_groups_it_names_once_each() -> None:
    home, redraw = HomeTab(), Recorder()
    home.attach(redraw)

    home.changed("T1", ["U1", None, "U2", "U1", ""], groups=[None, "S1"])
    home.changed("T1", [None, ""])  # nobody: nothing to redraw

    assert redraw.calls == [("T1", frozenset({"U1", "U2"}), frozenset({"S1"}))]


def test_a_failing_redraw_is_logged_without_its_message(caplog: pytest.LogCaptureFixture) -> None:
    def broken(team: str, users: frozenset[str], groups: frozenset[str]) -> None:
        raise RuntimeError("Jane Doe MRN 88123")

    home = HomeTab()
    home.attach(broken)
    with caplog.at_level(logging.WARNING):
        home.changed("T1", ["U1"])

    assert "could not redraw Home tabs" in caplog.text
    assert "Jane Doe" not in caplog.text


def test_redraws_run_in_the_pool_and_a_closed_pool_is_not_an_error() -> None:
    home, redraw = HomeTab(), Recorder()
    home.attach(redraw)
    pool = ThreadPoolExecutor(max_workers=1)
    home.run_in(pool)

    home.changed("T1", ["U1"])
    pool.shutdown(wait=True)
    home.changed("T1", ["U2"])

    assert redraw.calls == [("T1", frozenset({"U1"}), frozenset())]
