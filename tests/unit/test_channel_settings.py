"""Per-channel settings: what an admin may type, and how a channel's values override defaults."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.shared.rules.channel_settings import (
    ChannelSettings,
    Overrides,
    SettingError,
    days_text,
    effective,
    ladders_text,
    read_clock,
    read_days,
    read_digest,
    read_holidays,
    read_ladders,
    read_timezone,
)
from bot.shared.rules.display import PatientDisplay
from bot.shared.rules.ladders import DEFAULT_LADDERS, Rung
from bot.shared.rules.settings_form import HOURS, check, read_hours, shown
from bot.shared.rules.severity import Severity

DEFAULTS = ChannelSettings(timezone=ZoneInfo("America/New_York"), handoff_ladders=DEFAULT_LADDERS)


def test_a_channel_without_its_own_values_follows_the_workspace() -> None:
    assert effective(DEFAULTS, None) == DEFAULTS
    assert effective(DEFAULTS, Overrides()) == DEFAULTS


def test_each_value_a_channel_sets_overrides_only_that_setting() -> None:
    mine = effective(
        DEFAULTS,
        Overrides(
            timezone="Europe/Berlin",
            clinic_opens="07:00",
            clinic_closes="15:30",
            clinic_days="mon-sat",
            holidays="2027-12-24, 2027-12-31",
            digest_time="off",
            handoff_escalation="unstable=5m/10m/30m",
            preauth_round="10:15",
            patient_display="id",
        ),
    )
    assert mine.timezone == ZoneInfo("Europe/Berlin")
    assert (mine.opens, mine.closes, mine.days) == (time(7), time(15, 30), frozenset(range(6)))
    assert mine.holidays == {date(2027, 12, 24), date(2027, 12, 31)}
    assert mine.digest_time is None and mine.preauth_round == time(10, 15)
    assert mine.patient_display is PatientDisplay.ID
    assert mine.handoff_ladders[Severity.UNSTABLE][0] == (Rung.DM, timedelta(minutes=5))
    assert mine.handoff_ladders[Severity.STABLE] == DEFAULT_LADDERS[Severity.STABLE]
    assert mine.clinic_hours.closes == time(15, 30)
    assert mine.is_day_off(date(2027, 12, 24)) and mine.is_day_off(date(2027, 12, 26))


def test_a_stored_value_that_no_longer_reads_falls_back_to_the_default() -> None:
    mine = effective(DEFAULTS, Overrides(timezone="Mars/Olympus", clinic_opens="19:00"))
    assert mine.timezone == DEFAULTS.timezone and mine.opens == DEFAULTS.opens


@pytest.mark.parametrize("typed", ["Mars/Olympus", "", "../etc/passwd", "America/New York"])
def test_a_time_zone_that_does_not_exist_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(SettingError, match="America/New_York"):
        read_timezone(typed)


@pytest.mark.parametrize("typed", ["25:00", "7.30", "noon", "24:00"])
def test_a_digest_time_like_25_00_is_refused(typed: str) -> None:
    with pytest.raises(SettingError, match="07:30, or off"):
        read_digest(typed)


def test_times_and_days_read_as_typed() -> None:
    assert read_clock(" 7:05 ") == time(7, 5) and read_digest("OFF") is None
    assert read_days("Mon, Wed,fri") == {0, 2, 4} and read_days("monday-friday") == set(range(5))
    assert days_text(frozenset(range(5))) == "mon-fri" and days_text(frozenset({0, 2})) == "mon,wed"
    with pytest.raises(SettingError, match="mon-fri"):
        read_days("weekdays")
    with pytest.raises(SettingError, match="backwards"):
        read_days("fri-mon")


def test_malformed_holidays_and_delays_are_refused() -> None:
    assert read_holidays("2027-12-24\n2027-12-25") == {date(2027, 12, 24), date(2027, 12, 25)}
    with pytest.raises(SettingError, match="2027-12-24"):
        read_holidays("2027-12-24, christmas")
    with pytest.raises(SettingError, match="longer than the one before"):
        read_ladders("unstable=20m/10m", DEFAULT_LADDERS)
    with pytest.raises(SettingError, match="stable, watcher or unstable"):
        read_ladders("critical=5m", DEFAULT_LADDERS)


def test_ladders_are_written_back_in_the_setting_syntax() -> None:
    text = ladders_text(DEFAULT_LADDERS)
    assert text == "stable=30m/60m, watcher=15m/30m, unstable=10m/20m/60m"
    assert read_ladders(text, {}) == DEFAULT_LADDERS
    assert ladders_text(read_ladders("watcher=off", DEFAULT_LADDERS)).count("watcher=off") == 1


def test_the_form_keeps_only_what_differs_from_the_workspace() -> None:
    typed = shown(DEFAULTS) | {HOURS: "7:00 to 15:00", "digest_time": " OFF "}
    assert check(typed, DEFAULTS) == Overrides(
        clinic_opens="07:00", clinic_closes="15:00", digest_time="off"
    )
    assert check({}, DEFAULTS) == Overrides()


def test_the_form_reports_every_bad_field_at_once() -> None:
    errors = check({HOURS: "18:00-08:00", "timezone": "Nowhere/Town"}, DEFAULTS)
    assert isinstance(errors, dict) and set(errors) == {HOURS, "timezone"}
    with pytest.raises(SettingError, match="end after they start"):
        read_hours("09:00-09:00")
