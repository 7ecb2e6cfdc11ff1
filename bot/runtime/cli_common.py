"""What every carebot subcommand shares: settings from the environment, the database opened
and checked, and the one-line refusal for the admin."""

from __future__ import annotations

import os
import re

from bot.runtime.config import Settings, load_settings
from bot.runtime.logs import configure_logging
from storage import Database

TEAM_ID = re.compile(r"[TE][A-Z0-9]{1,31}")


class Refused(Exception):
    """Something outside carebot is not as it should be; the message is one line for the admin."""


def settings_from_env() -> Settings:
    settings = load_settings(os.environ)
    configure_logging(settings.log_level, settings.log_format)
    return settings


def open_database(settings: Settings) -> Database:
    """Connect and check the schema: SQLite upgrades itself, others must be migrated first."""
    db = Database(settings.database_url)
    if db.dialect == "sqlite":
        db.upgrade()
    elif not db.is_up_to_date():
        raise Refused("the database schema is not up to date: run `carebot db upgrade` first")
    return db
