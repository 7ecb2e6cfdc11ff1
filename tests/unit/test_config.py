"""Settings come from the environment and .env, and a wrong one is one clear line."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.config import DEFAULT_DATABASE_URL, ConfigError, load_settings


def test_defaults_need_nothing(tmp_path: Path) -> None:
    settings = load_settings({}, dotenv=tmp_path / "missing.env")

    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.timezone == ZoneInfo("UTC")
    assert settings.port == 3000
    assert not settings.socket_mode


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\nCAREBOT_TIMEZONE=America/Chicago\n"
    )

    settings = load_settings({"PORT": "5000"}, dotenv=dotenv)

    assert settings.bot_token == "xoxb-from-file"
    assert settings.port == 5000
    assert settings.timezone == ZoneInfo("America/Chicago")


def test_slack_api_url_gets_its_trailing_slash() -> None:
    settings = load_settings({"SLACK_API_URL": "http://127.0.0.1:9999/api"}, dotenv=None)
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


def test_run_names_every_missing_variable_and_points_to_the_sandbox() -> None:
    settings = load_settings({}, dotenv=None)

    with pytest.raises(ConfigError) as http:
        settings.require_slack(http=True)
    with pytest.raises(ConfigError) as socket:
        settings.require_slack(http=False)

    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in str(http.value)
    assert "SLACK_BOT_TOKEN, SLACK_APP_TOKEN" in str(socket.value)
    assert "carebot sandbox" in str(http.value)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, dotenv=None
    )
    settings.require_slack(http=False)
    assert settings.socket_mode


def test_socket_mode_pings_every_ten_seconds_unless_told() -> None:
    assert load_settings({}, dotenv=None).socket_ping_seconds == 10
    told = load_settings({"CAREBOT_SOCKET_PING_SECONDS": "3"}, dotenv=None)
    assert told.socket_ping_seconds == 3


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CAREBOT_TIMEZONE", "Mars/Olympus", "America/New_York"),
        ("PORT", "eighty", "3000"),
        ("PORT", "70000", "3000"),
        ("LOG_LEVEL", "chatty", "DEBUG, INFO"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "xapp-"),
        ("SLACK_API_URL", "slack.com/api", "https://slack.com/api/"),
        ("CAREBOT_SWEEP_SECONDS", "0", "30"),
        ("CAREBOT_SOCKET_PING_SECONDS", "2.5", "example: 10"),
        ("CAREBOT_CLINICIAN_REMINDERS", "a day before", "24h,1h"),
        ("CAREBOT_CLINICIAN_REMINDERS", "0h", "24h,1h"),
        ("CAREBOT_VISIT_KINDS", "dialysis", "consult=30m"),
        ("CAREBOT_VISIT_KINDS", "dialysis=30h", "consult=30m"),
        ("CAREBOT_VISIT_WORDS", "surgery TKA", "surgery: TKA, THA"),
        ("CAREBOT_VISIT_WORDS", "dialysis: HD", "surgery: TKA, THA"),
        ("CAREBOT_VISIT_WORDS", "surgery:", "surgery: TKA, THA"),
        ("CAREBOT_HANDOFF_ESCALATION", "critical=5m", "unstable=10m/20m/60m"),
        ("CAREBOT_RETENTION_DAYS", "6 years", "2190"),
        ("CAREBOT_RETENTION_DAYS", "0", "2190"),
        ("CAREBOT_HANDOFF_ESCALATION", "stable=1h/30m", "stable=30m/60m"),
        ("CAREBOT_ADMINS", "@dana", "U012AB3CD,U045EF6GH"),
        ("CAREBOT_ADMINS", "U0COORD01 U0DRPATEL", "U012AB3CD,U045EF6GH"),
        ("CAREBOT_ADMIN_GROUP", "carebot admins", "@carebot-admins"),
        ("CAREBOT_ADMIN_GROUP", "<!subteam^S0123>", "S0123ABCD"),
    ],
)
def test_a_wrong_setting_is_one_line_with_an_example(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({name: value}, dotenv=None)
    assert says in str(error.value)
    assert "\n" not in str(error.value)


def test_clinician_reminder_leads_are_configurable_or_off() -> None:
    from datetime import timedelta

    assert load_settings({}, dotenv=None).reminder_leads == (
        timedelta(hours=24),
        timedelta(hours=1),
    )
    leads = load_settings(
        {"CAREBOT_CLINICIAN_REMINDERS": "30m, 2d ,3h"}, dotenv=None
    ).reminder_leads
    assert leads == (timedelta(days=2), timedelta(hours=3), timedelta(minutes=30))
    assert load_settings({"CAREBOT_CLINICIAN_REMINDERS": "off"}, dotenv=None).reminder_leads == ()


def test_the_kinds_of_visit_are_configurable() -> None:
    from datetime import timedelta

    kinds = load_settings({"CAREBOT_VISIT_KINDS": "Dialysis=4h, consult=45 min"}, dotenv=None)
    assert kinds.appointment_kinds == {
        "dialysis": timedelta(hours=4),
        "consult": timedelta(minutes=45),
        "other": timedelta(minutes=30),
    }
    assert "surgery" in load_settings({}, dotenv=None).appointment_kinds


def test_words_that_name_a_kind_are_configurable() -> None:
    settings = load_settings(
        {
            "CAREBOT_VISIT_KINDS": "surgery=2h, dialysis=4h",
            "CAREBOT_VISIT_WORDS": "Surgery: TKA,  THA ; dialysis: hemodialysis; surgery: ORIF",
        },
        dotenv=None,
    )
    assert settings.appointment_words == {
        "surgery": ("TKA", "THA", "ORIF"),
        "dialysis": ("hemodialysis",),
    }
    assert load_settings({}, dotenv=None).appointment_words == {}


def test_handoff_escalation_delays_are_configurable_per_severity() -> None:
    from datetime import timedelta

    from bot.shared.rules.severity import Severity

    settings = load_settings({"CAREBOT_HANDOFF_ESCALATION": "stable=off"}, dotenv=None)
    assert settings.handoff_ladders[Severity.STABLE] == ()
    unstable = settings.handoff_ladders[Severity.UNSTABLE]
    assert [delay for _, delay in unstable][-1] == timedelta(minutes=60)


def test_admins_come_from_a_list_of_user_ids_and_a_user_group() -> None:
    settings = load_settings(
        {"CAREBOT_ADMINS": "U0COORD01, W0GRID001,", "CAREBOT_ADMIN_GROUP": "@carebot-admins"},
        dotenv=None,
    )
    by_id = load_settings({"CAREBOT_ADMIN_GROUP": "S0SOCWORK"}, dotenv=None)

    assert settings.admins == {"U0COORD01", "W0GRID001"}
    assert settings.admin_group == "@carebot-admins"
    assert by_id.admin_group == "S0SOCWORK"
    assert load_settings({}, dotenv=None).admins == frozenset()
