"""A thread pool for Bolt's listeners that can tell when all started work has finished."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.runtime.turns import ACK_WAIT_S, Turns, awaited_ack

# What Bolt's ThreadListenerRunner submits for a request's listener (its ack inside). Were
# Bolt to rename it, nothing would wait here and Bolt's own poll would find the ack.
BOLT_LISTENER = "run_ack_function_asynchronously"


class TrackingExecutor(ThreadPoolExecutor):
    """ThreadPoolExecutor that counts unfinished work, so the sandbox can wait for quiet, and
    runs each piece in the context it was submitted from (the request it belongs to), and
    with `turns`, as a listener that takes turns for its work."""

    # Bolt runs the whole listener, ack() included, on this pool: it must be wide enough that
    # an ack never queues behind listeners waiting on Slack or for their turn (threads are
    # only made on demand). When more work comes than one process does, it fills up and the
    # acks wait too: Slack sees carebot slow down rather than answers that never come.
    def __init__(self, max_workers: int = 64, turns: Turns | None = None) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="carebot-listener")
        self.width = max_workers
        self.turns = turns
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._busy += 1
        # Bolt submits a request's listener, then polls every 10 ms until it has acked; on
        # the dispatching thread, this waits for that ack instead (or the listener's end, if
        # it never acks), so the poll finds it at once. Only Bolt's own submit waits: any
        # other work handed over on that thread first must not hold the ack up.
        awaited = awaited_ack() if getattr(fn, "__name__", "") == BOLT_LISTENER else None
        if self.turns is not None:
            fn, args = self.turns.run, (fn, *args)
        future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        future.add_done_callback(self._done)
        if awaited is not None:
            future.add_done_callback(lambda _: awaited.given.set())
            awaited.given.wait(ACK_WAIT_S)
        return future

    def prestart(self, count: int) -> None:
        """Start `count` listener threads now (the pool starts them on demand), so the
        first requests after a start do not wait for one to be made."""
        count = min(count, self.width)
        started = threading.Barrier(count + 1, timeout=5.0)
        for _ in range(count):  # each holds its thread until all are up: no reuse
            super().submit(_meet, started)
        _meet(started)
        # A thread counts as idle (the next submit takes it) once it has finished its work:
        # wait for all of them to, then leave the count as they left it. (ThreadPoolExecutor
        # keeps that count in _idle_semaphore; it has no public way to start threads early.)
        idle = self._idle_semaphore
        ready = sum(idle.acquire(timeout=5.0) for _ in range(count))
        for _ in range(ready):
            idle.release()

    def _done(self, _: Future[Any]) -> None:
        with self._idle:
            self._busy -= 1
            if self._busy == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener work is running; False if it is still busy at `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)


def _meet(barrier: threading.Barrier) -> None:
    with contextlib.suppress(threading.BrokenBarrierError):  # slow to start: it starts anyway
        barrier.wait()
