"""Many workspaces' installs on both databases: tokens encrypted at rest, found per workspace,
forgotten on uninstall; OAuth states used once; an uninstalled workspace's reminders wait."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation

from bot.runtime.installations import InstallationStore, StateStore, TokenCipher, TokenKeyError
from bot.shared.rules.reminders import Lease
from storage import Database, reminders, workspaces
from storage.reminders import SqlReminderStore

KEY = TokenCipher.new_key()
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def install(team: str, token: str, *, refresh: str | None = None, at: float = 0) -> Installation:
    return Installation(
        app_id="A0CAREBOT",
        enterprise_id=None,
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_id=f"B{team}",
        bot_user_id=f"U{team}",
        bot_scopes="chat:write,commands",
        bot_refresh_token=refresh,
        bot_token_expires_in=43200 if refresh else None,
        user_id="U0ADMIN01",
        installed_at=at or time.time(),
    )


def stored_tokens(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT bot_token FROM slack_bots")).all()
        rows += connection.execute(sa.text("SELECT bot_token FROM slack_installations")).all()
    return [row[0] for row in rows]


def test_tokens_are_encrypted_at_rest_and_found_per_workspace(db: Database) -> None:
    store = InstallationStore("1.2", db.engine, TokenCipher(KEY))
    store.save(install("T0AAAA", "xoxb-aaaa-secret", refresh="xoxe-1-refresh-a"))
    store.save(install("T0BBBB", "xoxb-bbbb-secret"))

    raw = stored_tokens(db)
    assert len(raw) == 4 and not any("secret" in value for value in raw)
    with db.engine.connect() as connection:
        refresh = connection.execute(sa.text("SELECT bot_refresh_token FROM slack_bots")).all()
    assert not any("refresh" in (row[0] or "") for row in refresh)

    a, b = store.bot_of_team("T0AAAA"), store.bot_of_team("T0BBBB")
    assert a is not None and a.bot_token == "xoxb-aaaa-secret"
    assert a.bot_refresh_token == "xoxe-1-refresh-a"
    assert b is not None and b.bot_token == "xoxb-bbbb-secret"
    assert store.bot_of_team("T0CCCC") is None
    found = store.find_installation(enterprise_id=None, team_id="T0BBBB")
    assert found is not None and found.bot_token == "xoxb-bbbb-secret"


def test_the_newest_install_of_a_workspace_wins(db: Database) -> None:
    store = InstallationStore("1.2", db.engine, TokenCipher(KEY))
    store.save(install("T0AAAA", "xoxb-old", at=time.time() - 60))
    store.save(install("T0AAAA", "xoxb-new"))
    bot = store.bot_of_team("T0AAAA")
    assert bot is not None and bot.bot_token == "xoxb-new"


def test_a_wrong_key_is_one_clear_error_and_a_rotated_key_still_opens_old_tokens(
    db: Database,
) -> None:
    InstallationStore("1.2", db.engine, TokenCipher(KEY)).save(install("T0AAAA", "xoxb-a"))

    wrong = InstallationStore("1.2", db.engine, TokenCipher(TokenCipher.new_key()))
    with pytest.raises(TokenKeyError, match="does not decrypt the Slack tokens"):
        wrong.check_key()

    newer = TokenCipher.new_key()
    rotated = InstallationStore("1.2", db.engine, TokenCipher(f"{newer},{KEY}"))
    rotated.check_key()
    bot = rotated.bot_of_team("T0AAAA")
    assert bot is not None and bot.bot_token == "xoxb-a"
    rotated.save(install("T0BBBB", "xoxb-b"))  # written with the new key only
    only_new = InstallationStore("1.2", db.engine, TokenCipher(newer))
    found = only_new.bot_of_team("T0BBBB")
    assert found is not None and found.bot_token == "xoxb-b"


@pytest.mark.parametrize("keys", ["", "not-a-key", "abc,def", " , "])
def test_a_key_that_is_not_one_is_refused_with_how_to_make_one(keys: str) -> None:
    with pytest.raises(TokenKeyError, match="carebot token-key"):
        TokenCipher(keys)


def test_forgetting_a_workspace_deletes_only_its_tokens(db: Database) -> None:
    store = InstallationStore("1.2", db.engine, TokenCipher(KEY))
    store.save(install("T0AAAA", "xoxb-a"))
    store.save(install("T0BBBB", "xoxb-b"))

    assert store.forget_team("T0AAAA") == 2
    assert store.bot_of_team("T0AAAA") is None
    assert store.find_installation(enterprise_id=None, team_id="T0AAAA") is None
    assert store.bot_of_team("T0BBBB") is not None
    assert store.forget_team("T0AAAA") == 0


def test_an_oauth_state_is_used_once_and_only_before_it_expires(db: Database) -> None:
    states = StateStore(db.engine)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False  # the redirect replayed, or clicked twice
    assert states.consume("made-up") is False

    expired = StateStore(db.engine, expiration_seconds=-1)
    old = expired.issue()
    assert states.consume(old) is False
    assert states.purge_expired() == 1


def test_an_uninstalled_workspace_s_reminders_wait_until_it_is_installed_again(
    db: Database,
) -> None:
    with db.session() as session:
        reminders.schedule(session, "T0AAAA", "test", "A-1", NOW - timedelta(minutes=10))
        reminders.schedule(session, "T0BBBB", "test", "A-1", NOW - timedelta(minutes=5))
        workspaces.mark_uninstalled(session, "T0AAAA", now=NOW)
    with db.session(read_only=True) as session:  # the overdue gauge does not count A's either
        assert reminders.oldest_due(session) == NOW - timedelta(minutes=5)
    store = SqlReminderStore(db)

    claimed = store.claim_due(NOW, Lease("sweep-1", NOW + timedelta(minutes=5), NOW), 10)
    assert [r.team_id for r in claimed] == ["T0BBBB"]

    with db.session() as session:
        assert workspaces.mark_uninstalled(session, "T0AAAA", now=NOW) is False  # said once
        workspaces.mark_installed(session, "T0AAAA", "U0ADMIN01", now=NOW)
    later = NOW + timedelta(minutes=1)
    claimed = store.claim_due(later, Lease("sweep-2", later + timedelta(minutes=5), later), 10)
    assert [r.team_id for r in claimed] == ["T0AAAA"]


class Unused:
    def auth_test(self, **_: object) -> None:
        raise AssertionError("not asked")


def test_an_uninstall_older_than_the_latest_install_changes_nothing(db: Database) -> None:
    from bot.runtime.installs import Installs
    from bot.shared.rules.clock import FakeClock

    store = InstallationStore("1.2", db.engine, TokenCipher(KEY))
    installed = time.time()
    store.save(install("T0AAAA", "xoxb-a", at=installed))
    installs = Installs(db, store, FakeClock(NOW), check=Unused(), forget=lambda team: None)  # type: ignore[arg-type]

    installs.uninstalled("T0AAAA", at=installed - 60)  # a retry of the uninstall before it

    assert store.bot_of_team("T0AAAA") is not None
    with db.session(read_only=True) as session:
        assert not workspaces.uninstalled(session, "T0AAAA")

    installs.uninstalled("T0AAAA", at=installed + 60)
    assert store.bot_of_team("T0AAAA") is None
    with db.session(read_only=True) as session:
        assert workspaces.uninstalled(session, "T0AAAA")


def test_a_database_failure_while_authorizing_is_not_taken_for_not_installed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime.workspaces import Tokens, WorkspaceAuthorize
    from storage.errors import DatabaseUnavailable

    store = InstallationStore("1.2", db.engine, TokenCipher(KEY))
    authorize = WorkspaceAuthorize(Tokens(db, store, None), Unused())  # type: ignore[arg-type]
    asked = {"context": None, "enterprise_id": None, "team_id": "T0NONE", "user_id": "U1"}
    assert authorize(**asked) is None  # type: ignore[arg-type]  # never installed: "not installed"

    def down(team_id: str) -> None:
        raise DatabaseUnavailable("the database did not answer")

    monkeypatch.setattr(store, "bot_of_team", down)
    with pytest.raises(DatabaseUnavailable):  # to the error handler: "try again", not "reinstall"
        authorize(**asked)  # type: ignore[arg-type]


def test_reencrypting_moves_every_token_to_the_new_key(db: Database) -> None:
    InstallationStore("1.2", db.engine, TokenCipher(KEY)).save(
        install("T0AAAA", "xoxb-a", refresh="xoxe-1-r")
    )
    newer = TokenCipher.new_key()

    assert InstallationStore("1.2", db.engine, TokenCipher(f"{newer},{KEY}")).reencrypt() == 2

    only_new = InstallationStore("1.2", db.engine, TokenCipher(newer))
    only_new.check_key()
    bot = only_new.bot_of_team("T0AAAA")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == ("xoxb-a", "xoxe-1-r")
    found = only_new.find_installation(enterprise_id=None, team_id="T0AAAA")
    assert found is not None and found.bot_token == "xoxb-a"
