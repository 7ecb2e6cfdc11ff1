"""`carebot sandbox`: carebot against a local Slack stand-in, with a prompt; no Slack needed."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO


def run_sandbox(
    *, db_path: str | None = None, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Start the world, then read commands from the terminal or, when scripted, from stdin."""
    from bot.sandbox.shell import SandboxShell
    from bot.sandbox.world import start_sandbox

    stdin, out = stdin or sys.stdin, out or sys.stdout
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    url = f"sqlite:///{Path(db_path).resolve()}" if db_path else None
    interactive = stdin.isatty()
    if interactive:
        print("Starting carebot's sandbox (a Slack stand-in on this machine)...", file=out)
    sandbox = start_sandbox(database_url=url)
    try:
        shell = SandboxShell(
            sandbox.driver, on_time=sandbox.move_clock, now=sandbox.clock.now, out=out
        )
        if interactive:
            print("Type `?` for what you can do, `/carebot help` to ask carebot.", file=out)
            shell.run(_prompted(lambda: shell.prompt, out, kept=db_path is not None))
            if db_path is None:
                print(
                    "This session was kept in memory only; `carebot sandbox --db FILE` keeps "
                    "the next one.",
                    file=out,
                )
        else:
            shell.run(stdin)
    finally:
        sandbox.close()
    return 0


def _prompted(prompt: Callable[[], str], out: TextIO, *, kept: bool) -> Iterator[str]:
    """Lines typed at a prompt that shows who and where you are. Ctrl-C does not throw the
    session away: the first one says how to leave (and what is lost), a second one leaves."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - line editing and history for input()
    interrupted = False
    while True:
        try:
            line = input(prompt())
        except EOFError:
            return
        except KeyboardInterrupt:
            if interrupted:
                return
            interrupted = True
            lost = "" if kept else " (this session is in memory only: it will be gone)"
            print(f"\n(Ctrl-C again, or `quit`, to leave{lost}.)", file=out)
            continue
        interrupted = False
        yield line
