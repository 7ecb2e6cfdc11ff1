"""`make fuzz`: thousands of generated inputs per command through carebot's real HTTP endpoint.

For each of /appt, /handoff, /preauth, /carebot and DMs to the bot, hypothesis draws
inputs (tests/fuzz/strategies.py: hostile strings mixed into near-valid commands), client
threads send them signed to `carebot run --http`, and every call carebot makes to the
Slack stand-in is checked (tests/fuzz/checks.py). Printed per command: inputs, non-2xx
answers, ERROR lines in carebot's log, generic apologies, unescaped broadcasts, and
Slack's refusals of what carebot sent; with a few examples of each. Exits 1 unless every
count is 0. A preview from /appt book is also confirmed now and then, so booking cards
with typed names get posted and checked too.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

from bot.sandbox.driver import DriverError, SlackDriver
from bot.sandbox.render import choices
from bot.sandbox.standin import ApiCall
from tests.fuzz import checks, strategies
from tests.fuzz.world import Answers, Bot, Sent, running_bot

KINDS = ("/appt", "/handoff", "/preauth", "/carebot", "dm")
COUNTS = ("non-2xx", "ERROR lines", "apologies", "broadcasts", "rejections")
_ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback")
ANSWER_WAIT_S = 10.0
QUIET_S = 2.0  # no new Slack call for this long: carebot has finished its after-ack work
EXAMPLES = 3


@dataclass
class Tally:
    """What one command's run found."""

    kind: str
    inputs: int = 0
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)  # what carebot did with the inputs
    unanswered: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, count: str, example: str) -> None:
        self.counts[count] += 1
        if len(self.examples[count]) < EXAMPLES:
            self.examples[count].append(example)


def generated(strategy: st.SearchStrategy[str], count: int, seed: int) -> Iterable[str]:
    """`count` inputs drawn by hypothesis, yielded as they are drawn (drawing is slow)."""
    drawn: queue.Queue[str | None] = queue.Queue(maxsize=1000)

    def draw_all() -> None:
        made, round_seed = 0, seed
        while made < count:  # hypothesis may stop early on a small space: draw again
            before = made

            @seeded(round_seed)
            @settings(
                max_examples=count - made,
                database=None,
                phases=[Phase.generate],
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(strategy)
            def collect(text: str) -> None:
                nonlocal made
                if made < count:
                    drawn.put(text)
                    made += 1

            collect()
            round_seed += 1
            if made == before:
                break
        drawn.put(None)

    threading.Thread(target=draw_all, name="fuzz-draw", daemon=True).start()
    while (text := drawn.get()) is not None:
        yield text


def send_all(
    bot: Bot, kind: str, texts: Iterable[str], clients: int, rng: random.Random
) -> tuple[list[Sent], list[Sent]]:
    """Send each text as `kind` from a random person and place, `clients` at a time, each
    waiting for carebot's answer before its next; returns what was sent, and what got no
    answer within ANSWER_WAIT_S."""
    places = bot.places()
    people = sorted({user.id: user for user, _ in places}.values(), key=lambda u: u.id)
    sent: list[Sent] = []
    lock = threading.Lock()
    answers = Answers(bot.standin)

    def one(text: str, pick: int) -> None:
        if kind == "dm":
            result = bot.dm(people[pick % len(people)], text)
        else:
            user, channel = places[pick % len(places)]
            result = bot.slash(user, channel, kind, text)
        answered = result.status == 200 and answers.wait(result, ANSWER_WAIT_S)
        with lock:
            sent.append(result)
            if not answered:
                unanswered.append(result)

    unanswered: list[Sent] = []
    try:
        with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="fuzz-client") as pool:
            pending = [pool.submit(one, text, rng.randrange(1 << 30)) for text in texts]
            for done in pending:
                done.result()
    finally:
        answers.close()
    return sent, unanswered


def confirm_previews(bot: Bot, limit: int, clients: int) -> int:
    """Click Confirm on up to `limit` /appt previews, so bookings post their cards."""
    standin = bot.standin
    previews = [
        m
        for m in standin.ephemerals()
        if any(c.label == "Confirm" for c in choices(m.blocks)) and m.ephemeral_to is not None
    ][:limit]
    local = threading.local()
    url = f"http://127.0.0.1:{bot.port}/slack/events"

    def click(message_index: int) -> None:
        message = previews[message_index]
        if not hasattr(local, "driver"):
            local.driver = SlackDriver(standin, url, bot.secret, timeout=30)
        driver: SlackDriver = local.driver
        driver.as_user(str(message.ephemeral_to)).in_channel(message.channel)
        shown = message.seq
        with contextlib.suppress(DriverError):  # the preview was replaced: nothing to click
            driver.click("Confirm", in_message=message.ts)
        # Wait, as the person would, until the preview changes into carebot's answer.
        deadline = time.monotonic() + ANSWER_WAIT_S
        while message.seq == shown and time.monotonic() < deadline:
            time.sleep(0.02)

    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="fuzz-confirm") as pool:
        for done in [pool.submit(click, i) for i in range(len(previews))]:
            done.result()
    return len(previews)


def wait_quiet(bot: Bot) -> None:
    """Wait until carebot stops calling Slack: its after-ack work for the batch is done."""
    seen, since = -1, time.monotonic()
    while time.monotonic() - since < QUIET_S:
        now = len(bot.standin.calls())
        if now != seen:
            seen, since = now, time.monotonic()
        time.sleep(0.2)


def judge(tally: Tally, sent: Sequence[Sent], calls: Sequence[ApiCall], log: Sequence[str]) -> None:
    """Count what went wrong, with the input that caused it where it can be told."""
    by_key = {s.key: s.text for s in sent}
    for request in sent:
        if not 200 <= request.status < 300:
            tally.add("non-2xx", f"HTTP {request.status} for {request.text[:120]!r}")
    for line in log:
        if _ERROR_LINE.search(line):
            tally.add("ERROR lines", line[:240])
    tally.calls.update(call.method for call in calls)
    acks = [s.ack for s in sent if s.ack is not None]
    names = {"broadcast": "broadcasts", "apology": "apologies", "rejected": "rejections"}
    for call in [*calls, *acks]:
        for finding in checks.findings([call]):
            key = str(call.params.get("id") or call.params.get("thread_ts") or "")
            typed = by_key.get(key)
            source = f" (input {typed[:120]!r})" if typed is not None else ""
            tally.add(names[finding.kind], f"{finding.method}: {finding.detail}{source}")


def fuzz_one(bot: Bot, kind: str, args: argparse.Namespace) -> Tally:
    strategy = strategies.dm_text if kind == "dm" else strategies.COMMAND_TEXT[kind]
    calls_before, log_before = len(bot.standin.calls()), len(bot.log_lines())
    started = time.perf_counter()
    seed = args.seed + KINDS.index(kind)
    sent, unanswered = send_all(
        bot, kind, generated(strategy, args.inputs, seed), args.clients, random.Random(seed)
    )
    wait_quiet(bot)
    confirmed = 0
    if kind == "/appt" and args.confirms:
        confirmed = confirm_previews(bot, args.confirms, args.clients)
        wait_quiet(bot)
    tally = Tally(kind, inputs=len(sent), seconds=time.perf_counter() - started)
    tally.calls["(previews confirmed)"] = confirmed
    tally.calls["(no answer in 10 s)"] = len(unanswered)
    tally.unanswered = [s.text[:120] for s in unanswered[:EXAMPLES]]
    judge(tally, sent, bot.standin.calls()[calls_before:], bot.log_lines(log_before))
    return tally


def report(tallies: Sequence[Tally], out: Callable[[str], None]) -> int:
    header = f"{'command':<10}{'inputs':>8}" + "".join(f"{c:>13}" for c in COUNTS)
    out(header + f"{'inputs/s':>10}{'seconds':>9}")
    for t in tallies:
        cells = "".join(f"{t.counts[c]:>13}" for c in COUNTS)
        out(f"{t.kind:<10}{t.inputs:>8}{cells}{t.inputs / t.seconds:>10.1f}{t.seconds:>9.0f}")
    for t in tallies:
        reached = ", ".join(f"{method} {n}" for method, n in t.calls.most_common() if n)
        out(f"  {t.kind} made carebot call: {reached}")
        for text in t.unanswered:
            out(f"  {t.kind} got no answer: {text!r}")
    for t in tallies:
        for count in COUNTS:
            for example in t.examples.get(count, []):
                out(f"  {t.kind} {count}: {example}")
    return 1 if any(t.counts[c] for t in tallies for c in COUNTS) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per command")
    parser.add_argument("--clients", type=int, default=6, help="client threads")
    parser.add_argument("--seed", type=int, default=12, help="hypothesis seed")
    parser.add_argument("--confirms", type=int, default=500, help="/appt previews confirmed")
    parser.add_argument("--only", choices=KINDS, action="append", help="fuzz only these")
    parser.add_argument("--database-url", help="carebot's database (default: a SQLite file)")
    args = parser.parse_args(argv)
    kinds = args.only or KINDS
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="carebot-fuzz-") as workdir,
        running_bot(Path(workdir), args.database_url) as bot,
    ):
        print(f"fuzzing {', '.join(kinds)}: {args.inputs} inputs each, {args.clients} clients")
        tallies = []
        for kind in kinds:
            tallies.append(fuzz_one(bot, kind, args))
            t = tallies[-1]
            print(f"  {kind}: {t.inputs} inputs in {t.seconds:.0f} s", flush=True)
        status = report(tallies, print)
    total = sum(t.inputs for t in tallies)
    elapsed = time.perf_counter() - started
    print(f"{total} inputs in {elapsed:.0f} s ({total / elapsed:.1f} inputs/s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
