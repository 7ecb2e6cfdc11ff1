"""Migration 0004 (pre-approvals) goes down to 0003 and up again, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from storage import Database
from storage.db import MIGRATIONS

TABLES = {"preapprovals", "preapproval_messages", "preapproval_rounds"}


def test_migration_0004_goes_down_to_0003_and_up_again(fresh_db: Database) -> None:
    fresh_db.upgrade()
    assert set(sa.inspect(fresh_db.engine).get_table_names()) >= TABLES

    with fresh_db.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")

    assert fresh_db.current_revision() == "0003"
    assert not TABLES & set(sa.inspect(fresh_db.engine).get_table_names())
    fresh_db.upgrade()
    assert fresh_db.current_revision() == "0013" and fresh_db.is_up_to_date()


def test_migration_0012_adds_the_series_link_and_goes_down_without_it(fresh_db: Database) -> None:
    fresh_db.upgrade()

    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(fresh_db.engine).get_columns("preapprovals")}

    assert "series_id" in columns()
    with fresh_db.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")

    assert fresh_db.current_revision() == "0011" and "series_id" not in columns()
    fresh_db.upgrade()
    assert "series_id" in columns() and fresh_db.is_up_to_date()
