"""What exactly-once costs: a send with its key in message metadata, and a possible resend
that looks for the key first (bot.shared.messages.OnceSender), against the Slack stand-in
over real HTTP.

Cases, each over N sends (default 300):
  plain        a first send: one chat.postMessage with metadata (every send pays only this)
  dm-found     a resend after a crash, the DM already in Slack: found, not sent again
  dm-missing   a resend after a crash, the DM never sent: looked for, then sent
  busy-channel a resend in a channel with 900 newer messages: paged, then found (the
               search stops after 1,000 messages and sends again)

    .venv/bin/python bench/exactly_once.py [--sends 300]

The script prints numbers; it asserts nothing. The stand-in answers on loopback, so the
times measure carebot's side and the HTTP round trips, not Slack's own latency: count the
calls per send to price it against Slack (about 50-150 ms a call, and its rate limits).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot.sandbox.seed import User
from bot.sandbox.standin import SlackStandIn
from bot.shared.messages import OnceSender

CHANNEL = "C0CARDIO1"


def measure(name: str, standin: SlackStandIn, sends: int, run: Callable[[int], object]) -> None:
    before = len(standin.calls())
    started = time.perf_counter()
    for n in range(sends):
        run(n)
    elapsed = time.perf_counter() - started
    calls = len(standin.calls()) - before
    per_send = elapsed / sends * 1000
    print(f"{name:<13} {per_send:7.2f} ms/send  {calls / sends:5.2f} Web API calls/send")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=300)
    sends = parser.parse_args().sends
    with SlackStandIn() as standin:
        for n in range(sends):
            user = f"U{n:06d}EO"
            standin.workspace.users[user] = User(user, user.lower(), f"Owner {n}")
        once = OnceSender(WebClient(token=standin.bot_token, base_url=standin.api_url))
        since = datetime.now(UTC) - timedelta(seconds=5)

        print(f"{sends} sends each, against the stand-in on loopback")
        measure(
            "plain",
            standin,
            sends,
            lambda n: once.post(f"r{n}@x", channel=f"U{n:06d}EO", text="round"),
        )
        measure(
            "dm-found",
            standin,
            sends,
            lambda n: once.post(f"r{n}@x", channel=f"U{n:06d}EO", text="round", look_since=since),
        )
        measure(
            "dm-missing",
            standin,
            sends,
            lambda n: once.post(f"s{n}@x", channel=f"U{n:06d}EO", text="round", look_since=since),
        )
        channel_since = datetime.now(UTC) - timedelta(seconds=1)
        once.post("the-card", channel=CHANNEL, text="the card")
        for n in range(900):
            once.post(f"busy-{n}", channel=CHANNEL, text="busy")
        measure(
            "busy-channel",
            standin,
            min(sends, 50),
            lambda n: once.find("the-card", CHANNEL, channel_since),
        )


if __name__ == "__main__":
    main()
