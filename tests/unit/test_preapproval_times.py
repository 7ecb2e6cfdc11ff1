"""Times shown on pre-approvals are formatted once per instant, and never mixed up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.preapprovals.rules.timing import Rounds, at_risk_from
from bot.shared.rules.business_days import BusinessCalendar
from handlers.preapprovals.views import needed, when

NEW_YORK = ZoneInfo("America/New_York")


def test_the_hour_fall_back_repeats_shows_as_two_times() -> None:
    """1:30 happens twice on 7 Nov 2027 in New York: each shows as the instant it is."""
    first = datetime(2027, 11, 7, 1, 30, tzinfo=NEW_YORK)  # EDT
    second = first.replace(fold=1)  # EST, an hour later
    assert first == second  # the same wall clock in one zone compares equal...
    shown = [when(first, NEW_YORK), when(second, NEW_YORK)]
    assert shown[0] != shown[1]  # ...but not the same time
    assert shown == [when(first.astimezone(UTC), NEW_YORK), when(second.astimezone(UTC), NEW_YORK)]
    assert needed(first, NEW_YORK) != needed(second, NEW_YORK)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        when(datetime(2027, 3, 2, 9, 0), NEW_YORK)
    with pytest.raises(ValueError, match="timezone-aware"):
        needed(datetime(2027, 3, 2, 9, 0), NEW_YORK)


def test_the_at_risk_round_is_the_instants_whatever_zone_it_comes_in() -> None:
    rounds = Rounds(datetime(2000, 1, 1, 9, 0).time(), BusinessCalendar())
    needed_by = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)  # a Friday
    assert at_risk_from(needed_by, NEW_YORK, rounds) == at_risk_from(
        needed_by.astimezone(NEW_YORK), NEW_YORK, rounds
    )
    assert at_risk_from(needed_by, NEW_YORK, rounds) == datetime(2027, 3, 2, 9, 0, tzinfo=NEW_YORK)
    later = needed_by + timedelta(days=3)  # Monday: three business days back is Wednesday
    assert at_risk_from(later, NEW_YORK, rounds) == datetime(2027, 3, 3, 9, 0, tzinfo=NEW_YORK)
