"""The sandbox prompt: type as a care team would, see what Slack would show them.

Lines are slash commands, plain messages, or a few shell words (`as`, `in`, `click`,
`fill`, `submit`, `close`, `shortcut`, `home`, `time`, `show`, `channels`, `users`,
`help`, `quit`). After each line the shell prints what changed: new or edited
messages, DMs, ephemerals, modals and Home tabs. It reads a script as happily as a
person typing. A file the bot uploads (a week's picture, a calendar) is saved to a folder
and its path printed under the message that carries it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.sandbox.driver import Ack, SlackDriver
from bot.sandbox.render import render_message, render_view, text_of
from bot.sandbox.standin import Message, View

HELP = """\
  /appt list                 run a slash command here
  hello @carebot             post a message here (mention the bot in a channel)
  as @dr.patel               act as someone else (or: as @dr.patel /handoff list)
  in #ortho-team | in dm     move to a channel, or your DM with the bot
  click 2 | click Confirm    press a button (numbers as shown)
  fill Patient = P-12        type or pick a value in the open modal
  submit | close             submit or close the open modal
  shortcut Hand off          run an app.yaml shortcut by name or callback_id; a message
                             shortcut acts on the newest message here (`shortcut` lists them)
  home | home click 2        open your Home tab with the bot, or press a button in it
  time +1w | +2d | +1h30m    move the bot's clock forward; what the bot sends then shows
  time 2027-03-02 09:00      ... or jump to a moment (in the current user's time zone)
  show                       show again what you can see here
  channels | users           who and where
  ? | help | quit            this list (in your DM with the bot, `help` asks the bot;
                             `?` is always this list); quit leaves"""
RELATIVE = re.compile(r"^\+(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
ABSOLUTE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?$")


class ShellError(Exception):
    """A line the shell could not make sense of; shown as a one-line hint."""


class SandboxShell:
    """A line-at-a-time prompt over a SlackDriver."""

    def __init__(
        self,
        driver: SlackDriver,
        *,
        on_time: Callable[[datetime], list[str]],
        now: Callable[[], datetime],
        out: TextIO,
        files_dir: Path | None = None,
    ) -> None:
        self.driver = driver
        self.on_time = on_time
        self.now = now
        self.out = out
        self.files_dir = files_dir  # made in the system's temporary folder on the first file
        self.done = False
        self.color = bool(getattr(out, "isatty", lambda: False)())
        self._seen = driver.standin.seq

    @property
    def prompt(self) -> str:
        """Who and where, as the prompt shows it."""
        channel = self.driver.channel
        place = "dm" if channel.is_im else f"#{channel.name}"
        return f"{self.driver.user.name}@{place}> "

    def run(self, lines: Iterable[str]) -> None:
        """Handle lines until they run out or one says quit; echo them when scripted."""
        for line in lines:
            if not self.color:
                self._print(self.prompt + line.rstrip("\n"))
            self.handle(line)
            if self.done:
                break

    def handle(self, line: str) -> None:
        """Do one line, print what changed; mistakes print a hint, never a traceback."""
        try:
            self._dispatch(line.strip())
        except Exception as problem:  # a prompt must survive any mistake
            self._print(self._style(f"! {_one_line(problem)}", "31"))
        self._show_changes()

    # -- parsing ------------------------------------------------------------------

    def _dispatch(self, line: str) -> None:
        if not line or line.startswith("# "):
            return
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        simple: dict[str, Callable[[], None]] = {
            "quit": self._quit,
            "exit": self._quit,
            "?": lambda: self._print(HELP),
            "show": self._show,
            "channels": self._channels,
            "users": self._users,
            "submit": self._submit,
            "close": self._close,
            "shortcut": self._list_shortcuts,
            "home": self._home,
        }
        if word == "help" and not rest and self.driver.channel.is_im:
            # In the DM the bot itself says "send `help`": that is for the bot.
            self._ack(self.driver.message(line))
        elif word == "help" and not rest:
            self._print(HELP)
        elif word in simple and not rest:
            simple[word]()
        elif word == "as" and rest:
            self._as(rest)
        elif word == "in" and rest:
            self.driver.in_channel(rest)
        elif word == "click" and rest:
            self._ack(self.driver.click(int(rest) if rest.isdigit() else rest))
        elif word == "fill" and "=" in rest:
            field, _, value = rest.partition("=")
            self._ack(self.driver.fill(field.strip(), value.strip()))
        elif word == "shortcut" and rest:
            self._shortcut(rest)
        elif word == "home" and rest.startswith("click "):
            choice = rest.removeprefix("click ").strip()
            self._ack(
                self.driver.click(int(choice) if choice.isdigit() else choice, in_message="home")
            )
        elif word == "time":
            self._time(rest)
        elif line.startswith("/"):
            self._ack(self.driver.command(word, rest))
        elif word in ("as", "in", "click", "fill"):
            raise ShellError(f"`{word}` needs more; try `help`")
        else:
            self._ack(self.driver.message(line))

    def _quit(self) -> None:
        self.done = True

    def _as(self, rest: str) -> None:
        who, _, then = rest.partition(" ")
        if not then.strip():
            self.driver.as_user(who)
            return
        previous = self.driver.user.id
        self.driver.as_user(who)
        try:
            self._dispatch(then.strip())
        finally:
            self.driver.as_user(previous)

    def _submit(self) -> None:
        self._ack(self.driver.submit())
        modal = self.driver.modal
        labels = {
            str(b.get("block_id")): text_of(b.get("label"))
            for b in (modal.blocks if modal else [])
            if b.get("type") == "input"
        }
        for block_id, error in self.driver.errors.items():
            self._print(self._style(f"! {labels.get(block_id, block_id)}: {error}", "31"))

    def _close(self) -> None:
        self._ack(self.driver.close())

    def _shortcut(self, name: str) -> None:
        callback_id = self.driver.standin.manifest.find_shortcut(name)
        if callback_id is None:
            raise ShellError(f"no shortcut {name!r} in app.yaml; {self._shortcut_names()}")
        self._ack(self.driver.shortcut(callback_id))

    def _list_shortcuts(self) -> None:
        manifest = self.driver.standin.manifest
        for callback_id, kind in manifest.shortcuts.items():
            name = manifest.shortcut_names.get(callback_id, callback_id)
            self._print(f"  {name} ({kind} shortcut, callback_id {callback_id})")
        if not manifest.shortcuts:
            self._print("(app.yaml declares no shortcuts)")

    def _shortcut_names(self) -> str:
        manifest = self.driver.standin.manifest
        names = [manifest.shortcut_names.get(c, c) for c in manifest.shortcuts]
        if not names:
            return "it declares none"
        return "try " + ", ".join(f"`shortcut {n}`" for n in names)

    def _home(self) -> None:
        standin, me = self.driver.standin, self.driver.user.id
        if "app_home_opened" in standin.manifest.bot_events:
            before = standin.home(me)
            seen = before.seq if before is not None else -1
            self._ack(self.driver.open_home())
            after = standin.home(me)
            if after is not None and after.seq != seen:
                return  # the bot just published it; the change is shown next
        else:
            self._print("(the bot is not subscribed to app_home_opened; Slack would not tell it)")
        home = standin.home(me)
        self._print(
            self._view_text(home)
            if home
            else f"(no Home tab published for @{self.driver.user.name})"
        )

    def _time(self, rest: str) -> None:
        zone = ZoneInfo(self.driver.user.tz)
        if not rest:
            self._print(f"it is {self.now().astimezone(zone):%a %Y-%m-%d %H:%M %Z}")
            return
        now = self.now()
        instant = parse_time(rest, now, zone)
        if instant < now:
            raise ShellError(
                f"time only moves forward; now is {now.astimezone(zone):%a %Y-%m-%d %H:%M %Z}; "
                "try `time +1h`"
            )
        self._print(f"time is now {instant.astimezone(zone):%a %Y-%m-%d %H:%M %Z}")
        self.on_time(instant)  # what the bot sends then is shown like anything else it sends

    def _ack(self, ack: Ack | None) -> None:
        refused, self.driver.slack_error = self.driver.slack_error, None
        if refused:
            details = "; ".join(refused.get("response_metadata", {}).get("messages", []))
            self._print(
                self._style(
                    f"! Slack refused the bot's reply: {refused.get('error')} {details}", "31"
                )
            )
        if ack is None:
            return
        if not ack.delivered and ack.status == 0 and not self.driver.errors:
            self._print("(the bot is not subscribed to this; Slack would not tell it)")
        elif ack.status not in (0, 200):
            self._print(self._style(f"! the bot answered HTTP {ack.status}: {ack.body}", "31"))
        elif ack.late:
            self._print(
                self._style(f"! the bot took {ack.elapsed:.1f}s; Slack gives up at 3s", "31")
            )

    # -- showing ------------------------------------------------------------------

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _style(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def _channels(self) -> None:
        me = self.driver.user.id
        for channel in self.driver.standin.workspace.channels.values():
            if channel.is_im:
                continue
            flags = [
                "private" if channel.is_private else "",
                "archived" if channel.is_archived else "",
                "" if self.driver.standin.workspace.bot_user_id in channel.members else "no bot",
                "you" if me in channel.members else "",
            ]
            shown = ", ".join(f for f in flags if f)
            self._print(f"  #{channel.name} ({channel.id}){f' [{shown}]' if shown else ''}")

    def _users(self) -> None:
        for user in self.driver.standin.workspace.users.values():
            notes = "deleted" if user.deleted else "bot" if user.is_bot else user.title
            self._print(f"  @{user.name} ({user.id}) {user.real_name}, {user.tz}  {notes}".rstrip())

    def _show(self) -> None:
        driver, standin = self.driver, self.driver.standin
        top = standin.top_view(driver.user.id)
        if top is not None:
            self._print(self._view_text(top))
            return
        channel = driver.channel.id
        recent = [*standin.messages(channel)[-5:], *standin.ephemerals(channel, driver.user.id)]
        for message in sorted(recent, key=lambda m: m.seq):
            self._print(self._message_text(message))
        if not recent:
            self._print("(nothing here yet)")

    def _show_changes(self) -> None:
        standin = self.driver.standin
        changes = standin.changes_since(self._seen)
        self._seen = standin.seq
        for item in changes:
            if isinstance(item, View):
                self._print(self._view_text(item))
            elif item.user == standin.workspace.bot_user_id:
                self._print(self._message_text(item))

    def _where(self, message: Message) -> str:
        space = self.driver.standin.workspace
        channel = space.channels.get(message.channel)
        if channel is not None and channel.is_im:
            return f"DM to @{space.users[channel.user or ''].name}" if channel.user else "DM"
        return f"#{channel.name}" if channel else message.channel

    def _message_text(self, message: Message) -> str:
        space = self.driver.standin.workspace
        author = space.users[message.user].name if message.user in space.users else message.user
        notes = [
            "deleted" if message.deleted else "",
            "edited" if message.edited and not message.deleted else "",
            f"in thread {message.thread_ts}" if message.thread_ts else "",
            f"only visible to @{space.users[message.ephemeral_to].name}"
            if message.ephemeral_to
            else "",
        ]
        shown = ", ".join(n for n in notes if n)
        head = self._style(f"{self._where(message)} · {author}", "1")
        head += f" ({shown})" if shown else ""
        if message.deleted:
            return head
        reader = ZoneInfo(self.driver.user.tz)  # dates as Slack shows them to this person
        body = render_message(
            message.text, message.blocks, names=space, files=message.files, zone=reader
        )
        for shared in message.files:
            saved = self._save(shared)
            body += f"\n  saved to {saved}" if saved else ""
        return head + "\n" + _indent(body)

    def _save(self, shared: Mapping[str, Any]) -> Path | None:
        """The uploaded file's bytes in the files folder, so it can be opened; its path."""
        stored = next((f for f in self.driver.standin.files() if f.id == shared.get("id")), None)
        if stored is None or stored.data is None:
            return None
        if self.files_dir is None:
            self.files_dir = Path(tempfile.mkdtemp(prefix="carebot-sandbox-files-"))
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(stored.filename).name) or "file"
        path = self.files_dir / f"{stored.id}-{name}"
        if not path.exists():
            path.write_bytes(stored.data)
        return path

    def _view_text(self, view: View) -> str:
        space = self.driver.standin.workspace
        who = space.users[view.user].name
        title = view.view.get("title") or {}
        if view.closed:
            return self._style(f"[{view.type} closed for @{who}] {title.get('text', '')}", "2")
        errors = self.driver.errors if view.user == self.driver.user.id else {}
        viewer = space.users.get(view.user)
        zone = ZoneInfo(viewer.tz) if viewer is not None else None
        shown = render_view(view.view, names=space, state=view.state, errors=errors, zone=zone)
        return self._style(f"{view.type} for @{who}:", "1") + "\n" + _indent(shown)


def parse_time(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """`+2d`, `+90m`, `+1h30m` from now, or `2027-03-02 09:00` in the given zone."""
    text = text.strip()
    relative = RELATIVE.match(text)
    if relative and any(relative.groups()):
        weeks, days, hours, minutes = (int(g or 0) for g in relative.groups())
        return now + timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    absolute = ABSOLUTE.match(text)
    if absolute:
        day, clock = absolute.group(1), absolute.group(2) or "00:00"
        try:
            naive = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
        except ValueError as problem:
            raise ShellError(f"not a real date/time: {text!r}") from problem
        return naive.replace(tzinfo=zone)
    raise ShellError(
        f"cannot read time {text!r}; try `time +2d`, `time +1h30m`, `time 2027-03-02 09:00`"
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _one_line(problem: BaseException) -> str:
    lines = str(problem).strip().splitlines()
    return lines[0] if lines else type(problem).__name__
