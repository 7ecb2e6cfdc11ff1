"""Pre-approval settings: round time, holidays, digest time; errors are one line with an example."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.runtime.config import ConfigError, load_settings


def test_defaults_are_nine_no_holidays_and_a_half_past_seven_digest() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.preauth_round == time(9, 0)
    assert settings.holidays == frozenset()
    assert settings.digest_time == time(7, 30)


def test_values_are_read() -> None:
    settings = load_settings(
        {
            "CAREBOT_PREAUTH_ROUND": "8:15",
            "CAREBOT_HOLIDAYS": "2027-12-24, 2027-12-25",
            "CAREBOT_DIGEST_TIME": "off",
        },
        dotenv=None,
    )
    assert settings.preauth_round == time(8, 15)
    assert settings.holidays == {date(2027, 12, 24), date(2027, 12, 25)}
    assert settings.digest_time is None


@pytest.mark.parametrize(
    ("name", "value", "example"),
    [
        ("CAREBOT_PREAUTH_ROUND", "25:00", "09:00"),
        ("CAREBOT_PREAUTH_ROUND", "9am", "09:00"),
        ("CAREBOT_DIGEST_TIME", "7.30", "09:00"),
        ("CAREBOT_HOLIDAYS", "2027-13-01", "2027-12-24,2027-12-25"),
        ("CAREBOT_HOLIDAYS", "christmas", "2027-12-24,2027-12-25"),
    ],
)
def test_bad_values_say_so_in_one_line_with_an_example(name: str, value: str, example: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({name: value}, dotenv=None)
    message = str(refused.value)
    assert name in message and example in message and "\n" not in message
