"""/carebot help: what carebot can do, generated from the registered commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Ask, Command, Reply

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Care

INTRO = "carebot helps your care team coordinate, right here in Slack. Here is what it can do:"


def example(care: Care) -> str:
    """A command line to show as an example: the first feature's, else help itself."""
    for command in care.commands:
        if command.name != "carebot" and command.usage:
            return command.usage[0].lstrip("/")
    return "carebot help"


def ways(care: Care) -> str:
    sample = example(care)
    return (
        f"Use a slash command, send me a DM without the slash (`{sample}`), "
        f"or mention me in a channel (`@carebot {sample}`)."
    )


def register(app: App, care: Care) -> None:
    care.commands.add(
        Command(
            name="carebot",
            summary="What carebot can do, and how to ask it",
            usage=("/carebot help",),
            run=overview,
        )
    )


def overview(care: Care, ask: Ask) -> Reply:
    """The whole menu: one section per command with its usage lines."""
    lines = [f"*{INTRO}*", ways(care), ""]
    blocks: list[dict[str, object]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{INTRO}*\n{ways(care)}"}}
    ]
    for command in care.commands:
        usage = "\n".join(f"`{line}`" for line in command.usage)
        lines += [f"{command.slash} — {command.summary}", *command.usage, ""]
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
                {"type": "mrkdwn", "text": "Type `help` after any command for its details."}
            ],
        }
    )
    return Reply(text="\n".join(lines).strip(), blocks=blocks)


def command_help(command: Command) -> Reply:
    """One command's usage, as `/appt help` shows it."""
    usage = "\n".join(f"`{line}`" for line in command.usage)
    text = f"*{command.slash}* — {command.summary}\n{usage}"
    return Reply(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])


def not_understood(care: Care) -> Reply:
    """A short pointer for a message carebot could not read as a command."""
    return Reply(
        text=(
            f"I didn't understand that. I answer commands such as `{example(care)}`; "
            "send `help` to see them all."
        )
    )
