"""Clicking: finding what a person can click or pick, and sending Slack's block_actions."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from bot.sandbox import driver_payloads as payloads
from bot.sandbox.driver_base import Ack, DriverBase, DriverError, checked
from bot.sandbox.driver_reading import Seen
from bot.sandbox.inputs import entry_for, menu_matches, menus
from bot.sandbox.render import Choice, choices
from bot.sandbox.standin import Message, View


class Clicking(DriverBase):
    """Buttons, overflow and menu options in messages, modals and the Home tab."""

    def _surfaces(self, in_message: str | Seen | None) -> list[Message | View]:
        """What the user could click, most recently changed first."""
        user = self._user.id
        if in_message == "home":
            home = self.standin.home(user)
            return [home] if home is not None else []
        top = self.standin.top_view(user)
        if top is not None and in_message is None:
            return [top]
        channel = self.channel.id
        seen: list[Message] = [
            *self.standin.messages(channel),
            *self.standin.ephemerals(channel=channel, user=user),
        ]
        if in_message is not None:
            ts = in_message.ts if isinstance(in_message, Seen) else in_message
            seen = [m for m in seen if m.ts == ts]
            if not seen:
                raise DriverError(f"no message {ts} in #{self.channel.name}")
        return sorted(seen, key=lambda m: m.seq, reverse=True)

    def _find_choice(
        self, wanted: str | int, in_message: str | Seen | None
    ) -> tuple[Message | View, Choice]:
        surfaces = [(s, choices(_blocks_of(s))) for s in self._surfaces(in_message)]
        surfaces = [(s, found) for s, found in surfaces if found]
        if not surfaces:
            raise DriverError(f"@{self._user.name} sees nothing to click in #{self.channel.name}")
        if isinstance(wanted, int) or str(wanted).isdigit():
            surface, found = surfaces[0]
            for choice in found:
                if choice.number == int(wanted):
                    return surface, choice
            raise DriverError(f"no button {wanted}; shown: {_labels(found)}")
        label = str(wanted).strip().lower()
        for surface, found in surfaces:
            exact = [c for c in found if c.label.strip().lower() == label]
            partial = [c for c in found if label in c.label.lower()]
            if exact or len(partial) == 1:
                return surface, (exact or partial)[0]
            if len(partial) > 1:
                raise DriverError(f"{wanted!r} matches several buttons: {_labels(partial)}")
        raise DriverError(f"no button {wanted!r}; shown: {_labels(surfaces[0][1])}")

    def click(self, label_or_number: str | int, *, in_message: str | Seen | None = None) -> Ack:
        """Click a button (or pick an overflow/menu option) by its text or shown number.

        Looks in the open modal, else the newest message or ephemeral here that has one;
        `in_message` narrows it to one message (a ts or a Seen) or to "home".
        """
        surface, choice = self._find_choice(label_or_number, in_message)
        return self._send_action(surface, payloads.action_for(choice))

    def double_click(
        self, label_or_number: str | int, *, in_message: str | Seen | None = None
    ) -> tuple[Ack, Ack]:
        """Click a button twice before Slack has redrawn it, as an impatient person does.

        The button is found once; both block_actions go out at the same time, each with
        its own trigger_id and response_url, so the bot sees two genuine clicks racing.
        """
        surface, choice = self._find_choice(label_or_number, in_message)
        self._check_interactive()
        clicks = [self._action_payload(surface, payloads.action_for(choice)) for _ in range(2)]
        bodies = [urlencode({"payload": json.dumps(click)}).encode() for click in clicks]
        together = threading.Barrier(2)

        def click(body: bytes) -> Ack:
            together.wait(timeout=self.timeout)  # release both requests at the same moment
            return self._post(body, "application/x-www-form-urlencoded")

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="double-click") as pool:
            first, second = (pool.submit(click, body) for body in bodies)
            acks = (first.result(), second.result())
        self.settle()
        return acks

    def select(self, field_label: str, option: str, *, in_message: str | Seen | None = None) -> Ack:
        """Pick an option in a menu (static, users, channels) or a date in a message."""
        for surface in self._surfaces(in_message):
            for block, element in menus(_blocks_of(surface)):
                if menu_matches(block, element, field_label):
                    entry = checked(entry_for, element, option, self.space)
                    action = {
                        **entry,
                        "action_id": element.get("action_id"),
                        "block_id": block.get("block_id"),
                        "action_ts": f"{time.time():.6f}",
                    }
                    return self._send_action(surface, action)
        raise DriverError(f"no menu {field_label!r} in what @{self._user.name} can see")

    def _send_action(self, surface: Message | View, action: dict[str, Any]) -> Ack:
        return self._send_payload(self._action_payload(surface, action))

    def _action_payload(self, surface: Message | View, action: dict[str, Any]) -> dict[str, Any]:
        """A block_actions payload with a fresh trigger_id (and response_url for a message)."""
        user = self._user.id
        trigger_id = self.standin.issue_trigger(user)
        response_url = None
        if isinstance(surface, Message):
            channel = self.space.channels[surface.channel]
            response_url = self.standin.issue_response_url(
                channel.id, user, message_ts=surface.ts, ephemeral=surface.is_ephemeral
            )
        return payloads.block_actions(
            self.space,
            self._user,
            surface,
            action,
            trigger_id=trigger_id,
            response_url=response_url,
        )


def _blocks_of(surface: Message | View) -> list[dict[str, Any]]:
    return list(surface.view.get("blocks", [])) if isinstance(surface, View) else surface.blocks


def _labels(found: list[Choice]) -> str:
    return " ".join(f"[{c.number} {c.label}]" for c in found)
