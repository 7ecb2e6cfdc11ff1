"""Replies outside the Web API: posts to a response_url and what a slash command's ack shows."""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.sandbox import limits
from bot.sandbox.standin_records import ApiCall, Message, ResponseUrl, Result
from bot.sandbox.standin_state import StandInState


class ResponseMethods(StandInState):
    """Mints response URLs and answers posts to them as Slack does (uses, expiry, replace)."""

    def issue_response_url(
        self, channel: str, user: str, *, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        """A fresh response_url bound to a channel, a user and maybe the clicked message."""
        with self._lock:
            rid = secrets.token_hex(12)
            self._response_urls[rid] = ResponseUrl(
                rid, channel, user, self.monotonic(), message_ts, ephemeral
            )
            return f"{self.base_url}/response/{rid}"

    def deliver_ack(self, channel: str, user: str, body: Any) -> Result | None:
        """Show what a slash command's ack carried (ephemeral unless `in_channel`).

        Returns Slack's refusal when the ack's blocks or text break the limits.
        """
        if isinstance(body, str) and body.strip():
            body = {"text": body}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return None
        refused = limits.check_message(body.get("text"), body.get("blocks"))
        if refused is not None:
            return refused
        with self._lock, self._acting_for(channel):
            self._post_reply(ResponseUrl("ack", channel, user, self.monotonic()), body)
        return None

    def handle_response(self, rid: str, body: Any) -> tuple[int, str]:
        """Take one post to a response_url; answer like Slack (200 ok, 404 used_url, ...)."""
        with self._lock:
            url = self._response_urls.get(rid)
            team = self.team_of(url.channel) if url is not None else None
            with self._acting(team):  # the reply comes from that workspace's bot
                status, answer = self._respond(rid, body)
            self._calls.append(
                ApiCall(
                    "response_url", {"id": rid, "body": body}, time.time(), status, answer, team
                )
            )
            return status, answer

    def _respond(self, rid: str, body: Any) -> tuple[int, str]:
        fault = self._take_fault("response_url")
        if fault is not None:
            return fault.status, fault.error or "rollup_error"
        url = self._response_urls.get(rid)
        if url is None:
            return 404, "no_service"
        if self.monotonic() - url.issued_at > self.response_url_ttl:
            return 404, "expired_url"
        if url.uses >= self.response_url_uses:
            return 404, "used_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        url.uses += 1
        original = self.find_message(url.channel, url.message_ts) if url.message_ts else None
        if body.get("delete_original") and original is not None:
            original.deleted = True
            self._touch(original)
            if not (body.get("text") or body.get("blocks")):
                return 200, "ok"
        refused = limits.check_message(body.get("text"), body.get("blocks"))
        if refused is not None:
            return 400, str(refused["error"])
        if body.get("replace_original") and original is not None:
            original.text = str(body.get("text") or "")
            original.blocks = limits.normalize_blocks(body.get("blocks"), original.ts)
            original.edited = True
            self._touch(original)
            return 200, "ok"
        self._post_reply(url, body)
        return 200, "ok"

    def _post_reply(self, url: ResponseUrl, body: Result) -> Message:
        in_channel = body.get("response_type") == "in_channel"
        to = None if in_channel else url.user
        return self._bot_message(url.channel, body, body.get("thread_ts"), to=to)
