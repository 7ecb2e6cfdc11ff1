"""Block Kit rendered as text: what the shell prints and what tests assert on."""

from __future__ import annotations

from bot.sandbox.render import choices, encode_typed, plain, render_message, render_view
from bot.sandbox.seed import default_seed

SPACE = default_seed()


def test_mrkdwn_shows_names_dates_and_unescaped_text() -> None:
    text = (
        "<@U0DRPATEL> please see <#C0ORTHO01|ortho-team> at "
        "<!date^1800000000^{date_short_pretty} {time}|Mar 2, 9:00 AM> &lt;urgent&gt; &amp; "
        "<!subteam^S0SOCWORK> <!here> <https://example.org|the chart>"
    )
    assert plain(text, SPACE) == (
        "@dr.patel please see #ortho-team at Mar 2, 9:00 AM <urgent> & @social-work @here the chart"
    )


def test_typed_text_is_escaped_and_linked_like_slack() -> None:
    typed = "ask @dr.patel, @social-work & #ortho-team <now> @nobody dana@example.org"
    assert encode_typed(typed, SPACE, with_labels=True) == (
        "ask <@U0DRPATEL|dr.patel>, <!subteam^S0SOCWORK|@social-work> &amp; "
        "<#C0ORTHO01|ortho-team> &lt;now&gt; @nobody dana@example.org"
    )
    assert encode_typed("@carebot hi @dr.patel.", SPACE) == "<@U0CAREBOT> hi <@U0DRPATEL>."


BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Appointment A-12"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "For <@U0COORD01>"},
        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Details"}},
    },
    {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Patient*\nP-12"},
            {"type": "mrkdwn", "text": "*When*\nTue 9:00"},
        ],
    },
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Confirm"}, "value": "c"},
            {"type": "button", "text": {"type": "plain_text", "text": "Edit..."}},
            {
                "type": "overflow",
                "options": [
                    {"text": {"type": "plain_text", "text": "Snooze 1d"}, "value": "s"},
                    {"text": {"type": "plain_text", "text": "Cancel"}, "value": "x"},
                ],
            },
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Booked by dana"}]},
    {"type": "image", "image_url": "https://example.org/x.png", "alt_text": "ward map"},
]


def test_message_renders_with_numbered_buttons_in_reading_order() -> None:
    assert render_message("fallback", BLOCKS, names=SPACE) == "\n".join(
        [
            "== Appointment A-12 ==",
            "For @dana [1 Details]",
            "Patient: P-12",
            "When: Tue 9:00",
            "------------------------",
            "[2 Confirm] [3 Edit...] (...: [4 Snooze 1d] [5 Cancel])",
            "Booked by dana",
            "[image: ward map]",
        ]
    )
    assert [(c.number, c.label) for c in choices(BLOCKS)] == [
        (1, "Details"),
        (2, "Confirm"),
        (3, "Edit..."),
        (4, "Snooze 1d"),
        (5, "Cancel"),
    ]


def test_text_only_messages_and_files() -> None:
    shown = render_message(
        "Hi <@U0NURSE01>", None, names=SPACE, files=[{"name": "a.pdf", "title": "Plan"}]
    )
    assert shown == "Hi @sam.nurse\n[file: Plan (a.pdf)]"


def test_modal_shows_inputs_with_values_and_errors() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Book"},
        "submit": {"type": "plain_text", "text": "Book"},
        "blocks": [
            {
                "type": "input",
                "block_id": "patient",
                "label": {"type": "plain_text", "text": "Patient"},
                "element": {"type": "plain_text_input", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": "kind",
                "optional": True,
                "label": {"type": "plain_text", "text": "Kind"},
                "element": {
                    "type": "static_select",
                    "action_id": "v",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Surgery"}, "value": "s"},
                        {"text": {"type": "plain_text", "text": "Visit"}, "value": "v"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "who",
                "label": {"type": "plain_text", "text": "Clinician"},
                "element": {"type": "users_select", "action_id": "v", "initial_user": "U0DRPATEL"},
            },
        ],
    }
    state = {"patient": {"v": {"type": "plain_text_input", "value": "P-12"}}}
    assert render_view(view, names=SPACE, state=state, errors={"kind": "Pick one"}) == "\n".join(
        [
            "[modal] Book",
            "Patient: P-12",
            "Kind (optional): ____",
            "    options: Surgery | Visit",
            "    ! Pick one",
            "Clinician: @dr.patel",
            "(submit: Book)",
        ]
    )


def test_a_date_is_shown_on_each_readers_own_clock_as_slack_does() -> None:
    from zoneinfo import ZoneInfo

    from bot.sandbox.mrkdwn import plain

    card = "<!date^1804017600^{date_short_pretty} {time}|Tue 2 Mar 2027, 3:00 PM EST>"
    dm = "<!date^1804017600^{date_short_pretty} {time}|Tue 2 Mar 3:00 PM>"

    assert plain(card) == "Tue 2 Mar 2027, 3:00 PM EST"  # no reader: the fallback
    assert plain(card, zone=ZoneInfo("America/Chicago")) == "Tue 2 Mar 2027, 2:00 PM CST"
    assert plain(card, zone=ZoneInfo("Asia/Tokyo")) == "Wed 3 Mar 2027, 5:00 AM JST"
    # Written for this reader already (a DM, no zone named): shown as written.
    assert plain(dm, zone=ZoneInfo("America/Chicago")) == "Tue 2 Mar 3:00 PM"
