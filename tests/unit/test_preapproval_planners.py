"""The pre-approval reminder kinds' decisions, over plain values: no database, no Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.preapprovals.rules import risk_posts, rounds
from bot.preapprovals.rules.expiry import Approval, ends_at, expired
from bot.preapprovals.rules.preapproval import Status, Urgency
from bot.preapprovals.rules.risk_posts import Watched
from bot.preapprovals.rules.rounds import SHOWN, OwnerDue, Pending
from bot.preapprovals.rules.timing import Chase, Risk, Rounds
from bot.shared.rules.business_days import BusinessCalendar
from bot.shared.rules.reminders import Outcome

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
NINE = Rounds(time(9, 0), BusinessCalendar.of(frozenset()))
TUE_9AM_NY = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
DANA, SAM = "U0DANA", "U0SAM"


def pending(id: int, owner: str = DANA, urgency: Urgency = Urgency.STANDARD) -> Pending:
    return Pending(id, id, owner, Chase(Status.NOT_STARTED, urgency), TUE_9AM_NY, NY, NINE)


def due(owner: str, at: datetime = TUE_9AM_NY, reminder: int = 1) -> OwnerDue:
    return OwnerDue(reminder, owner, at)


# -- the owner's round -----------------------------------------------------------------


def test_one_dm_per_claimed_owner_most_urgent_first() -> None:
    owners = {DANA: due(DANA, reminder=1), SAM: due(SAM, reminder=2)}
    items = [
        pending(1),
        pending(2, urgency=Urgency.EXPEDITED),
        pending(3, SAM),
    ]

    [dm] = rounds.dms(owners, items, {DANA}, {DANA: NY, SAM: LA}, TUE_9AM_NY)

    assert dm.owner == DANA and [i.id for i in dm.ranked] == [2, 1]
    assert dm.key == TUE_9AM_NY.isoformat() and not dm.late and dm.more == 0
    assert rounds.round_keys(owners, items) == {
        DANA: TUE_9AM_NY.isoformat(),
        SAM: TUE_9AM_NY.isoformat(),
    }


def test_a_long_list_shows_the_first_few_and_counts_the_rest() -> None:
    items = [pending(n) for n in range(1, SHOWN + 4)]

    [dm] = rounds.dms({DANA: due(DANA)}, items, {DANA}, {DANA: NY}, TUE_9AM_NY)

    assert len(dm.shown) == SHOWN and dm.more == 3


def test_a_round_sent_hours_after_its_time_is_a_catch_up() -> None:
    later = TUE_9AM_NY + timedelta(hours=3)

    [dm] = rounds.dms({DANA: due(DANA)}, [pending(1)], {DANA}, {DANA: NY}, later)

    assert dm.late


def test_after_the_dm_each_request_waits_for_the_next_round_on_the_owners_clock() -> None:
    [dm] = rounds.dms({SAM: due(SAM)}, [pending(1, SAM)], {SAM}, {SAM: LA}, TUE_9AM_NY)

    [(item, before, following)] = rounds.nudges_after(dm, TUE_9AM_NY)

    assert (item, before) == (1, TUE_9AM_NY)
    assert following == datetime(2027, 3, 2, 17, 0, tzinfo=UTC)  # 9:00 in LA, still ahead


def test_outcomes_move_each_owner_to_their_next_nudge_and_keep_failures_due() -> None:
    owners = {
        DANA: due(DANA, reminder=1),
        SAM: due(SAM, reminder=2),
        "U0GONE": due("U0GONE", reminder=3),
    }
    items = [pending(1), pending(2, SAM), pending(3, "U0GONE")]
    tomorrow = TUE_9AM_NY + timedelta(days=1)
    later = {DANA: TUE_9AM_NY + timedelta(hours=30)}

    found = rounds.outcomes(
        owners,
        items,
        claimed={DANA, SAM, "U0GONE"},
        moved={1: tomorrow},
        later=later,
        failed={SAM: "slack_ratelimited"},
        gone={"U0GONE"},
        now=TUE_9AM_NY,
    )

    assert found == [
        Outcome(1, sent=1, next_at=tomorrow),
        Outcome(2, error="slack_ratelimited"),
        Outcome(3),
    ]


def test_an_owner_another_sweep_claimed_is_looked_at_again_shortly() -> None:
    found = rounds.outcomes({DANA: due(DANA)}, [pending(1)], set(), {}, {}, {}, set(), TUE_9AM_NY)

    assert found == [Outcome(1, sent=0, next_at=TUE_9AM_NY + timedelta(minutes=1))]


# -- the risk check ---------------------------------------------------------------------


def watched(
    id: int,
    needed_by: datetime,
    channel: str | None = "C0CARDIO",
    posted: Risk = Risk.NONE,
    status: Status = Status.SUBMITTED,
    owner: str = DANA,
) -> Watched:
    chase = Chase(status, Urgency.STANDARD, submitted_at=TUE_9AM_NY, needed_by=needed_by)
    return Watched(id, f"PA-{id}", id, owner, channel, chase, posted, NY, NINE)


def test_what_got_riskier_is_posted_per_channel_most_urgent_first() -> None:
    friday = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)
    tomorrow = TUE_9AM_NY + timedelta(hours=20)
    cases = [
        watched(1, friday),
        watched(2, tomorrow),
        watched(3, friday, posted=Risk.AT_RISK),  # told already
        watched(4, friday, channel=None, owner=SAM),  # opened in a DM: its owner hears
        watched(5, friday, status=Status.APPROVED),
        watched(6, friday + timedelta(days=14)),  # not yet
    ]

    planned = risk_posts.posts(cases, TUE_9AM_NY)

    assert [(p.target, [i.id for i in p.ranked], list(p.levels)) for p in planned] == [
        ("C0CARDIO", [2, 1], [Risk.URGENT, Risk.AT_RISK]),
        (SAM, [4], [Risk.AT_RISK]),
    ]


def test_a_gone_channel_becomes_one_dm_per_owner() -> None:
    friday = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)
    [post] = risk_posts.posts(
        [watched(1, friday), watched(2, friday, owner=SAM), watched(3, friday)], TUE_9AM_NY
    )

    split = risk_posts.per_owner(post)

    assert [(owner, [i.id for i in items]) for owner, items in split] == [
        (DANA, [1, 3]),
        (SAM, [2]),
    ]


def test_risk_outcomes_wait_for_the_next_step_count_messages_and_keep_failures_due() -> None:
    friday = datetime(2027, 3, 5, 14, 0, tzinfo=UTC)
    cases = {c.ref: c for c in [watched(1, friday), watched(2, friday), watched(3, friday)]}

    found = risk_posts.outcomes(
        [(11, "pa-1"), (12, "PA-2"), (13, "PA-3"), (14, "PA-9")],
        cases,
        posted={1: Risk.AT_RISK, 2: Risk.AT_RISK},
        failed={3},
        leads={1},
        now=TUE_9AM_NY,
    )

    urgent = friday - timedelta(days=1)
    assert found == [
        Outcome(11, sent=1, next_at=urgent),
        Outcome(12, sent=0, next_at=urgent),
        Outcome(13, error="slack_post_failed"),
        Outcome(14),  # gone: nothing more to check
    ]


# -- expiry -----------------------------------------------------------------------------


def test_an_approval_expires_once_its_last_day_is_over_on_its_channels_clock() -> None:
    last = date(2027, 3, 1)
    approvals = [
        Approval("PA-1", Status.APPROVED, last, NY),
        Approval("PA-2", Status.PARTIAL, last, LA),  # still Monday evening in LA
        Approval("PA-3", Status.APPROVED, None, NY),
        Approval("PA-4", Status.DENIED, last, NY),
        Approval("PA-5", Status.APPROVED, date(2027, 3, 9), NY),  # extended since
    ]
    just_after_ny_midnight = ends_at(last, NY) + timedelta(minutes=1)

    assert expired(approvals, just_after_ny_midnight) == ["PA-1"]
    assert expired(approvals, ends_at(last, LA)) == ["PA-1", "PA-2"]
