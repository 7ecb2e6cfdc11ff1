"""The Slack Web API client: pointed at SLACK_API_URL, patient with 429s and 5xx answers."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.runtime.config import Settings

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


def make_client(
    settings: Settings, *, timeout: int = 15, logger: logging.Logger | None = None
) -> WebClient:
    """A WebClient that waits out short 429s and retries 5xx answers and dropped connections."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        logger=logger,
        retry_handlers=[
            BoundedRateLimitHandler(),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
