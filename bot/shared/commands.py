"""The commands carebot answers, registered once by each feature and reached two ways.

A feature registers a `Command`; it then answers as a slash command (`/appt list`),
in a DM to the bot (`appt list`) and when mentioned in a channel (`@carebot appt list`).
`/carebot help` is generated from what is registered here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Via = Literal["slash", "dm", "mention"]
Block = dict[str, Any]

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class Ask:
    """One request to carebot, however it arrived."""

    team_id: str
    user_id: str
    channel_id: str
    text: str
    via: Via
    trigger_id: str | None = None  # only slash commands can open a modal straight away
    thread_ts: str | None = None
    request_id: str = ""

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass
class Reply:
    """What carebot answers: ephemeral unless `public`."""

    text: str
    blocks: list[Block] | None = None
    public: bool = False


@dataclass(frozen=True)
class Command:
    """A command a feature offers: `name` is what follows the slash."""

    name: str
    summary: str
    usage: tuple[str, ...]
    run: Callable[[Ask], Reply | None] = field(compare=False)  # bound to its services

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"command name {self.name!r} must be lowercase letters/digits")

    @property
    def slash(self) -> str:
        return f"/{self.name}"


class CommandRegistry:
    """Commands by name, in the order features registered them."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def add(self, command: Command) -> Command:
        if command.name in self._commands:
            raise ValueError(f"/{command.name} is registered twice")
        self._commands[command.name] = command
        return command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.lower().lstrip("/"))

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def split(self, text: str) -> tuple[Command | None, str]:
        """Read `appt list today` (or `/appt list today`) as a command and the rest of the text."""
        head, _, rest = text.strip().partition(" ")
        return self.get(head), rest.strip()
