"""Network trouble: what a failed request proves, and quiet polling logs.

Two rules of the bot's dealings with an unreliable link to Telegram live here (the third,
flood limits and their waits, is `bot.rate_limit`):

- `may_have_arrived`: Telegram has no idempotency key, so a send that failed after the
  request left (a read timeout, a connection lost while waiting for the answer) may have
  been delivered. Such a send is never retried blindly; only failures that prove the request
  never reached Telegram, or that Telegram refused it (an error status), are retried.
- `PollingHealth` (fed by `WatchedRequest`, the getUpdates connection): one WARNING line
  when polling starts failing, one ERROR line if it still fails after
  `TROUBLE_IS_AN_ERROR_AFTER`, one INFO line when it works again — not a traceback a poll.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

TROUBLE_IS_AN_ERROR_AFTER = dt.timedelta(seconds=60)
# httpx failures that happen before a request is on the wire: Telegram cannot have it.
_NEVER_LEFT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


# -- what a failure proves ---------------------------------------------------------------------
def may_have_arrived(error: object) -> bool:
    """Whether a request that failed with `error` may still have been carried out."""
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return False  # Telegram answered: it said what it did
    cause = error.__cause__
    if cause is None:
        return False  # an error status (5xx) from Telegram: it did not take the request
    return not isinstance(cause, _NEVER_LEFT)


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whichever type this PTB version gives it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PTB's int → timedelta migration
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# -- polling trouble ---------------------------------------------------------------------------
class PollingHealth:
    """Turns a run of failed polls into one WARNING, one ERROR if it lasts, one INFO at the end."""

    def __init__(
        self,
        *,
        error_after: dt.timedelta = TROUBLE_IS_AN_ERROR_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.error_after = error_after.total_seconds()
        self.clock = clock
        self.failing_since: float | None = None
        self.failures = 0
        self._is_error_logged = False

    def failed(self, error: Exception) -> None:
        """A poll failed for a network reason."""
        now = self.clock()
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = now
            logger.warning("Telegram is unreachable (%s); polling again shortly", _short(error))
        elif not self._is_error_logged and now - self.failing_since >= self.error_after:
            self._is_error_logged = True
            logger.error(
                "Telegram has been unreachable for %.0f s (%d failed polls; last: %s)",
                now - self.failing_since,
                self.failures,
                _short(error),
            )
        else:
            logger.debug("poll failed again: %s", _short(error))

    def succeeded(self) -> None:
        """A poll got an answer."""
        if self.failing_since is None:
            return
        logger.info(
            "Telegram is reachable again after %.0f s (%d failed polls)",
            self.clock() - self.failing_since,
            self.failures,
        )
        self.failing_since, self.failures, self._is_error_logged = None, 0, False

    @property
    def is_failing(self) -> bool:
        return self.failing_since is not None


class WatchedRequest(HTTPXRequest):
    """The getUpdates connection, reporting each poll's network outcome to a PollingHealth."""

    def __init__(self, health: PollingHealth, **options: Any) -> None:
        super().__init__(**options)
        self.health = health

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            status, payload = await super().do_request(
                url,
                method,
                request_data=request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except NetworkError as error:
            self.health.failed(error)
            raise
        if status >= 500:  # Telegram's side is in trouble: the same to the bot
            self.health.failed(NetworkError(f"HTTP {status} from Telegram"))
        else:
            self.health.succeeded()
        return status, payload


def is_network_trouble(error: object) -> bool:
    """Whether an error is the link to Telegram failing (not Telegram refusing a request)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200]


__all__ = [
    "PollingHealth",
    "WatchedRequest",
    "is_network_trouble",
    "may_have_arrived",
    "retry_seconds",
]
