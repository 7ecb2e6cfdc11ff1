"""Settings from the environment and an optional .env file, checked before anything starts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.appointments.rules.appointment import KINDS
from bot.runtime.logs import LOG_FORMATS
from bot.runtime.oauth_config import OAUTH_NEEDS, OAuthConfig, OAuthConfigError, read_oauth
from bot.shared.rules.durations import DurationError, parse_duration
from bot.shared.rules.ladders import DEFAULT_LADDERS, Ladder, LadderError, parse_ladders
from bot.shared.rules.ladders import SETTING_EXAMPLE as LADDER_EXAMPLE
from bot.shared.rules.severity import Severity

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///carebot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# What `carebot run` needs from Slack in each mode, and where the README says how to get it.
HTTP_NEEDS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
SOCKET_MODE_NEEDS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}
README_SLACK_SECTION = "Connecting a real workspace"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message is one line an admin can act on."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    slack_api_url: str = SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    port: int = 3000
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object per line
    sweep_seconds: int = 30
    # Socket Mode: how often carebot pings Slack; a connection Slack closed is replaced
    # within about this many seconds (Bolt's default).
    socket_ping_seconds: int = 10
    # How long before a visit its clinician is reminded, latest first.
    reminder_leads: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    # The kinds of visit offered, each with its default length.
    appointment_kinds: Mapping[str, timedelta] = field(default_factory=lambda: dict(KINDS))
    # Words that name a kind, besides the standard ones ("surgery": ("TKA", "THA")).
    appointment_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # When an unacknowledged handoff escalates, per severity (DM, thread, channel).
    handoff_ladders: Mapping[Severity, Ladder] = field(
        default_factory=lambda: dict(DEFAULT_LADDERS)
    )
    # Who may run admin commands: these user ids, and the members of this user group.
    admins: frozenset[str] = frozenset()
    admin_group: str | None = None  # a group id (S0123ABCD) or a handle (@carebot-admins)
    # How many days closed records are kept before `carebot retention` removes them.
    retention_days: int | None = None
    # Pre-approval reminder rounds: this time on business days, in each owner's own zone.
    preauth_round: time = time(9, 0)
    # Days without rounds besides weekends (clinic holidays).
    holidays: frozenset[date] = frozenset()
    # When each care-team channel gets its daily digest (clinic time); None: no digest.
    digest_time: time | None = time(7, 30)
    # How far one series of visits may reach: this many visits, this many days.
    series_max_visits: int = 100
    series_max_days: int = 366
    # Many workspaces (OAuth installs, HTTP mode); None: the one of SLACK_BOT_TOKEN.
    oauth: OAuthConfig | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def many_workspaces(self) -> bool:
        return self.oauth is not None

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def require_slack(self, *, http: bool, asked_for_http: bool = False) -> None:
        """Refuse to run without what the chosen mode needs; name every missing variable at once."""
        if self.oauth is not None:
            self._require_many(http=http)
            return
        needed = HTTP_NEEDS if http else SOCKET_MODE_NEEDS
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
        }
        missing = [name for name in needed if not values[name]]
        if not missing:
            return
        if not http:
            mode = "Socket Mode (SLACK_APP_TOKEN is set)"
        elif asked_for_http:
            mode = "HTTP mode (--http)"
        else:
            mode = "HTTP mode (SLACK_APP_TOKEN is not set)"
        other = (
            f" (Socket Mode needs {_and(SOCKET_MODE_NEEDS)} instead)"
            if http and not asked_for_http
            else ""
        )
        raise ConfigError(
            f"carebot run in {mode} needs {_and(missing)} in the environment or in .env{other}; "
            f"see README: {README_SLACK_SECTION}. "
            "To try carebot without Slack, run: carebot sandbox"
        )

    def _require_many(self, *, http: bool) -> None:
        if not http:
            raise ConfigError(
                f"many workspaces ({_and(OAUTH_NEEDS)}) need HTTP mode, where Slack sends admins "
                "back to /slack/oauth_redirect: unset SLACK_APP_TOKEN, or run carebot run --http; "
                f"see README: {README_SLACK_SECTION}"
            )
        if not self.signing_secret:
            raise ConfigError(
                "carebot run for many workspaces needs SLACK_SIGNING_SECRET in the environment or "
                f"in .env; see README: {README_SLACK_SECTION}"
            )


def _and(names: Sequence[str]) -> str:
    """ "SLACK_BOT_TOKEN (xoxb-...) and SLACK_SIGNING_SECRET" """
    return " and ".join(
        f"{name} ({TOKEN_PREFIXES[name]}...)" if name in TOKEN_PREFIXES else name for name in names
    )


def load_settings(environ: Mapping[str, str], dotenv: Path | None = Path(".env")) -> Settings:
    """Read settings: the environment wins over .env; unset or empty means the default."""
    values: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    values.update(environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    return Settings(
        bot_token=_prefixed(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        app_token=_prefixed(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN"),
        slack_api_url=_api_url(get("SLACK_API_URL") or SLACK_API_URL),
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        timezone=_zone(get("CAREBOT_TIMEZONE") or "UTC"),
        port=port_number(get("PORT") or "3000", "PORT"),
        log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        log_format=_log_format(get("LOG_FORMAT") or "text"),
        sweep_seconds=_positive(get("CAREBOT_SWEEP_SECONDS") or "30", "CAREBOT_SWEEP_SECONDS"),
        socket_ping_seconds=_positive(
            get("CAREBOT_SOCKET_PING_SECONDS") or "10", "CAREBOT_SOCKET_PING_SECONDS", "10"
        ),
        reminder_leads=_leads(get("CAREBOT_CLINICIAN_REMINDERS") or "24h,1h"),
        appointment_kinds=(kinds := _kinds(get("CAREBOT_VISIT_KINDS"))),
        appointment_words=_kind_words(get("CAREBOT_VISIT_WORDS"), kinds),
        handoff_ladders=_ladders(get("CAREBOT_HANDOFF_ESCALATION") or ""),
        admins=_admins(get("CAREBOT_ADMINS") or ""),
        admin_group=_admin_group(get("CAREBOT_ADMIN_GROUP")),
        retention_days=_days(get("CAREBOT_RETENTION_DAYS"), "CAREBOT_RETENTION_DAYS"),
        preauth_round=_clock(get("CAREBOT_PREAUTH_ROUND") or "09:00", "CAREBOT_PREAUTH_ROUND"),
        holidays=_holidays(get("CAREBOT_HOLIDAYS")),
        digest_time=_digest(get("CAREBOT_DIGEST_TIME") or "07:30"),
        series_max_visits=_at_most(
            get("CAREBOT_SERIES_MAX_VISITS"), "CAREBOT_SERIES_MAX_VISITS", 100, 500
        ),
        series_max_days=_at_most(
            get("CAREBOT_SERIES_MAX_DAYS"), "CAREBOT_SERIES_MAX_DAYS", 366, 1830
        ),
        oauth=_oauth(get, bot_token=get("SLACK_BOT_TOKEN")),
    )


def _oauth(get: Callable[[str], str | None], *, bot_token: str | None) -> OAuthConfig | None:
    try:
        return read_oauth(get, bot_token=bot_token)
    except OAuthConfigError as problem:
        raise ConfigError(str(problem)) from None


def _prefixed(value: str | None, name: str) -> str | None:
    prefix = TOKEN_PREFIXES[name]
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix!r} (got a value that does not)")
    return value


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL {value!r} is not a URL; example: {SLACK_API_URL}")
    return value if value.endswith("/") else value + "/"


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CAREBOT_TIMEZONE {value!r} is not a time zone; example: America/New_York"
        ) from None


def port_number(value: str, name: str) -> int:
    """ "3000" -> 3000; what PORT and `carebot run --port` accept (1-65535)."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise ConfigError(f"{name} {value!r} is not a port number (1-65535); example: 3000")
    return int(value)


def _positive(value: str, name: str, example: str = "30") -> int:
    if not value.isdigit() or int(value) == 0:
        raise ConfigError(
            f"{name} {value!r} should be a whole number of seconds; example: {example}"
        )
    return int(value)


def _at_most(value: str | None, name: str, default: int, most: int) -> int:
    """A whole number from 2 to `most` (a series of visits, or of days), else `default`."""
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not 2 <= int(value) <= most:
        raise ConfigError(
            f"{name} {value!r} should be a whole number from 2 to {most}; example: {default}"
        )
    return int(value)


_LEAD = re.compile(r"^(\d{1,4})\s*(m|min|h|d)$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def _leads(value: str) -> tuple[timedelta, ...]:
    """ "24h,1h" -> (24 h, 1 h); "off" -> no clinician reminders."""
    if value.strip().lower() in ("off", "none"):
        return ()
    leads = []
    for part in value.split(","):
        found = _LEAD.match(part.strip().lower())
        if not found or int(found[1]) == 0:
            raise ConfigError(
                f"CAREBOT_CLINICIAN_REMINDERS {value!r} should be lead times like 24h,1h "
                "(m, h or d), or off"
            )
        leads.append(timedelta(**{_UNITS[found[2]]: int(found[1])}))
    return tuple(sorted(set(leads), reverse=True))


def _kinds(value: str | None) -> dict[str, timedelta]:
    """ "consult=30m, dialysis=4h" -> those kinds and lengths; unset -> the standard list."""
    if value is None:
        return dict(KINDS)
    kinds: dict[str, timedelta] = {}
    for part in value.split(","):
        name, _, length = part.partition("=")
        name = " ".join(name.split()).lower()
        try:
            parsed = parse_duration(length.strip())
        except DurationError:
            parsed = None
        if not re.fullmatch(r"[a-z][a-z /-]{0,31}", name) or parsed is None:
            raise ConfigError(
                f"CAREBOT_VISIT_KINDS {value!r} should list kind=length pairs, "
                "e.g. consult=30m,follow-up=20m,surgery=2h (5 min to 12 h each)"
            )
        kinds[name] = parsed
    kinds.setdefault("other", KINDS["other"])  # anything unlisted is booked as "other"
    return kinds


def _kind_words(value: str | None, kinds: Mapping[str, timedelta]) -> dict[str, tuple[str, ...]]:
    """ "surgery: TKA, THA; dialysis: hemodialysis" -> more words that name those kinds."""
    words: dict[str, tuple[str, ...]] = {}
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        kind, colon, listed = part.partition(":")
        kind = " ".join(kind.split()).lower()
        named = tuple(w for w in (" ".join(x.split()) for x in listed.split(",")) if w)
        if not colon or kind not in kinds or not named or any(len(w) > 40 for w in named):
            raise ConfigError(
                f"CAREBOT_VISIT_WORDS {value!r} should list kind: words; ..., each kind one of "
                f"{', '.join(kinds)}, e.g. surgery: TKA, THA; imaging: DEXA"
            )
        words[kind] = (*words.get(kind, ()), *named)
    return words


def _ladders(value: str) -> dict[Severity, Ladder]:
    try:
        return parse_ladders(value)
    except LadderError as problem:
        raise ConfigError(
            f"CAREBOT_HANDOFF_ESCALATION: {problem}; example: {LADDER_EXAMPLE}"
        ) from None


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,31}")
_GROUP_HANDLE = re.compile(r"@?[a-z0-9][a-z0-9._-]{0,79}", re.IGNORECASE)


def _days(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) == 0:
        raise ConfigError(f"{name} {value!r} should be a whole number of days; example: 2190")
    return int(value)


def _admins(value: str) -> frozenset[str]:
    """ "U012AB3CD, U045EF6GH" -> those user ids."""
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not all(_USER_ID.fullmatch(user_id) for user_id in ids):
        raise ConfigError(
            f"CAREBOT_ADMINS {value!r} should list Slack user ids, e.g. U012AB3CD,U045EF6GH "
            "(in Slack: a profile, then More, then Copy member ID)"
        )
    return frozenset(ids)


def _admin_group(value: str | None) -> str | None:
    """A user group id (S0123ABCD) or handle (@carebot-admins), as typed."""
    if value is None or _GROUP_ID.fullmatch(value) or _GROUP_HANDLE.fullmatch(value):
        return value
    raise ConfigError(
        f"CAREBOT_ADMIN_GROUP {value!r} should be a user group handle like @carebot-admins "
        "or its id like S0123ABCD"
    )


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(value: str, name: str) -> time:
    """ "09:00" -> 09:00; a time of day on the 24-hour clock."""
    found = _CLOCK.match(value.strip())
    if not found:
        raise ConfigError(f"{name} {value!r} should be a time of day like 09:00 (24-hour clock)")
    return time(int(found[1]), int(found[2]))


def _digest(value: str) -> time | None:
    if value.strip().lower() in ("off", "none"):
        return None
    return _clock(value, "CAREBOT_DIGEST_TIME")


def _holidays(value: str | None) -> frozenset[date]:
    """ "2027-12-24,2027-12-25" -> those days; no reminder rounds on them."""
    if value is None:
        return frozenset()
    days = set()
    for part in value.split(","):
        try:
            days.add(date.fromisoformat(part.strip()))
        except ValueError:
            raise ConfigError(
                f"CAREBOT_HOLIDAYS {value!r} should list dates like 2027-12-24,2027-12-25"
            ) from None
    return frozenset(days)


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL {value!r} should be one of {', '.join(LOG_LEVELS)}")
    return level


def _log_format(value: str) -> str:
    if value.lower() not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT {value!r} should be text (the default) or json")
    return value.lower()
