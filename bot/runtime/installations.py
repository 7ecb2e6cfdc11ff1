"""Where carebot keeps the Slack installs of many workspaces: slack_sdk's SQLAlchemy stores
over carebot's own database, with every token encrypted at rest.

Tokens are encrypted with Fernet (the `cryptography` package: AES-128-CBC with an
HMAC-SHA256, each value with its own IV and timestamp). `CAREBOT_TOKEN_KEY` holds one key,
or several separated by commas: the first encrypts, any decrypts, so a key is rotated by
putting the new one first and dropping the old one once every token has been refreshed
or re-saved.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Dialect, Engine, MetaData, Table, desc, select
from sqlalchemy.types import Text, TypeDecorator

from storage.slack_schema import (
    BOTS,
    INSTALLATIONS,
    STATES,
    bots_table,
    installations_table,
    states_table,
)

log = logging.getLogger(__name__)

KEY_EXAMPLE = "carebot token-key"  # the command that prints a new key (as oauth_config says)


class TokenKeyError(ValueError):
    """CAREBOT_TOKEN_KEY is not a key, or does not open the tokens stored with another one."""


class TokenCipher:
    """Encrypts and decrypts tokens with the keys from CAREBOT_TOKEN_KEY (first one encrypts)."""

    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        try:
            self._fernet = MultiFernet([Fernet(part.encode()) for part in parts])
        except (ValueError, TypeError):  # not 32 url-safe base64 bytes, or no key at all
            raise TokenKeyError(
                "CAREBOT_TOKEN_KEY should be one or more keys separated by commas, each 44 "
                f"characters of url-safe base64; make one with: {KEY_EXAMPLE}"
            ) from None

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(
                "CAREBOT_TOKEN_KEY does not decrypt the Slack tokens in the database; if the key "
                "was changed, list the new key first and the old one after it, separated by a comma"
            ) from None


class EncryptedToken(TypeDecorator[str]):
    """A token column: encrypted on the way in, decrypted on the way out."""

    impl = Text()
    cache_ok = True

    def __init__(self, cipher: TokenCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.decrypt(value)


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on carebot's tables, its token columns encrypted with `cipher`."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        self._token_type = EncryptedToken(cipher)
        super().__init__(client_id=client_id, engine=engine, logger=log)

    def build_installations_table(self, metadata: MetaData, table_name: str) -> Table:  # type: ignore[override]
        assert table_name == INSTALLATIONS
        return installations_table(metadata, self._token_type)

    def build_bots_table(self, metadata: MetaData, table_name: str) -> Table:  # type: ignore[override]
        assert table_name == BOTS
        return bots_table(metadata, self._token_type)

    def bot_of_team(self, team_id: str) -> Bot | None:
        """The newest bot install in this workspace, whatever its enterprise (the records
        carebot keeps name only the workspace)."""
        c = self.bots.c
        query = (
            self.bots.select()
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else self.build_bot_entity(row)

    def forget_team(self, team_id: str) -> int:
        """Delete every install and bot token of this workspace; how many rows went."""
        with self.engine.begin() as connection:
            gone = 0
            for table in (self.installations, self.bots):
                result = connection.execute(
                    table.delete().where(
                        table.c.client_id == self.client_id, table.c.team_id == team_id
                    )
                )
                gone += result.rowcount or 0
        return gone

    def reencrypt(self) -> int:
        """Write every stored token again with the first key (after a key change); how many
        rows. Each is read through the old key, so CAREBOT_TOKEN_KEY must hold both."""
        rewritten = 0
        with self.engine.begin() as connection:
            for table in (self.installations, self.bots):
                tokens = [c for c in table.c if isinstance(c.type, EncryptedToken)]
                rows = connection.execute(select(table.c.id, *tokens)).mappings().all()
                for row in rows:
                    connection.execute(
                        table.update()
                        .where(table.c.id == row["id"])
                        .values({c.name: row[c.name] for c in tokens})
                    )
                rewritten += len(rows)
        return rewritten

    def check_key(self) -> None:
        """Raise TokenKeyError if the key cannot open a stored token (checked at start)."""
        c = self.bots.c
        with self.engine.connect() as connection:
            connection.execute(select(c.bot_token).where(c.bot_token.is_not(None)).limit(1)).first()


class StateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store on carebot's table; a state is consumed atomically, so
    a double-clicked or replayed redirect gets through once."""

    def __init__(self, engine: Engine, expiration_seconds: int = 600) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)

    @classmethod
    def build_oauth_states_table(cls, metadata: MetaData, table_name: str) -> Table:
        assert table_name == STATES
        return states_table(metadata)

    def consume(self, state: str) -> bool:
        now = datetime.now(UTC).replace(tzinfo=None)  # slack_sdk stores naive UTC
        c = self.oauth_states.c
        with self.engine.begin() as connection:
            result = connection.execute(
                self.oauth_states.delete().where(c.state == state, c.expire_at > now)
            )
        return bool(result.rowcount)

    def purge_expired(self) -> int:
        """Drop states nobody came back with (slack_sdk leaves them); how many went."""
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.engine.begin() as connection:
            result = connection.execute(
                self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now)
            )
        return result.rowcount or 0
