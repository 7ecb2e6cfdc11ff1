"""How fast Slack would see carebot's HTTP ack for a slash command, next to a bare Bolt app.

The command is `/carebot help` unless --command/--text say otherwise, e.g.
`--command /appt --text "book Jane Doe, MRI, tomorrow 3pm, with @dr.patel"`.

Both servers run as real subprocesses behind waitress with the same thread count and
talk to the in-process Slack stand-in. The script prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import inspect
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from bot.runtime.server import EVENTS_PATH, HEALTH_PATH, HttpServer
from bot.sandbox.driver import LEGACY_TOKEN, sign
from bot.sandbox.standin import SlackStandIn

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
COORDINATOR = "U0COORD01"  # dana, a member of #cardiology-team in the sandbox seed
CARE_CHANNEL = "C0CARDIO1"
STARTUP_TIMEOUT_S = 30.0
FOLLOW_UP_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 10.0
# carebot's `run --http` takes HttpServer's default; the bare app must use the same.
WAITRESS_THREADS: int = inspect.signature(HttpServer).parameters["threads"].default


@dataclass(frozen=True)
class SlashCommand:
    """One `/carebot help` as Slack would post it, with its own response_url."""

    body: bytes
    response_url: str


@dataclass
class Run:
    """What one target did with the workload."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sent_at: dict[str, float] = field(default_factory=dict)  # response_url -> wall clock
    wall_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())


# -- the bare app, run in its own process ------------------------------------------------


def serve_bare_app(port: int) -> None:
    """A Bolt app that only acks slash commands, served like carebot: waitress via HttpServer."""
    from slack_bolt import Ack, App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    # Popped: Bolt would also read it from the environment and warn that `client` wins.
    token = os.environ.pop("SLACK_BOT_TOKEN")
    client = WebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client)

    def ack_only(ack: Ack) -> None:
        ack()

    app.command(re.compile(r"^/"))(ack_only)
    HttpServer(SlackRequestHandler(app), HOST, port, threads=WAITRESS_THREADS).serve_forever()


# -- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def subprocess_running(
    argv: Sequence[str], env: dict[str, str], cwd: Path, stderr: IO[bytes]
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a process; terminate it on the way out, and kill it if it lingers."""
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll until `ready()`; on timeout or early exit show the process's stderr and stop."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            return
        time.sleep(0.1)
    state = f"exited with {process.returncode}" if process.poll() is not None else "timed out"
    print(f"{log.stem}: {state} before it was ready; its stderr:", file=sys.stderr)
    print(log.read_text(errors="replace"), file=sys.stderr)
    raise SystemExit(1)


def health_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{HEALTH_PATH}", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def accepts_connections(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


# -- the workload ------------------------------------------------------------------------


def slash_commands(
    standin: SlackStandIn, count: int, command: str, text: str
) -> list[SlashCommand]:
    """Form bodies with every field Slack sends; response_urls take 5 posts, so one each."""
    space = standin.workspace
    user = space.users[COORDINATOR]
    channel = space.channels[CARE_CHANNEL]
    commands = []
    for _ in range(count):
        response_url = standin.issue_response_url(channel.id, user.id)
        fields = {
            "token": LEGACY_TOKEN,
            "team_id": space.team.id,
            "team_domain": space.team.domain,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": space.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": standin.issue_trigger(user.id),
        }
        commands.append(SlashCommand(urlencode(fields).encode(), response_url))
    return commands


def send(port: int, secret: str, command: SlashCommand, run: Run, lock: threading.Lock) -> None:
    """Post one signed command; time it from connecting until the ack is fully read."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, command.body),
    }
    sent_at = time.time()
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("POST", EVENTS_PATH, command.body, headers)
        answer = connection.getresponse()
        answer.read()
        outcome = "ok" if answer.status == 200 else f"HTTP {answer.status}"
    except OSError as failure:
        outcome = type(failure).__name__
    finally:
        connection.close()
    elapsed_ms = (time.perf_counter() - started) * 1000
    with lock:
        if outcome == "ok":
            run.latencies_ms.append(elapsed_ms)
            run.sent_at[command.response_url] = sent_at
        else:
            run.errors[outcome] += 1


def hammer(name: str, port: int, secret: str, commands: list[SlashCommand], threads: int) -> Run:
    run, lock = Run(name), threading.Lock()
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bench-client")
    try:
        for done in [pool.submit(send, port, secret, c, run, lock) for c in commands]:
            done.result()
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, send nothing more
    run.wall_s = time.perf_counter() - started
    return run


def bench(
    name: str, port: int, secret: str, standin: SlackStandIn, args: argparse.Namespace
) -> Run:
    """Warm up (not counted), then the measured run."""
    warmup = slash_commands(standin, args.warmup, args.command, args.text)
    hammer(name, port, secret, warmup, args.threads)
    measured = slash_commands(standin, args.requests, args.command, args.text)
    return hammer(name, port, secret, measured, args.threads)


# -- reporting ---------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def print_table(runs: Sequence[Run]) -> None:
    print(f"{'target':<10}{'requests':>9}{'errors':>8}", end="")
    print("".join(f"{h:>9}" for h in ("p50 ms", "p90 ms", "p99 ms", "max ms", "req/s")))
    for run in runs:
        cells = [percentile(run.latencies_ms, q) for q in (0.5, 0.9, 0.99, 1.0)]
        rate = run.requests / run.wall_s if run.wall_s else math.nan
        print(f"{run.name:<10}{run.requests:>9}{sum(run.errors.values()):>8}", end="")
        print("".join(f"{c:>9.1f}" for c in [*cells, rate]))
        if run.errors:
            print(f"  {run.name} errors: " + ", ".join(f"{k} x{n}" for k, n in run.errors.items()))


def print_ratio(carebot: Run, bare: Run) -> None:
    ratios = []
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        base = percentile(bare.latencies_ms, q)
        ratio = percentile(carebot.latencies_ms, q) / base if base else math.nan
        ratios.append(f"{label} x{ratio:.2f}")
    print("carebot/bare: " + ", ".join(ratios))


def print_follow_ups(standin: SlackStandIn, run: Run) -> None:
    """Wait for carebot's respond() posts to the measured response_urls, then time them."""
    expected = {url.rsplit("/", 1)[-1]: at for url, at in run.sent_at.items()}
    deadline = time.monotonic() + FOLLOW_UP_TIMEOUT_S
    while True:
        posts = [c for c in standin.calls("response_url") if c.params["id"] in expected]
        if len(posts) >= len(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    lags_ms = [(c.at - expected[c.params["id"]]) * 1000 for c in posts]
    refused = sum(c.status != 200 for c in posts)
    print(
        f"carebot respond() follow-ups: {len(posts)}/{len(expected)} landed"
        f" ({refused} refused by the stand-in); after the command was sent:"
        f" p50 {percentile(lags_ms, 0.5):.1f} ms, p99 {percentile(lags_ms, 0.99):.1f} ms,"
        f" max {percentile(lags_ms, 1.0):.1f} ms"
    )
    if standin.internal_errors:
        print(f"stand-in internal errors: {len(standin.internal_errors)}")


def print_stderr_summary(name: str, log: Path) -> None:
    lines = log.read_text(errors="replace").splitlines()
    print(f"{name} stderr: {len(lines)} lines" + (f"; last: {lines[-1][:120]}" if lines else ""))


# -- main --------------------------------------------------------------------------------


def child_env(standin: SlackStandIn, secret: str, workdir: Path) -> dict[str, str]:
    """The environment both servers get: the stand-in's Slack, a scratch SQLite file."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREBOT_", "DATABASE_"))
    }
    return {
        **keep,
        "PYTHONPATH": str(REPO),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "LOG_LEVEL": "WARNING",
    }


def measure(args: argparse.Namespace, stack: ExitStack) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="carebot-bench-"))
    stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    standin = SlackStandIn().start()
    stack.callback(standin.stop)
    secret = secrets.token_hex(16)
    env = child_env(standin, secret, workdir)

    carebot_port, bare_port = free_port(), free_port()
    carebot_log, bare_log = workdir / "carebot.stderr", workdir / "bare.stderr"
    carebot_argv = [sys.executable, "-m", "bot", "run", "--http", "--host", HOST]
    carebot_argv += ["--port", str(carebot_port), "--no-scheduler"]
    bare_argv = [sys.executable, str(Path(__file__).resolve()), "--bare-app"]
    bare_argv += ["--port", str(bare_port)]
    # Both run away from the repo, so no stray .env is read.
    carebot = stack.enter_context(
        subprocess_running(carebot_argv, env, workdir, stack.enter_context(carebot_log.open("wb")))
    )
    bare = stack.enter_context(
        subprocess_running(bare_argv, env, workdir, stack.enter_context(bare_log.open("wb")))
    )
    wait_until(lambda: health_ok(carebot_port), carebot, carebot_log)
    wait_until(lambda: accepts_connections(bare_port), bare, bare_log)

    print(
        f"{args.requests} x {args.command} {args.text} from {args.threads} client threads"
        f" (+{args.warmup} warm-up); waitress threads: {WAITRESS_THREADS}"
    )
    # The bare app first, so carebot's follow-ups cannot overlap its run.
    bare_run = bench("bare bolt", bare_port, secret, standin, args)
    carebot_run = bench("carebot", carebot_port, secret, standin, args)
    print_table([carebot_run, bare_run])
    print_ratio(carebot_run, bare_run)
    print_follow_ups(standin, carebot_run)
    print_stderr_summary("carebot", carebot_log)
    print_stderr_summary("bare bolt", bare_log)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="measured requests per target")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--warmup", type=int, default=20, help="requests sent first, not counted")
    parser.add_argument("--command", default="/carebot", help="slash command to send")
    parser.add_argument("--text", default="help", help="its text, as Slack would send it")
    parser.add_argument("--bare-app", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.bare_app:
            serve_bare_app(args.port)
            return 0
        with ExitStack() as stack:
            measure(args, stack)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
