"""Updates of different chats are handled side by side; one chat's, in the order they came.

PTB handles one update at a time unless told otherwise, so one slow answer (a big event's
briefing, an admin's /reingest, a chat waiting out Telegram's 429) held up every other chat.
Handling updates fully concurrently instead would let one chat's "/subscribe" and the
"/settings" sent right after it race. This processor keeps a queue per chat: the first
update of an idle chat is handled at once (within the concurrency bound), and what the same
chat sends meanwhile waits in that chat's queue, outside the bound, so a chat sending a
hundred commands takes one place, not a hundred.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

# Updates of different chats handled at once. Engine calls queue on the engine's lock in
# any case; the rest of an update's time is waiting for Telegram, which overlaps well.
CONCURRENT_CHATS = 32


def order_key(update: object) -> Hashable | None:
    """What must be handled in order: the chat, or the user where there is no chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:  # inline queries and their chosen results
        return ("user", update.effective_user.id)
    return None


class PerChatOrder(BaseUpdateProcessor):
    """Concurrent across chats, in order within one (see the module's docstring)."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_CHATS) -> None:
        super().__init__(max_concurrent_updates)
        self._waiting: dict[Hashable, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        waiting = self._waiting.get(key)
        if waiting is not None:  # the chat's earlier update is still being handled
            waiting.append(coroutine)
            return
        self._waiting[key] = waiting = deque([coroutine])
        try:
            while waiting:
                await _handled(waiting.popleft())
        finally:
            del self._waiting[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        # Application.stop() waits for the tasks handling updates, and each empties its
        # chat's queue, so nothing should be left here; if something is, close it rather
        # than leave a coroutine never awaited.
        for waiting in self._waiting.values():
            while waiting:
                pending = waiting.popleft()
                close = getattr(pending, "close", None)
                if close is not None:
                    close()
        self._waiting.clear()


async def _handled(coroutine: Awaitable[Any]) -> None:
    """Handle one update; a failure must not cost the chat's later updates."""
    try:
        await coroutine
    except Exception:  # PTB's error handlers saw it already; keep the queue going
        logger.exception("an update failed")
