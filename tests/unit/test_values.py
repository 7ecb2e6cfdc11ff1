"""The typed readers of Slack's values: what carebot sends passes, anything else is a BadValue."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.shared.rules.refusals import Refused
from handlers.kit import values
from handlers.kit.values import BadValue


def test_json_object_reads_an_object_and_refuses_anything_else() -> None:
    assert values.json_object('{"h": "H-1", "i": 0}') == {"h": "H-1", "i": 0}
    for forged in ("{not json", "[1]", '"H-1"', "5", "", None, 5):
        with pytest.raises(BadValue, match="That button's details don't read right"):
            values.json_object(forged)


def test_metadata_is_a_forms_json_object_and_says_the_form_is_damaged() -> None:
    assert values.metadata({"private_metadata": '{"c": "C1"}'}) == {"c": "C1"}
    assert values.metadata({}) == {}
    with pytest.raises(BadValue, match="This form's saved details") as refused:
        values.metadata({"private_metadata": "[]"})
    assert refused.value.field is None  # not a field's error: the whole form


def test_text_is_a_string_field_or_empty() -> None:
    assert values.text({"c": "C1"}, "c") == "C1"
    assert values.text({}, "c") == "" and values.text({"c": None}, "c") == ""
    for forged in (5, ["C1"], {"c": 1}, "x" * 3_001):
        with pytest.raises(BadValue):
            values.text({"c": forged}, "c")


def test_user_id_takes_only_what_a_users_select_sends() -> None:
    assert values.user_id("U0COORD01") == "U0COORD01"
    assert values.user_id("W0ENTERPRISE1") == "W0ENTERPRISE1"
    for forged in ("<!channel>", "U123>", "", "<@U0COORD01>", "u0coord01", "C0CARDIO1", None, 5):
        with pytest.raises(BadValue, match="I can't find that receiver") as refused:
            values.user_id(forged, "receiver", what="receiver")
        assert refused.value.field == "receiver"


def test_optional_user_id_lets_an_empty_menu_through() -> None:
    assert values.optional_user_id(None) is None
    assert values.optional_user_id("U0NURSE01") == "U0NURSE01"
    with pytest.raises(BadValue):
        values.optional_user_id("")


def test_channel_id_and_group_id_take_only_slacks_ids() -> None:
    for good in ("C0CARDIO1", "G0ICU0001", "D0COORD01"):
        assert values.channel_id(good) == good
    for forged in ("C0NOPE>", "<#C0CARDIO1>", "#cardiology", "<!here>", "", 123):
        with pytest.raises(BadValue, match="That isn't a channel I can find"):
            values.channel_id(forged)
    assert values.group_id("S0SOCWORK") == "S0SOCWORK"
    for forged in ("<!here>", "<!subteam^S1>", "social-work", "U0COORD01"):
        with pytest.raises(BadValue, match="That isn't a user group"):
            values.group_id(forged)


def test_ref_takes_a_short_ref_of_its_kind_and_quotes_the_rest_escaped() -> None:
    assert values.ref("H-7", "H", "handoff") == "H-7"
    assert values.ref("PA-31", "PA", "pre-approval") == "PA-31"
    for forged in ("A-7", "H-0", "H-01", "H-1:junk", "H-1 ", "h-1", "H-1234567890", "", 7):
        with pytest.raises(BadValue, match="is not a handoff ref; they look like H-12"):
            values.ref(forged, "H", "handoff")
    with pytest.raises(BadValue) as refused:
        values.ref("<!channel>", "H", "handoff")
    assert "<!channel>" not in str(refused.value) and "&lt;!channel&gt;" in str(refused.value)


def test_option_and_options_take_only_what_was_offered() -> None:
    assert values.option("sbar", {"ipass", "sbar"}) == "sbar"
    with pytest.raises(BadValue, match=r"Pick the template from the list \(ipass, sbar\)"):
        values.option("soap", {"ipass", "sbar"}, "template", "the template")
    with pytest.raises(BadValue):
        values.option(None, {"ipass"})
    assert values.options([{"value": "yes"}], {"yes"}) == ["yes"]
    assert values.options([], {"yes"}) == []
    for forged in ([{"value": "maybe"}], "yes", [{"text": "no value"}], ["yes"], None):
        with pytest.raises(BadValue, match="Tick only the boxes the form shows"):
            values.options(forged, {"yes"}, "care_team")


def test_day_is_a_real_calendar_day() -> None:
    assert values.day("2027-03-05") == date(2027, 3, 5)
    for forged in ("2026-13-45", "2027-02-30", "2027-3-5", "tomorrow", "2027-03-05T10:00", "", 5):
        with pytest.raises(BadValue, match="Pick a date from the calendar") as refused:
            values.day(forged, "valid_from")
        assert refused.value.field == "valid_from"


def test_time_of_day_is_a_24_hour_clock_time() -> None:
    assert values.time_of_day("07:30") == time(7, 30)
    assert values.time_of_day("23:59") == time(23, 59)
    for forged in ("25:99", "24:00", "7:30", "07:60", "3pm", "", None):
        with pytest.raises(BadValue, match="Pick a time from the list"):
            values.time_of_day(forged, "time")


def test_whole_number_is_bounded_and_never_a_float_or_a_bool() -> None:
    assert values.whole_number(0) == 0 and values.whole_number("12") == 12
    assert values.whole_number(3, lowest=1) == 3
    for forged in (-1, 1e309, -1e309, float("nan"), "1e3", "x", True, None, values.MOST, "-1"):
        with pytest.raises(BadValue, match="That button's details"):
            values.whole_number(forged)
    with pytest.raises(BadValue, match="A whole number of at least 1, like 12") as refused:
        values.whole_number("0", "units", lowest=1)
    assert refused.value.field == "units"


def test_a_bad_value_is_a_refusal() -> None:
    assert issubclass(BadValue, Refused)


class FakeSlack:
    """Answers conversations.info and conversations.open from a table, recording the calls."""

    def __init__(self, channels: dict[str, dict[str, Any] | str], dm: str = "D0COORD01") -> None:
        self.channels, self.dm = channels, dm
        self.asked: list[str] = []

    def conversations_info(self, channel: str) -> dict[str, Any]:
        self.asked.append(channel)
        found = self.channels.get(channel, "channel_not_found")
        if isinstance(found, str):
            raise SlackApiError(found, _response(found))
        return {"ok": True, "channel": found}

    def conversations_open(self, users: str) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": self.dm}}


def _response(error: str) -> SlackResponse:
    return SlackResponse(
        client=None,
        http_verb="POST",
        api_url="conversations.info",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )


def test_existing_channel_asks_slack_before_anything_is_stored() -> None:
    slack = FakeSlack(
        {
            "C0CARDIO1": {"id": "C0CARDIO1", "name": "cardiology-team"},
            "C0ARCHIVE": {"id": "C0ARCHIVE", "is_archived": True},
            "C0LIMITED": "ratelimited",
        }
    )
    client: Any = slack

    assert values.existing_channel(client, "C0CARDIO1")["name"] == "cardiology-team"
    with pytest.raises(BadValue, match="I can't see that channel") as refused:
        values.existing_channel(client, "C0NOPE", "channel")
    assert refused.value.field == "channel"
    with pytest.raises(BadValue, match="That channel is archived"):
        values.existing_channel(client, "C0ARCHIVE")
    with pytest.raises(
        BadValue, match=r"I couldn't check that channel with Slack \(it said ratelimited\)"
    ):
        values.existing_channel(client, "C0LIMITED")
    with pytest.raises(BadValue, match="That isn't a channel I can find"):
        values.existing_channel(client, "<!channel>")
    assert slack.asked == ["C0CARDIO1", "C0NOPE", "C0ARCHIVE", "C0LIMITED"]  # not the forged one


def test_existing_channel_passes_a_dm_only_as_the_bots_own_dm_with_the_person() -> None:
    client: Any = FakeSlack({}, dm="D0COORD01")

    assert values.existing_channel(client, "D0COORD01", user="U0COORD01")["is_im"] is True
    with pytest.raises(BadValue, match="in your DM with me"):
        values.existing_channel(client, "D0NURSE01", user="U0COORD01")
    with pytest.raises(BadValue, match="in your DM with me"):
        values.existing_channel(client, "D0COORD01")  # nobody to open it with
