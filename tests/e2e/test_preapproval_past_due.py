"""A pre-approval still open when its visit is due is past due: the most urgent case
everywhere (lists first, the round DM and the channel say so, the digest counts it), until
it is approved, cancelled or re-dated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sandbox.driver import Seen, SlackDriver
from bot.sandbox.world import Sandbox

# START is Mon 1 Mar 2027, 2:00 PM in New York; PA-1 is needed Wednesday 9 am there.
NEEDED = datetime(2027, 3, 3, 14, 0, tzinfo=UTC)
THU_9AM = datetime(2027, 3, 4, 14, 0, tzinfo=UTC)


def posts(slack: SlackDriver) -> list[Seen]:
    return [m for m in slack.messages("#cardiology-team") if "please check" in m.text]


def test_a_request_past_its_date_is_flagged_first_everywhere_and_told_once(
    sandbox: Sandbox, slack: SlackDriver
) -> None:
    slack.command("/preauth", "new Jane Doe, Aetna, MRI lumbar spine, needed by wednesday 9am")
    slack.command("/preauth", "new Omar Haddad, Cigna, CT chest, needed by friday 9am, expedited")

    sandbox.move_clock(NEEDED + timedelta(minutes=1))

    told = [p for p in posts(slack) if "past due" in p.text]
    assert len(told) == 1 and "PA-1" in told[0].text and "@dana" in told[0].text
    slack.command("/preauth", "list at-risk")
    listed = slack.last_reply().text
    assert listed.startswith("*Past due or at risk")
    assert listed.index("PA-1") < listed.index("PA-2")  # past due before an expedited one
    assert ":red_circle: *PAST DUE*: needed Wed 3 Mar 2027, 9:00 AM EST and not approved" in listed
    slack.command("/preauth", "list overdue")
    assert "PA-1" in slack.last_reply().text

    sandbox.move_clock(THU_9AM)  # the round and the digest of the next morning
    round_dm = [m for m in slack.dms("@dana") if "need your attention" in m.text][-1]
    assert "PAST DUE" in round_dm.text
    digest = [m for m in slack.messages("#cardiology-team") if m.text.startswith(":sunrise:")]
    assert "PA-1" in digest[-1].text  # the morning digest counts it
    assert len([p for p in posts(slack) if "past due" in p.text]) == 1  # told once

    slack.command("/preauth", "approve PA-1 AUTH-77")
    sandbox.move_clock(THU_9AM + timedelta(days=1))
    slack.command("/preauth", "list at-risk")
    assert "PA-1" not in slack.last_reply().text
