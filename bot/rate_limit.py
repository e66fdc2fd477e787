"""The bot's one rate limiter: Telegram's flood limits kept, and its 429s waited out.

Every request the bot makes goes through `FloodBudgetLimiter` (set on the application by
`build_application`), interactive replies and digest fan-outs alike. It keeps three limits,
Telegram's documented ones (the one a chat applies to what the bot sends unasked: Telegram
lets an answer's short burst through, as PTB's AIORateLimiter assumes, and holding a person's
answers a second apart would slow every conversation):

| window   | at most                  | counts                                              |
|----------|--------------------------|-----------------------------------------------------|
| overall  | 30 requests in 1 s, one every 1/30 s | every request naming a chat (as PTB's AIORateLimiter) |
| group    | 20 requests in 60 s      | those to one group or channel (negative or @name id) |
| chat     | 1 message in 1 s         | broadcast messages put in one chat (digests, alerts)  |

**Why sliding windows held from the answer.** Telegram counts a message when it handles it,
somewhere between the moment the request leaves and the moment its answer comes back. A
request therefore holds its place in a window from when it leaves until `seconds` after its
answer: then no `limit + 1` requests can ever be handled within one window, however the
network or a loaded machine bunches them. Pacing by departure times alone cannot promise
that, and this is why 429s kept coming in a 10,000-chat fan-out: sends spaced 36 ms apart
(a pacer at 28/s) were held up ~0.2 s whenever the loaded machine stalled the process, then
left together (gaps of 10, 1, 4, 3 ms), and the second that ended just after the bunch held
31 messages; each 429 then stopped every send for a second. A token bucket (aiolimiter's,
under PTB's AIORateLimiter) does not help: it lets a full bucket go at once, up to twice
the limit in the second after a pause. The price of holding a place until the answer is
one round trip per window: at a few milliseconds, about 1 % of the rate.

**429s.** A 429's retry_after holds every request (Telegram's flood wait is the whole
bot's), then the request is sent again, as often as Telegram asks within one budget of
waiting per request (`FLOOD_BUDGET_SECONDS`); past it the request fails with the last
RetryAfter. A caller passes `rate_limit_args=FloodBudget(...)` for another budget, and for
hooks run just before the request leaves and when a 429 holds it back: the digest fan-out
marks its ledger row "sending" in the first and "claimed" again in the second, so a bot
killed during a flood wait sends that digest after its restart instead of recording it
unknown.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.network import retry_seconds

logger = logging.getLogger(__name__)

FLOOD_BUDGET_SECONDS = 60.0
# Added to each retry_after, as AIORateLimiter does: Telegram's clock and ours differ a little.
FLOOD_MARGIN_SECONDS = 0.1
# Bot API methods that put a message in a chat but are not one ("typing…").
NOT_MESSAGES = frozenset({"sendChatAction"})
# Idle windows are dropped once there are more than this many (one per chat of a fan-out).
PRUNE_AFTER_WINDOWS = 1024


@dataclass(frozen=True)
class Limit:
    """At most `requests` in any `seconds`; `is_spread`: one every `seconds / requests` too."""

    requests: int
    seconds: float
    is_spread: bool = False

    @property
    def gap(self) -> float:
        """The least time between two requests' departures, when spread."""
        return self.seconds / self.requests if self.is_spread else 0.0


# Spread: a window's worth at once would go in a burst of 30 every second, and a crash in the
# middle of it would leave 30 sends whose fate is unknown instead of one or two.
OVERALL = Limit(30, 1.0, is_spread=True)
PER_GROUP = Limit(20, 60.0)
PER_CHAT = Limit(1, 1.0)


@dataclass(frozen=True)
class FloodBudget:
    """`rate_limit_args` of one call: its flood-wait budget, and hooks around its sending.

    `before_sending` runs once the limits let the request go, just before it leaves (each
    time it is sent); `on_flood` runs with the wait when a 429 holds it back, before the
    wait. A budget of 0 raises the first RetryAfter to the caller.
    """

    seconds: float | None = None
    """None: the limiter's own budget."""
    is_broadcast: bool = False
    """Sent unasked (a digest, an alert): kept to one message a second in its chat too."""
    before_sending: Callable[[], Awaitable[None]] | None = None
    on_flood: Callable[[float], Awaitable[None]] | None = None


def is_message(endpoint: str) -> bool:
    """Whether a Bot API method puts a message in a chat (`sendMessage`, `sendPhoto`…)."""
    return endpoint.startswith("send") and endpoint not in NOT_MESSAGES


@dataclass
class Window:
    """One limit's sliding window: the requests in flight, and when recent ones were answered."""

    limit: Limit
    in_flight: int = 0
    answered_at: collections.deque[float] = field(default_factory=collections.deque)
    next_at: float = -math.inf
    """When a spread limit's next request is due: one gap after the last one's turn."""

    def wait(self, now: float) -> float:
        """Seconds until a place is free: 0 now, inf until a request in flight is answered."""
        while self.answered_at and self.answered_at[0] <= now - self.limit.seconds:
            self.answered_at.popleft()
        spacing = self.next_at - now
        if self.in_flight + len(self.answered_at) < self.limit.requests:
            return max(0.0, spacing)
        if not self.answered_at:
            return math.inf
        return max(spacing, self.answered_at[0] + self.limit.seconds - now)

    def take(self, now: float) -> None:
        """A request goes: it holds a place until answered, and a window after that."""
        self.in_flight += 1
        # Turns follow a schedule, so a late wake-up (a busy machine) does not push every
        # later turn back; a request more than a gap late starts the schedule again from now
        # less one gap, so at most two go together. The windows keep the limit either way.
        gap = self.limit.gap
        self.next_at = max(self.next_at, now - gap) + gap

    def release(self, now: float) -> None:
        """The request was answered (or failed)."""
        self.in_flight -= 1
        self.answered_at.append(now)

    @property
    def is_idle(self) -> bool:
        return self.in_flight == 0 and not self.answered_at


@dataclass
class Waiter:
    """A request waiting for room in its windows."""

    ticket: int
    chat: object
    keys: list[tuple[object, ...]]
    granted: asyncio.Future[list[Window]]


class FloodBudgetLimiter(BaseRateLimiter[FloodBudget]):
    """Telegram's limits as sliding windows held until each answer, 429s waited out."""

    def __init__(
        self,
        budget: float = FLOOD_BUDGET_SECONDS,
        *,
        overall: Limit | None = OVERALL,
        per_group: Limit | None = PER_GROUP,
        per_chat: Limit | None = PER_CHAT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.limits = {"all": overall, "group": per_group, "chat": per_chat}
        self.clock = clock
        self._windows: dict[tuple[object, ...], Window] = {}
        self._prune_above = PRUNE_AFTER_WINDOWS
        # Until when Telegram asked every request to wait (a 429's retry_after).
        self._flood_until = 0.0
        # The requests waiting to go, first come first (dicts keep their insertion order).
        self._waiting: dict[int, Waiter] = {}
        self._tickets = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    async def initialize(self) -> None:
        """Nothing to set up: the windows start empty."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: FloodBudget | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        options = rate_limit_args if isinstance(rate_limit_args, FloodBudget) else None
        budget = self.budget if options is None or options.seconds is None else options.seconds
        is_broadcast = options is not None and options.is_broadcast
        chat, keys = self._window_keys(endpoint, data, is_broadcast=is_broadcast)
        waited = 0.0
        while True:
            windows = await self._enter(keys, chat)
            try:
                if options is not None and options.before_sending is not None:
                    await options.before_sending()
                return await callback(*args, **kwargs)
            except RetryAfter as flood:
                wait = retry_seconds(flood) + FLOOD_MARGIN_SECONDS
                self._flood_until = max(self._flood_until, self.clock() + wait)
                if options is not None and options.on_flood is not None:
                    await options.on_flood(wait)
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
            finally:
                self._leave(windows)

    # -- the windows --------------------------------------------------------------------------
    def _window_keys(
        self, endpoint: str, data: dict[str, Any], *, is_broadcast: bool
    ) -> tuple[object, list[tuple[object, ...]]]:
        """The request's chat, and the windows it counts in (overall and group as
        AIORateLimiter decides them)."""
        chat_id = data.get("chat_id")
        if chat_id is None:
            return None, []  # no chat, no limit: getMe, answerCallbackQuery…
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        keys: list[tuple[object, ...]] = [("all",)]
        if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
            keys.append(("group", chat_id))
        if is_broadcast and is_message(endpoint):
            keys.append(("chat", chat_id))
        return chat_id, [key for key in keys if self.limits[str(key[0])] is not None]

    def _window(self, key: tuple[object, ...]) -> Window:
        window = self._windows.get(key)
        if window is None:
            limit = self.limits[str(key[0])]
            assert limit is not None  # keys of switched-off limits are never made
            window = self._windows[key] = Window(limit)
        return window

    async def _enter(self, keys: list[tuple[object, ...]], chat: object) -> list[Window]:
        """Wait until every window (and any flood wait) lets this request go; its places."""
        waiter = Waiter(next(self._tickets), chat, keys, asyncio.get_running_loop().create_future())
        self._waiting[waiter.ticket] = waiter
        self._dispatch()
        try:
            return await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._leave(waiter.granted.result())  # let go just as its turn came
            elif self._waiting.pop(waiter.ticket, None) is not None:
                self._dispatch()  # those behind it in its chat may go
            raise

    def _leave(self, windows: list[Window]) -> None:
        """The request was answered (or failed): its places stay held for their windows."""
        now = self.clock()
        for window in windows:
            window.release(now)
        if len(self._windows) > self._prune_above:
            self._prune(now)
        if windows:
            self._dispatch()

    def _dispatch(self) -> None:
        """Let go, first come first, every waiting request the windows have room for.

        A request held by its own chat's or group's window holds no one else back, but a
        later request to the same chat never overtakes it (the parts of a long answer stay
        in order). When nothing more can go, one timer wakes this at the earliest change
        time can bring; an answer brings its own.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self.clock()
        next_look = self._flood_until - now
        if next_look <= 0:
            next_look = math.inf
            held_chats: set[object] = set()
            for waiter in list(self._waiting.values()):
                if waiter.granted.done():  # cancelled while it waited
                    del self._waiting[waiter.ticket]
                    continue
                if waiter.chat is not None and waiter.chat in held_chats:
                    continue
                windows = [self._window(key) for key in waiter.keys]
                wait = max([0.0, *(window.wait(now) for window in windows)])
                if wait > 0:
                    held_chats.add(waiter.chat)
                    next_look = min(next_look, wait)
                    continue
                for window in windows:
                    window.take(now)
                del self._waiting[waiter.ticket]
                waiter.granted.set_result(windows)
        if self._waiting and not math.isinf(next_look):
            self._timer = asyncio.get_running_loop().call_later(next_look, self._dispatch)

    def _prune(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            window.wait(now)  # forgets answers older than the window
            if window.is_idle:
                del self._windows[key]
        self._prune_above = max(PRUNE_AFTER_WINDOWS, 2 * len(self._windows))


__all__ = [
    "FLOOD_BUDGET_SECONDS",
    "OVERALL",
    "PER_CHAT",
    "PER_GROUP",
    "FloodBudget",
    "FloodBudgetLimiter",
    "Limit",
    "Window",
    "is_message",
]
