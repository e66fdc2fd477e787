"""Network trouble: what a failed request proves, flood waits within a budget, quiet polling logs.

Three rules of the bot's dealings with an unreliable link to Telegram live here:

- `may_have_arrived`: Telegram has no idempotency key, so a send that failed after the
  request left (a read timeout, a connection lost while waiting for the answer) may have
  been delivered. Such a send is never retried blindly; only failures that prove the request
  never reached Telegram, or that Telegram refused it (an error status), are retried.
- `FloodBudgetLimiter`: a 429's retry_after is honoured as often as Telegram asks, within
  one total budget per request (`FLOOD_BUDGET_SECONDS`); past it the request fails with the
  last RetryAfter, and the error handler tells the user once the wait is over.
- `PollingHealth` (fed by `WatchedRequest`, the getUpdates connection): one WARNING line
  when polling starts failing, one ERROR line if it still fails after
  `TROUBLE_IS_AN_ERROR_AFTER`, one INFO line when it works again — not a traceback a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

FLOOD_BUDGET_SECONDS = 60.0
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


# -- flood waits ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FloodBudget:
    """`rate_limit_args` of one call: how long FloodBudgetLimiter may wait out its 429s."""

    seconds: float


NO_FLOOD_WAITS = FloodBudget(0.0)


class FloodBudgetLimiter(AIORateLimiter):
    """AIORateLimiter's pacing, with 429s retried for as long as a total budget allows.

    AIORateLimiter retries a fixed number of times: four 429s in a row lose the answer. Here
    each retry_after is waited out (every request pausing meanwhile, as AIORateLimiter does)
    until the waits would pass `budget` seconds for this request. A call may pass
    `rate_limit_args=FloodBudget(seconds)` for another budget (0: raise RetryAfter at once).
    """

    def __init__(self, budget: float = FLOOD_BUDGET_SECONDS, **limits: Any) -> None:
        super().__init__(max_retries=0, **limits)
        self.budget = budget

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        # Which limits apply, as AIORateLimiter decides it: every chat counts towards the
        # overall rate, groups and channels (negative or @name ids) towards their own too.
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = (
            chat_id
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else False
        )
        # A caller that handles 429s itself (the digest fan-out) passes FloodBudget(0).
        budget = (
            rate_limit_args.seconds if isinstance(rate_limit_args, FloodBudget) else self.budget
        )
        waited = 0.0
        while True:
            try:
                # AIORateLimiter's own retry loop logs each give-up as an exception; its pacing
                # (`_run_request`) and pause switch (`_retry_after_event`) are used directly.
                return await self._run_request(
                    chat=chat_id is not None,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as flood:
                wait = retry_seconds(flood) + 0.1
                if waited + wait > budget:
                    if budget:
                        logger.warning(
                            "%s: Telegram still asks to wait %.0f s after %.0f s of flood "
                            "waits; giving up on this request",
                            endpoint,
                            wait,
                            waited,
                        )
                    raise
                waited += wait
                logger.info("%s: flood wait of %.1f s (%.0f s so far)", endpoint, wait, waited)
                self._retry_after_event.clear()  # every request waits, as Telegram asks
                try:
                    await asyncio.sleep(wait)
                finally:
                    self._retry_after_event.set()


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
    "FLOOD_BUDGET_SECONDS",
    "NO_FLOOD_WAITS",
    "FloodBudget",
    "FloodBudgetLimiter",
    "PollingHealth",
    "WatchedRequest",
    "is_network_trouble",
    "may_have_arrived",
    "retry_seconds",
]
