"""The tables slack_sdk's SQLAlchemy stores read and write: installations, bots, OAuth states.

Their columns are slack_sdk's (3.8+), so its stores work on them unchanged, with one
difference: token columns are TEXT, since carebot stores tokens encrypted and a
ciphertext is longer than the 200 characters slack_sdk reserves. The schema is built
twice from one definition: on the models' metadata with plain TEXT (what migration
0009 creates and tests compare against), and by `bot.runtime.installations` with a type
that encrypts and decrypts those same columns.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.types import TypeEngine

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
STATES = "slack_oauth_states"
# The columns that hold a secret: a bot's or a user's access or refresh token.
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _bot_columns(token: TypeEngine[str]) -> list[Column[object]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", token),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", token),
        Column("bot_token_expires_at", DateTime),
    ]


def installations_table(metadata: MetaData, token: TypeEngine[str] | None = None) -> Table:
    """Who installed carebot in which workspace, with what scopes (one row per install)."""
    token = token if token is not None else Text()
    return Table(
        INSTALLATIONS,
        metadata,
        *_bot_columns(token),
        Column("user_id", String(32), nullable=False),
        Column("user_token", token),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", token),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", String(200)),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("enterprise_url", String(200)),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(
            f"{INSTALLATIONS}_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )


def bots_table(metadata: MetaData, token: TypeEngine[str] | None = None) -> Table:
    """The bot token of each workspace carebot is installed in (the newest row wins)."""
    token = token if token is not None else Text()
    return Table(
        BOTS,
        metadata,
        *_bot_columns(token),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )


def states_table(metadata: MetaData) -> Table:
    """OAuth `state` values handed out by /slack/install, each used once before it expires."""
    return Table(
        STATES,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )
