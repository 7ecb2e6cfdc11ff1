"""Listeners work past their ack one turn at a time; acks, Slack waits and others never wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.listener import thread_runner
from slack_sdk.errors import SlackClientError

from bot.runtime.executor import TrackingExecutor
from bot.runtime.responses import ResponsePool
from bot.runtime.turns import PacedClient, Turns, taking_turns
from storage import Database


class Working:
    """How many listeners are in their work at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self._lock = threading.Lock()

    def work(self, seconds: float = 0.02) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(seconds)
        with self._lock:
            self.now -= 1


def listeners(turns: Turns, body: Callable[[], None], count: int = 6) -> None:
    pool = TrackingExecutor(max_workers=count, turns=turns)
    for _ in range(count):
        pool.submit(body)
    assert pool.wait_idle(timeout=10)
    pool.shutdown()


def test_listeners_work_one_at_a_time_once_acked() -> None:
    turns, working = Turns(width=1), Working()
    acked = []

    def listener() -> None:
        ack = turns.ack()
        ack()
        acked.append(ack.response is not None)
        working.work()

    listeners(turns, listener)
    assert working.most == 1
    assert acked == [True] * 6


def test_the_width_is_how_many_work_at_once() -> None:
    turns, working = Turns(width=2), Working()

    def listener() -> None:
        turns.ack()()
        working.work(0.05)

    listeners(turns, listener)
    assert working.most == 2


def test_acks_never_wait_for_a_turn() -> None:
    """Bolt's HTTP thread polls the ack's response: it is set before the turn is waited for."""
    turns = Turns(width=1)
    holding, release = threading.Event(), threading.Event()

    def busy() -> None:
        turns.ack()()
        holding.set()
        release.wait(5)

    second = turns.ack()
    working = threading.Event()

    def waiting() -> None:
        second()
        working.set()

    pool = TrackingExecutor(max_workers=2, turns=turns)
    pool.submit(busy)
    assert holding.wait(5)
    pool.submit(waiting)
    deadline = time.monotonic() + 5
    while second.response is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert second.response is not None and second.response.status == 200
    assert not working.is_set()  # acked, and waiting for its turn
    release.set()
    assert working.wait(5)
    assert pool.wait_idle(timeout=5)
    pool.shutdown()


def test_a_database_unit_of_work_takes_a_turn_events_included(tmp_path: Path) -> None:
    """Bolt acks events itself: the listener's first unit of work is where it waits."""
    db = Database(f"sqlite:///{tmp_path}/turns.db")
    turns, working = Turns(width=1), Working()
    db.before_work(turns.take)

    def event_listener() -> None:
        with db.session(read_only=True):
            working.work()

    listeners(turns, event_listener, count=4)
    assert working.most == 1
    db.dispose()


def test_outside_a_listener_nothing_waits() -> None:
    turns = Turns(width=1)
    turns.take()  # the HTTP threads, the sweep, the outbox: no turns
    assert not turns.holding()
    turns.take()
    assert not turns.holding()


def test_waiting_on_slack_gives_the_turn_back() -> None:
    turns = Turns(width=1)
    client = PacedClient(base_url="http://127.0.0.1:9/api/", timeout=1)  # nothing listens
    client.turns = turns
    freed: list[bool] = []

    def listener() -> None:
        turns.ack()()
        with pytest.raises((SlackClientError, OSError)):
            client.api_test()
        freed.append(not turns.holding())

    listeners(turns, listener, count=2)
    assert freed == [True, True]


def test_an_answer_to_response_url_gives_the_turn_back() -> None:
    turns = Turns(width=1)
    pool = ResponsePool(before_wait=turns.give_back, timeout=1)
    freed: list[bool] = []

    def listener() -> None:
        turns.ack()()
        with pytest.raises(OSError):
            pool.post("http://127.0.0.1:9/respond", {"text": "hi"})
        freed.append(not turns.holding())

    listeners(turns, listener, count=1)
    assert freed == [True]


def test_a_turn_not_free_in_time_is_done_without_and_counted() -> None:
    late: list[int] = []
    turns = Turns(width=1, wait_s=0.05, on_late=lambda: late.append(1))
    holding, release = threading.Event(), threading.Event()
    went_on = threading.Event()

    def stuck() -> None:
        turns.ack()()
        holding.set()
        release.wait(5)

    def next_one() -> None:
        turns.ack()()
        went_on.set()

    pool = TrackingExecutor(max_workers=2, turns=turns)
    pool.submit(stuck)
    assert holding.wait(5)
    pool.submit(next_one)
    assert went_on.wait(2)  # it went on while the first still held the turn
    release.set()
    assert pool.wait_idle(timeout=5)
    pool.shutdown()
    assert late == [1]
    # Nothing leaked: a turn is free again for the next listener.
    listeners(turns, lambda: turns.ack()(), count=2)
    assert late == [1]


def test_a_failing_listener_gives_its_turn_back() -> None:
    turns = Turns(width=1, wait_s=2)

    def failing() -> None:
        turns.ack()()
        raise ValueError("boom")

    pool = TrackingExecutor(max_workers=1, turns=turns)
    failed = pool.submit(failing)
    with pytest.raises(ValueError):
        failed.result(5)
    started = time.monotonic()
    pool.submit(lambda: turns.ack()()).result(5)
    assert time.monotonic() - started < 1  # not the 2 s of a turn never given back
    pool.shutdown()


def test_a_width_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Turns(width=0)


def test_waiting_listeners_get_their_turns_in_the_order_they_asked() -> None:
    """First come, first served: under load nobody waits behind later ones (and past
    `wait_s`, which a Semaphore's any-waiter wake-up let happen)."""
    turns = Turns(width=1, wait_s=5)
    holding, release = threading.Event(), threading.Event()
    order: list[int] = []

    def first() -> None:
        turns.ack()()
        holding.set()
        release.wait(5)

    def waiter(number: int) -> None:
        turns.ack()()
        order.append(number)

    pool = TrackingExecutor(max_workers=8, turns=turns)
    pool.submit(first)
    assert holding.wait(5)
    for number in range(6):
        pool.submit(waiter, number)
        time.sleep(0.02)  # each asks after the one before
    release.set()
    assert pool.wait_idle(timeout=5)
    pool.shutdown()
    assert order == list(range(6))


def test_a_turn_handed_over_as_the_wait_ran_out_is_kept_not_lost() -> None:
    """The race between a waiter giving up and a turn being handed to it: afterwards there
    is still exactly one turn, neither leaked nor doubled."""
    for _ in range(30):
        stormed(Turns(width=1, wait_s=0.001))  # nearly every waiter gives up


def stormed(turns: Turns) -> None:
    def hurried() -> None:
        turns.ack()()
        time.sleep(0.001)

    listeners(turns, hurried, count=6)
    turns.wait_s = 5
    working = Working()

    def listener() -> None:
        turns.ack()()
        working.work(0.01)

    started = time.monotonic()
    listeners(turns, listener, count=3)
    assert working.most == 1  # not doubled
    assert time.monotonic() - started < 2  # not leaked: nobody waited out the 5 s


class Sleeps:
    """Bolt's wait for a listener's ack, spied on: how often it slept between looks (its
    module alone is given a counting clock, so no other thread's sleep counts)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0

        def sleep(seconds: float) -> None:
            self.count += 1
            time.sleep(seconds)

        clock = SimpleNamespace(time=time.time, sleep=sleep)
        monkeypatch.setattr(thread_runner, "time", clock)


def slash_app(turns: Turns, pool: TrackingExecutor, listener: Callable[..., None]) -> App:
    app = App(
        signing_secret="unused",
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UB"
        ),
        request_verification_enabled=False,
        listener_executor=pool,
    )
    app.middleware(taking_turns(turns))
    app.command("/appt")(listener)
    return app


def slash(app: App) -> BoltResponse:
    body = urlencode(
        {"command": "/appt", "text": "list", "team_id": "T1", "user_id": "U1",
         "channel_id": "C1", "response_url": "http://127.0.0.1:9/response/1"}
    )  # fmt: skip
    return app.dispatch(BoltRequest(body=body, headers={}))


def test_an_ack_goes_back_without_bolts_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatching thread waits for the ack itself, not in Bolt's 10 ms sleeps."""
    turns, sleeps = Turns(), Sleeps(monkeypatch)
    pool = TrackingExecutor(turns=turns)
    worked = threading.Event()

    def listener(ack: Ack) -> None:
        threading.Event().wait(0.05)  # a late ack: Bolt alone would have slept five times
        ack("on it")
        worked.set()

    answer = slash(slash_app(turns, pool, listener))
    assert (answer.status, answer.body) == (200, "on it")
    assert sleeps.count == 0
    assert worked.wait(5)
    assert pool.wait_idle(5)


def test_a_listener_failing_before_its_ack_is_answered_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns, sleeps = Turns(), Sleeps(monkeypatch)
    pool = TrackingExecutor(turns=turns)

    def listener(ack: Ack) -> None:
        raise RuntimeError("broken before the ack")

    answer = slash(slash_app(turns, pool, listener))
    assert answer.status == 500
    assert sleeps.count == 0
    assert pool.wait_idle(5)


def test_a_listener_may_hand_work_to_the_pool_before_its_ack() -> None:
    """Only the dispatching thread waits for the ack: the listener's own submits do not."""
    turns = Turns()
    pool = TrackingExecutor(turns=turns)

    def listener(ack: Ack) -> None:
        assert pool.submit(lambda: "checked").result(timeout=5) == "checked"
        ack("checked first")

    answer = slash(slash_app(turns, pool, listener))
    assert (answer.status, answer.body) == (200, "checked first")
    assert pool.wait_idle(5)


def test_threads_started_ahead_take_the_first_listeners() -> None:
    pool = TrackingExecutor(max_workers=8, turns=Turns())
    pool.prestart(3)
    named = [t for t in threading.enumerate() if t.name.startswith("carebot-listener")]
    ours = [t for t in named if t.ident in {w.ident for w in pool._threads}]
    assert len(ours) == 3
    assert pool.submit(lambda: threading.current_thread()).result(5) in ours
    assert len(pool._threads) == 3  # an idle one took it: none was made for it
    pool.shutdown()


def test_work_handed_to_the_pool_before_the_listener_does_not_hold_the_ack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only Bolt's submit of the listener waits for the ack: a middleware's (or anyone's)
    earlier hand-over on the dispatching thread is not taken for it."""
    turns, sleeps = Turns(), Sleeps(monkeypatch)
    pool = TrackingExecutor(turns=turns)
    release = threading.Event()

    def listener(ack: Ack) -> None:
        threading.Event().wait(0.05)  # a late ack: Bolt alone would have slept for it
        ack("on it")

    app = slash_app(turns, pool, listener)

    def hand_over(next: Callable[[], BoltResponse]) -> BoltResponse:
        pool.submit(release.wait, 5.0)  # still running when the ack is due
        return next()

    app.middleware(hand_over)
    answer = slash(app)
    release.set()
    assert (answer.status, answer.body) == (200, "on it")
    assert sleeps.count == 0
    assert pool.wait_idle(5)
