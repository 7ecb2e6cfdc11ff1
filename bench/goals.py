"""carebot's throughput goals, each printed with its measured value and, where the goal is a
ratio, the bare Bolt app's number from the same run.

Both servers are real subprocesses behind waitress with the same thread count, talking to the
in-process Slack stand-in; carebot's SQLite file is seeded first (care-team channels, 200
patients, 40 visits on the listed day, 30 pre-approvals owned by the requester).

Sections, in this order:

- sweep: process CPU per pending item over 10,000, SQL statements against owners (it runs
  in this process, beside the stand-in);
- cold start: `carebot run --http` to the first 200 from /healthz; first `/appt book` after
  start against a warm one;
- closed loop: 8 clients, `/appt list <day>`, `/preauth list mine`, `/appt book ...` (preview);
  carebot's throughput counts answered commands, from the first sent until the last answer
  reached its response_url (an ack runs ahead of the work it promises); the bare app's ack
  is all it does;
- open loop: a fixed arrival rate (50/s), ack p99 and the answer's arrival (response_url) p99;
- memory: idle RSS; RSS after many requests.

    .venv/bin/python bench/goals.py [--quick] [--memory-requests 100000]

It prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ack_latency as base
import sweep as sweep_bench
from sqlalchemy import event

from bot.sandbox.standin import SlackStandIn
from bot.sandbox.world import CARE_CHANNELS, start_sandbox
from storage import Database, channels, patients
from storage.appointments import queries as appointments
from storage.preapprovals import queries as preapprovals

TEAM = "T0CAREBOT"
DANA = base.COORDINATOR
LISTED_DAY = date.today() + timedelta(days=2)
# As Slack sends a mention typed in a slash command (the manifest escapes them).
BOOKING = "book Jane Doe MRN 4242, MRI, tomorrow 3pm, with <@U0DRPATEL|dr.patel>"
CLOSED_LOOP = (
    ("/appt", f"list {LISTED_DAY.isoformat()}"),
    ("/preauth", "list mine"),
    ("/appt", BOOKING),
)


@dataclass(frozen=True)
class Goal:
    name: str
    measured: str
    reference: str
    target: str
    met: bool | None


GOALS: list[Goal] = []


def goal(name: str, measured: str, reference: str, target: str, met: bool | None) -> None:
    GOALS.append(Goal(name, measured, reference, target, met))
    mark = {True: "met", False: "MISSED", None: "-"}[met]
    print(f"  {name}: {measured} (bare Bolt: {reference}; goal {target}) {mark}", flush=True)


# -- the database carebot starts with ----------------------------------------------------


def seed(url: str) -> None:
    """Care-team channels, patients, a day of visits and dana's pre-approvals."""
    db = Database(url)
    db.upgrade()
    now = datetime.now(UTC)
    day = datetime.combine(LISTED_DAY, datetime.min.time(), UTC) + timedelta(hours=13)
    with db.session() as session:
        for channel_id, name in CARE_CHANNELS.items():
            channels.upsert(session, TEAM, channel_id, name)
        made = [
            patients.find_or_create(session, TEAM, f"Patient Number {n}", f"M{n}", DANA, now=now)
            for n in range(200)
        ]
        for index in range(40):
            start = day + timedelta(minutes=15 * index)
            appointments.add(
                session,
                TEAM,
                patient_id=made[index].id,
                kind="consult",
                label="consult",
                start_at=start,
                end_at=start + timedelta(minutes=15),
                clinician_id="U0DRPATEL",
                location=f"Room {index % 5}",
                notes=None,
                booked_by=DANA,
                channel_id="C0CARDIO1",
                now=now,
            )
        for index in range(30):
            preapprovals.add(
                session,
                TEAM,
                now=now,
                patient_id=made[100 + index].id,
                payer="Aetna",
                service="MRI lumbar spine",
                service_codes="72148",
                diagnosis_codes=None,
                appointment_id=None,
                needed_by=now + timedelta(days=3 + index),
                owner_id=DANA,
                created_by=DANA,
                channel_id="C0CARDIO1",
                urgency="standard",
                status="not_started",
                payer_ref=None,
                notes=None,
            )
    db.dispose()


# -- servers -----------------------------------------------------------------------------


@dataclass
class Servers:
    standin: SlackStandIn
    secret: str
    env: dict[str, str]
    workdir: Path
    carebot_port: int
    bare_port: int
    carebot: subprocess.Popen[bytes]


def carebot_argv(port: int) -> list[str]:
    argv = [sys.executable, "-m", "bot", "run", "--http", "--host", base.HOST]
    return [*argv, "--port", str(port), "--no-scheduler"]


@contextmanager
def servers(stack: ExitStack) -> Iterator[Servers]:
    workdir = Path(tempfile.mkdtemp(prefix="carebot-goals-"))
    stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    standin = SlackStandIn().start()
    stack.callback(standin.stop)
    secret = secrets.token_hex(16)
    env = base.child_env(standin, secret, workdir)
    seed(env["DATABASE_URL"])
    carebot_port, bare_port = base.free_port(), base.free_port()
    carebot_log, bare_log = workdir / "carebot.stderr", workdir / "bare.stderr"
    carebot = stack.enter_context(
        base.subprocess_running(
            carebot_argv(carebot_port),
            env,
            workdir,
            stack.enter_context(carebot_log.open("wb")),
        )
    )
    bare_argv = [sys.executable, str(Path(base.__file__).resolve()), "--bare-app"]
    bare = stack.enter_context(
        base.subprocess_running(
            [*bare_argv, "--port", str(bare_port)],
            env,
            workdir,
            stack.enter_context(bare_log.open("wb")),
        )
    )
    base.wait_until(lambda: base.health_ok(carebot_port), carebot, carebot_log)
    base.wait_until(lambda: base.accepts_connections(bare_port), bare, bare_log)
    yield Servers(standin, secret, env, workdir, carebot_port, bare_port, carebot)
    base.print_stderr_summary("carebot", carebot_log)


def answer_times(standin: SlackStandIn, run: base.Run, timeout_s: float = 20.0) -> list[float]:
    """When each command's answer reached its response_url (wall clock), waiting for all."""
    expected = {url.rsplit("/", 1)[-1] for url in run.sent_at}
    deadline = time.monotonic() + timeout_s
    while True:
        posts = [c for c in standin.calls("response_url") if c.params["id"] in expected]
        if len(posts) >= len(expected) or time.monotonic() > deadline:
            return [c.at for c in posts]
        time.sleep(0.05)


def answers(standin: SlackStandIn, run: base.Run, timeout_s: float = 20.0) -> list[float]:
    """How long after each command was sent its answer reached its response_url, in ms."""
    sent = {url.rsplit("/", 1)[-1]: at for url, at in run.sent_at.items()}
    posts = [c for c in standin.calls("response_url") if c.params["id"] in sent]
    if len(posts) < len(sent):
        answer_times(standin, run, timeout_s)
        posts = [c for c in standin.calls("response_url") if c.params["id"] in sent]
    return [(c.at - sent[c.params["id"]]) * 1000 for c in posts]


def answered_rate(standin: SlackStandIn, run: base.Run) -> float:
    """Commands answered per second, from the first one sent until the last answer arrived:
    acks that run ahead of the work they promise do not count until the work is done."""
    arrived = answer_times(standin, run)
    if not arrived:
        return 0.0
    first = min(run.sent_at.values())
    return len(arrived) / (max(max(arrived), first + run.wall_s) - first)


def refused_answers(standin: SlackStandIn, run: base.Run) -> int:
    """Answers that were an apology rather than the command's reply."""
    ids = {url.rsplit("/", 1)[-1] for url in run.sent_at}
    return sum(
        1
        for c in standin.calls("response_url")
        if c.params["id"] in ids and "something went wrong" in str(c.params.get("text", ""))
    )


# -- closed loop ---------------------------------------------------------------------------


def closed_loop(s: Servers, args: argparse.Namespace) -> None:
    print(f"closed loop: {args.requests} requests per target, {args.threads} clients", flush=True)
    for command, text in CLOSED_LOOP:
        shape = argparse.Namespace(
            command=command, text=text, requests=args.requests, warmup=args.warmup,
            threads=args.threads,
        )  # fmt: skip
        bare = base.bench("bare bolt", s.bare_port, s.secret, s.standin, shape)
        carebot = base.bench("carebot", s.carebot_port, s.secret, s.standin, shape)
        answered = answers(s.standin, carebot)
        label = f"{command} {text.split(',')[0]}"
        rate = answered_rate(s.standin, carebot)  # the bare app's ack is all its work
        acks = carebot.requests / carebot.wall_s
        bare_rate = bare.requests / bare.wall_s
        share = rate / bare_rate
        goal(
            f"{label}: throughput (answered)",
            f"{rate:.0f} req/s ({share:.0%} of bare; acked {acks:.0f}/s)",
            f"{bare_rate:.0f} req/s",
            ">= 50%",
            share >= 0.5,
        )
        p50, bare_p50 = (
            base.percentile(carebot.latencies_ms, 0.5),
            base.percentile(bare.latencies_ms, 0.5),
        )
        goal(
            f"{label}: ack p50",
            f"{p50:.1f} ms (x{p50 / bare_p50:.2f})",
            f"{bare_p50:.1f} ms",
            "<= x2.0",
            p50 / bare_p50 <= 2.0,
        )
        errors = sum(carebot.errors.values()) + (len(carebot.sent_at) - len(answered))
        errors += refused_answers(s.standin, carebot)
        goal(f"{label}: errors", str(errors), str(sum(bare.errors.values())), "0", errors == 0)
    print(f"  listeners that went on without a turn: {late_turns(s.carebot_port):.0f}")


def late_turns(port: int) -> float:
    """carebot_listener_late_turns_total from carebot's own /metrics (a second's wait each)."""
    with urllib.request.urlopen(f"http://{base.HOST}:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    found = re.search(r"^carebot_listener_late_turns_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else math.nan


# -- open loop -----------------------------------------------------------------------------


def open_loop(s: Servers, args: argparse.Namespace, port: int, name: str) -> base.Run:
    """Commands sent at a fixed rate whatever the answers; latency counted from when each was
    due, so a slow server is not let off by a client that waits for it."""
    count = int(args.rate * args.open_seconds)
    commands = base.slash_commands(s.standin, count, "/appt", f"list {LISTED_DAY.isoformat()}")
    run, lock = base.Run(name), threading.Lock()
    started = time.perf_counter() + 0.2

    def at_its_time(index: int, command: base.SlashCommand) -> None:
        due = started + index / args.rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        late_ms = max(0.0, time.perf_counter() - due) * 1000
        base.send(port, s.secret, command, run, lock)
        if late_ms:
            with lock:  # the client could not send on time: the wait counts against the server
                if run.latencies_ms:
                    run.latencies_ms[-1] += late_ms

    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="open-loop") as pool:
        for done in [pool.submit(at_its_time, i, c) for i, c in enumerate(commands)]:
            done.result()
    run.wall_s = time.perf_counter() - started
    return run


def open_loop_goals(s: Servers, args: argparse.Namespace) -> None:
    print(f"open loop: {args.rate:.0f} requests/s for {args.open_seconds:.0f} s", flush=True)
    bare = open_loop(s, args, s.bare_port, "bare bolt")
    carebot = open_loop(s, args, s.carebot_port, "carebot")
    p99, bare_p99 = (base.percentile(r.latencies_ms, 0.99) for r in (carebot, bare))
    goal(
        "open loop: ack p99",
        f"{p99:.1f} ms (x{p99 / bare_p99:.2f})",
        f"{bare_p99:.1f} ms",
        "<= x1.5",
        p99 / bare_p99 <= 1.5,
    )
    answered = answers(s.standin, carebot)
    late = base.percentile(answered, 0.99)
    goal(
        "open loop: answer p99",
        f"{late:.1f} ms ({len(answered)}/{len(carebot.sent_at)} answered)",
        "-",
        "<= 150 ms",
        late <= 150 and len(answered) == len(carebot.sent_at),
    )


# -- sweep ---------------------------------------------------------------------------------


def sweep_goals(args: argparse.Namespace) -> None:
    print(f"sweep: {args.items:,} pending items, {args.owners} owners", flush=True)
    world = start_sandbox(start=sweep_bench.NOW - timedelta(hours=1))
    try:
        sweep_bench.seed(world, args.items, args.owners)
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(world.db.engine, "before_cursor_execute", count)
        world.clock.set(sweep_bench.NOW)
        process, mine = time.process_time(), time.thread_time()
        started = time.perf_counter()
        world.runtime.sweep()
        cpu = time.thread_time() - mine  # the sweep runs here; Slack (the stand-in) does not
        world.runtime.wait_idle()
        process, wall = time.process_time() - process, time.perf_counter() - started
        event.remove(world.db.engine, "before_cursor_execute", count)
        posts = len(world.standin.calls("chat.postMessage"))
    finally:
        world.close()
    per_item = cpu * 1000 / args.items
    goal(
        "sweep: CPU per item",
        f"{per_item:.3f} ms ({cpu:.2f} s CPU in the sweeping thread; {process:.2f} s with the"
        f" Slack stand-in's share; {wall:.2f} s wall; {posts:,} posts)",
        "-",
        "<= 0.2 ms",
        per_item <= 0.2,
    )
    goal(
        "sweep: SQL statements",
        f"{statements:,} ({statements / args.owners:.1f} per owner,"
        f" {statements / args.items:.3f} per item)",
        "-",
        "bounded by owners",
        statements <= 20 * args.owners,
    )


# -- cold start and memory ------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def one_answer_ms(s: Servers, port: int, text: str) -> float:
    [command] = base.slash_commands(s.standin, 1, "/appt", text)
    run = base.Run("one")
    base.send(port, s.secret, command, run, threading.Lock())
    found = answers(s.standin, run)
    return found[0] if found else math.nan


def cold_start(s: Servers, stack: ExitStack) -> None:
    print("cold start", flush=True)
    workdir = s.workdir / "cold"
    workdir.mkdir()
    # The running carebot's database as it is now (people known, visits booked): what a
    # restart starts from. Cold is the process, not the data. One booking first, so the
    # people are known even when this section runs alone.
    one_answer_ms(s, s.carebot_port, BOOKING)
    with (
        sqlite3.connect(s.workdir / "bench.db") as live,
        sqlite3.connect(workdir / "bench.db") as copy,
    ):
        live.backup(copy)
    env = {**s.env, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    port = base.free_port()
    log = workdir / "carebot.stderr"
    started = time.perf_counter()
    process = stack.enter_context(
        base.subprocess_running(
            carebot_argv(port), env, workdir, stack.enter_context(log.open("wb"))
        )
    )
    while not base.health_ok(port):
        if process.poll() is not None or time.perf_counter() - started > 30:
            print(log.read_text(errors="replace"), file=sys.stderr)
            raise SystemExit("carebot did not start")
        time.sleep(0.01)
    ready_s = time.perf_counter() - started
    goal("cold start: to /healthz 200", f"{ready_s:.2f} s", "-", "<= 2 s", ready_s <= 2.0)
    first = one_answer_ms(s, port, BOOKING)
    warm = statistics.median(one_answer_ms(s, port, BOOKING) for _ in range(20))
    goal(
        "cold start: first /appt book answer",
        f"{first:.1f} ms (x{first / warm:.2f} of warm {warm:.1f} ms)",
        "-",
        "<= x2.0",
        first / warm <= 2.0,
    )
    time.sleep(1)  # the answers sent, nothing running: idle
    idle = rss_mb(process.pid)
    goal("memory: idle RSS (after 21 bookings)", f"{idle:.0f} MB", "-", "<= 120 MB", idle <= 120)
    process.terminate()


def memory(s: Servers, args: argparse.Namespace) -> None:
    count = args.memory_requests
    print(f"memory: {count:,} requests", flush=True)
    before = rss_mb(s.carebot.pid)
    shape = argparse.Namespace(
        command="/appt", text=f"list {LISTED_DAY.isoformat()}", requests=min(count, 2000),
        warmup=0, threads=args.threads,
    )  # fmt: skip
    done = 0
    while done < count:
        base.bench("carebot", s.carebot_port, s.secret, s.standin, shape)
        done += shape.requests
    time.sleep(1)
    after = rss_mb(s.carebot.pid)
    growth = (after - before) / before
    goal(
        f"memory: RSS over {count:,} requests",
        f"{before:.0f} -> {after:.0f} MB ({growth:+.1%})",
        "-",
        "<= +10%",
        growth <= 0.10,
    )


# -- main ------------------------------------------------------------------------------------


def print_summary() -> None:
    print("\nGoal | Measured | Bare Bolt | Target | Met")
    print("--- | --- | --- | --- | ---")
    for found in GOALS:
        met = {True: "yes", False: "**no**", None: "-"}[found.met]
        print(f"{found.name} | {found.measured} | {found.reference} | {found.target} | {met}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, for a try-out")
    parser.add_argument("--requests", type=int, default=1000, help="closed loop, per target")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=float, default=50.0, help="open loop arrivals per second")
    parser.add_argument("--open-seconds", type=float, default=30.0)
    parser.add_argument("--items", type=int, default=10_000, help="pending items for the sweep")
    parser.add_argument("--owners", type=int, default=200)
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument(
        "--only",
        default="closed,open,cold,memory,sweep",
        help="sections to run, comma-separated (default: all)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if args.quick:
        args.requests, args.open_seconds, args.memory_requests = 200, 10.0, 4000
        args.items = 2000
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    # The sweep runs in this process (the stand-in too) and the stand-in keeps every call
    # it answers: the sweep and the cold start go before the loads fill it, so neither is
    # measured through this process's garbage collections of earlier sections' records.
    if "sweep" in only:
        sweep_goals(args)
    with ExitStack() as stack:
        s = stack.enter_context(servers(stack))
        if "cold" in only:
            cold_start(s, stack)
        if "closed" in only:
            closed_loop(s, args)
        if "open" in only:
            open_loop_goals(s, args)
        if "memory" in only:
            memory(s, args)
    print_summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
