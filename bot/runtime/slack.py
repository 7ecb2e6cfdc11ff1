"""The Slack Web API client: pointed at SLACK_API_URL, patient with 429s and 5xx answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.runtime.config import Settings
from bot.runtime.turns import PacedClient, Turns
from bot.runtime.workspaces import Refused, Tokens, WorkspaceClient

# Longer waits give up instead: a listener must not hold its thread for minutes, and a
# reminder that could not be sent stays due for the next sweep.
MAX_RETRY_AFTER = 10


class BoundedRateLimitHandler(RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After, unless Slack asks for more than `max_wait` seconds."""

    def __init__(self, max_retry_count: int = 3, max_wait: int = MAX_RETRY_AFTER) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = next(
            (
                values[0]
                for name, values in response.headers.items()
                if name.lower() == "retry-after"
            ),
            "1",
        )
        return wait.isdigit() and int(wait) <= self.max_wait


# Told of every HTTP request to the Web API: its method and its outcome.
CallCounter = Callable[[str, str], None]


class CountedCalls(RetryHandler):
    """Retries nothing: first among the retry handlers, it sees every attempt of every call
    (the client asks its handlers after each one) and counts it by method and outcome."""

    def __init__(self, count: CallCounter) -> None:
        super().__init__(max_retry_count=0)
        self.count = count

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        self.count(urlsplit(request.url).path.rsplit("/", 1)[-1], call_outcome(response))
        return False


def call_outcome(response: HttpResponse | None) -> str:
    """ok, Slack's error code, ratelimited (429), http_5xx, http_4xx, or network (no answer)."""
    if response is None:
        return "network"
    if response.status_code == 429:
        return "ratelimited"
    if response.status_code != 200:
        return f"http_{response.status_code // 100}xx"
    body = response.body or {}
    if body.get("ok"):
        return "ok"
    error = body.get("error")
    return error if isinstance(error, str) else "unreadable"


def make_client(
    settings: Settings,
    *,
    timeout: int = 15,
    logger: logging.Logger | None = None,
    count_calls: CallCounter | None = None,
    tokens: Tokens | None = None,
    on_refused: Refused | None = None,
    turns: Turns | None = None,
) -> WebClient:
    """A WebClient that waits out short 429s and retries 5xx answers and dropped connections;
    with `count_calls`, every HTTP request it makes is counted. With `tokens` (many
    workspaces), each call goes with the token of the workspace bound around it. With `turns`,
    a listener gives back its turn while it waits on Slack."""
    counted: list[RetryHandler] = [CountedCalls(count_calls)] if count_calls else []
    retry_handlers = [
        *counted,
        BoundedRateLimitHandler(),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]
    options: dict[str, Any] = {
        "base_url": settings.slack_api_url,
        "timeout": timeout,
        "logger": logger,
        "retry_handlers": retry_handlers,
    }
    client: PacedClient = (
        WorkspaceClient(tokens, on_refused=on_refused, **options)
        if tokens is not None
        else PacedClient(token=settings.bot_token, **options)
    )
    client.turns = turns
    return client
