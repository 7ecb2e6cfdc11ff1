"""Settings come from the environment and .env, and a wrong one is one clear line."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.config import (
    DEFAULT_DATABASE_URL,
    README_SLACK_SECTION,
    ConfigError,
    load_settings,
    port_number,
)


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


BOT, SECRET, APP = "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"
VALUES = {BOT: "xoxb-1", SECRET: "s3cret", APP: "xapp-1"}


@pytest.mark.parametrize(
    ("present", "http_flag", "mode", "missing"),
    [
        # No SLACK_APP_TOKEN: HTTP mode, which needs the bot token and the signing secret.
        ((), False, "HTTP mode (SLACK_APP_TOKEN is not set)", (BOT, SECRET)),
        ((SECRET,), False, "HTTP mode (SLACK_APP_TOKEN is not set)", (BOT,)),
        ((BOT,), False, "HTTP mode (SLACK_APP_TOKEN is not set)", (SECRET,)),
        # --http: the same needs, whatever else is set.
        ((), True, "HTTP mode (--http)", (BOT, SECRET)),
        ((APP,), True, "HTTP mode (--http)", (BOT, SECRET)),
        ((BOT, APP), True, "HTTP mode (--http)", (SECRET,)),
        ((SECRET, APP), True, "HTTP mode (--http)", (BOT,)),
        # SLACK_APP_TOKEN set: Socket Mode, which needs the bot token and no signing secret.
        ((APP,), False, "Socket Mode (SLACK_APP_TOKEN is set)", (BOT,)),
        ((SECRET, APP), False, "Socket Mode (SLACK_APP_TOKEN is set)", (BOT,)),
    ],
)
def test_run_names_only_what_the_chosen_mode_lacks(
    present: tuple[str, ...], http_flag: bool, mode: str, missing: tuple[str, ...]
) -> None:
    settings = load_settings({name: VALUES[name] for name in present}, dotenv=None)

    with pytest.raises(ConfigError) as refused:
        settings.require_slack(http=http_flag or not settings.socket_mode, asked_for_http=http_flag)

    line = str(refused.value)
    needs = line.split(" needs ", 1)[1].split(" in the environment", 1)[0]
    assert line.startswith(f"carebot run in {mode} needs ")
    assert {name for name in (BOT, SECRET, APP) if name in needs} == set(missing)
    assert "\n" not in line
    assert "README: Connecting a real workspace" in line
    assert "carebot sandbox" in line


def test_with_nothing_set_it_also_says_what_socket_mode_would_need() -> None:
    settings = load_settings({}, dotenv=None)

    with pytest.raises(ConfigError) as refused:
        settings.require_slack(http=True)
    with pytest.raises(ConfigError) as asked_for_http:
        settings.require_slack(http=True, asked_for_http=True)

    assert (
        "needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_SIGNING_SECRET in the environment or in .env "
        "(Socket Mode needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...) instead)"
    ) in str(refused.value)
    assert "Socket Mode" not in str(asked_for_http.value)


def test_the_readme_has_the_section_the_messages_name() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"\n## {README_SLACK_SECTION}\n" in readme


def test_each_mode_runs_with_exactly_its_variables() -> None:
    load_settings({BOT: "xoxb-1", SECRET: "s"}, dotenv=None).require_slack(http=True)
    socket = load_settings({BOT: "xoxb-1", APP: "xapp-1"}, dotenv=None)
    socket.require_slack(http=False)
    assert socket.socket_mode


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
        ("PORT", "0", "1-65535"),
        ("PORT", "-1", "1-65535"),
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


@pytest.mark.parametrize("value", ["99999", "65536", "0", "-1", "abc", "", "80.5", "²", " 80"])
def test_a_port_is_a_number_from_1_to_65535(value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        port_number(value, "--port")
    assert str(refused.value) == f"--port {value!r} is not a port number (1-65535); example: 3000"


def test_a_good_port_is_taken() -> None:
    assert port_number("1", "--port") == 1
    assert port_number("65535", "PORT") == 65535


@pytest.mark.parametrize("value", ["1", "501", "ten", "-5", "1e3"])
def test_a_series_limit_outside_its_range_is_one_line(value: str, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"CAREBOT_SERIES_MAX_VISITS .* from 2 to 500; example: 100"
    ):
        load_settings({"CAREBOT_SERIES_MAX_VISITS": value}, dotenv=tmp_path / "none")


def test_series_limits_are_read(tmp_path: Path) -> None:
    settings = load_settings(
        {"CAREBOT_SERIES_MAX_VISITS": "24", "CAREBOT_SERIES_MAX_DAYS": "90"},
        dotenv=tmp_path / "none",
    )
    assert (settings.series_max_visits, settings.series_max_days) == (24, 90)
