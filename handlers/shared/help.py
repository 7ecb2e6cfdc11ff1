"""/carebot: help generated from the registered commands, and the /carebot subcommands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.shared.commands import Ask, Command, CommandRegistry, Reply
from bot.shared.rules.mrkdwn import quoted
from bot.shared.rules.near_miss import meant
from handlers.kit.blocks import context

if TYPE_CHECKING:
    pass

HELP_WORDS = {"help", "?", "-h", "--help"}


@dataclass(frozen=True)
class Menu:
    """What carebot answers: the commands features registered, and /carebot's own verbs."""

    commands: CommandRegistry
    carebot_commands: CommandRegistry


INTRO = "carebot helps your care team coordinate, right here in Slack. Here is what it can do:"


def example(menu: Menu) -> str:
    """A command line to show as an example: the first feature's, else help itself."""
    for command in menu.commands:
        if command.name != "carebot" and command.usage:
            return command.usage[0].lstrip("/")
    return "carebot help"


def ways(menu: Menu) -> str:
    sample = example(menu)
    return (
        f"Use a slash command, send me a DM without the slash (`{sample}`), "
        f"or mention me in a channel (`@carebot {sample}`)."
    )


def register(menu: Menu) -> None:
    menu.commands.add(
        Command(
            name="carebot",
            summary="What carebot can do, and how to ask it",
            usage=("/carebot help",),
            run=lambda ask: route(menu, ask),
        )
    )


def route(menu: Menu, ask: Ask) -> Reply | None:
    """`/carebot audit H-7` goes to the audit subcommand; nothing or help gets the overview."""
    subcommand, rest = menu.carebot_commands.split(ask.text)
    if subcommand is None:
        reply = overview(menu, ask)
        if ask.text and ask.text.lower() not in HELP_WORDS:
            typed = ask.text.split()[0]
            guess = meant(typed, [*(c.name for c in menu.carebot_commands), "help"])
            note = f"I don't know `/carebot {quoted(typed, 30)}`." + (
                f" Did you mean `/carebot {guess}`?" if guess else ""
            )
            reply.text = f"{note} {reply.text}"
            reply.blocks = [context(note), *(reply.blocks or [])]
        return reply
    if rest.lower() in HELP_WORDS:
        return command_help(subcommand, prefix="/carebot ")
    return subcommand.run(replace(ask, text=rest))


def usage_of(menu: Menu, command: Command) -> tuple[str, ...]:
    """A command's usage lines; /carebot's include those of its subcommands."""
    if command.name != "carebot":
        return command.usage
    return command.usage + tuple(line for sub in menu.carebot_commands for line in sub.usage)


def overview(menu: Menu, ask: Ask) -> Reply:
    """The whole menu: one section per command with its usage lines."""
    lines = [f"*{INTRO}*", ways(menu), ""]
    blocks: list[dict[str, object]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{INTRO}*\n{ways(menu)}"}}
    ]
    for command in menu.commands:
        usage_lines = usage_of(menu, command)
        usage = "\n".join(f"`{line}`" for line in usage_lines)
        lines += [f"{command.slash} — {command.summary}", *usage_lines, ""]
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{command.slash}* — {command.summary}\n{usage}",
                },
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Type `help` after any command for its details. Your day (visits, "
                    "handoffs, action items) is on carebot's Home tab.",
                }
            ],
        }
    )
    return Reply(text="\n".join(lines).strip(), blocks=blocks)


def command_help(command: Command, prefix: str = "/") -> Reply:
    """One command's usage, as `/appt help` (or `/carebot audit help`) shows it."""
    usage = "\n".join(f"`{line}`" for line in command.usage)
    text = f"*{prefix}{command.name}* — {command.summary}\n{usage}"
    return Reply(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


def not_understood(menu: Menu) -> Reply:
    """A short pointer for a message carebot could not read as a command."""
    return Reply(
        text=(
            f"I didn't understand that. I answer commands such as `{example(menu)}`; "
            "send `help` to see them all."
        )
    )
