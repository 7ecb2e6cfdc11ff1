"""/carebot settings: admins set up a channel in a modal; mistakes come back under the fields."""

from __future__ import annotations

from bot.sandbox.driver import SlackDriver
from bot.sandbox.world import Sandbox
from storage import audit, channels

TEAM = "T0CAREBOT"
CARDIO, DANA, SAM = "C0CARDIO1", "U0COORD01", "U0NURSE01"
CARE_TEAM = "This is a care-team channel"


def audited(sandbox: Sandbox, action: str) -> list[tuple[str, str | None]]:
    with sandbox.db.session(read_only=True) as session:
        rows = audit.recent(session, TEAM, limit=200)
    return [(r.actor, r.channel_id) for r in rows if r.action == action]


def stored(sandbox: Sandbox) -> dict[str, str | None] | None:
    with sandbox.db.session(read_only=True) as session:
        return channels.in_force(session, TEAM, [CARDIO])[1].get(CARDIO)


def save(slack: SlackDriver, values: dict[str, str | list[str]]) -> None:
    slack.command("/carebot", "settings")
    slack.submit({"Care team": [CARE_TEAM], **values})
    assert slack.modal is None, slack.errors


def test_an_admin_sees_the_effective_values_and_saves_only_what_differs(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/carebot", "settings")

    modal = slack.modal
    assert modal is not None and modal.title == "Channel settings"
    assert "America/New_York" in modal.text and "08:00-18:00" in modal.text
    assert "stable=30m/60m, watcher=15m/30m, unstable=10m/20m/60m" in modal.text
    slack.submit(
        {
            "Care team": [CARE_TEAM],
            "Clinic hours": "07:00 - 15:00",
            "Daily digest time, or off": "off",
            "Handoff escalation delays": "unstable=5m/10m/30m",
        }
    )

    assert slack.modal is None
    own = stored(sandbox)
    assert own is not None
    assert (own["clinic_opens"], own["clinic_closes"], own["digest_time"]) == (
        "07:00",
        "15:00",
        "off",
    )
    assert own["handoff_escalation"] == "stable=30m/60m, watcher=15m/30m, unstable=5m/10m/30m"
    assert own["timezone"] is None and own["preauth_round"] is None  # still the workspace's
    assert audited(sandbox, "settings.change") == [(DANA, CARDIO)]
    [said] = [m for m in slack.ephemerals() if m.text.startswith("Saved.")]
    assert "digest off" in said.text and "07:00-15:00" in said.text


def test_mistakes_come_back_under_their_fields_and_nothing_is_saved(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/carebot", "settings")
    slack.submit(
        {
            "Time zone": "Mars/Olympus_Mons",
            "Clinic hours": "18:00-08:00",
            "Daily digest time, or off": "25:00",
            "Holidays (no digest, no slots)": "2027-12-24, xmas",
            "Handoff escalation delays": "unstable=20m/10m",
        }
    )

    errors = slack.errors
    assert set(errors) == {
        "timezone", "clinic_hours", "digest_time", "holidays", "handoff_escalation",
    }  # fmt: skip
    assert "America/New_York" in errors["timezone"]
    assert errors["clinic_hours"].startswith("Clinic hours must end after they start")
    assert "07:30, or off" in errors["digest_time"]
    assert "'xmas' is not a date" in errors["holidays"]
    assert "longer than the one before" in errors["handoff_escalation"]
    assert slack.modal is not None
    assert audited(sandbox, "settings.change") == []


def test_someone_not_an_admin_is_refused_politely_and_the_refusal_is_audited(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    sam = slack.as_user("@sam.nurse")
    sam.command("/carebot", "settings")

    assert sam.modal is None
    assert sam.last_reply().text.startswith("Sorry, only carebot admins can change a channel's")
    assert (SAM, CARDIO) in audited(sandbox, "access.refused")


def test_from_a_dm_it_says_to_run_it_in_the_channel(slack: SlackDriver) -> None:
    dana = slack.in_dm()
    dana.command("/carebot", "settings")
    assert dana.modal is None
    assert "Run `/carebot settings` in the channel you want to set up" in dana.last_reply().text


def test_unticking_the_box_makes_it_an_ordinary_channel_again(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    save(slack, {"Clinic days": "mon-sat"})
    assert stored(sandbox) is not None

    slack.command("/carebot", "settings")
    slack.submit({"Care team": []})

    assert stored(sandbox) is None
    assert len(audited(sandbox, "settings.change")) == 2


def test_help_lists_settings(slack: SlackDriver) -> None:
    slack.command("/carebot", "help")
    assert "/carebot settings" in slack.last_reply().text
