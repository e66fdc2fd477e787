"""The running bot's shared state: what lives in `bot_data`, the context type, the engine gate.

Every module that reads or writes `application.bot_data` takes its key from here, so the
shape of a running bot is written down once:

    ENGINE_KEY     the EngineGate: the bot's engines, called off the event loop
    SETTINGS_KEY   the Settings read at start (bot.config)
    POLLING_KEY    the PollingHealth of getUpdates (bot.network)
    METRICS_KEY    the BotMetrics, or None when NEWSBOT_METRICS is unset (bot.metrics)
    STARTED_KEY    when the application was built (/status's uptime)
    STARTUP_KEY    the start-up ingest while it runs (bot.startup)
    DIGESTS_KEY    the DigestRuntime: store, fan-out, alerts, live sources (bot.delivery.jobs)
    LANGUAGES_KEY  the chats' chosen languages (bot.storage.ChatLanguages)
    FEEDS_KEY      the feeds admins added with /feeds (bot.storage.FeedList)
    EXIT_STATUS_KEY  the exit status the application asked for when it stopped

The application is built with `BotContext` as its context type, so every handler, job and
error handler gets the same one. `stop_on_conflict` stops it on Telegram's 409 Conflict and
leaves the exit status (`exit_status`) for `python -m bot` to return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from bot.instance import CONFLICT_MESSAGE, EXIT_CONFLICT
from briefings.engine import Engine

if TYPE_CHECKING:
    from bot.config import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

ENGINE_KEY = "engine"
SETTINGS_KEY = "settings"
POLLING_KEY = "polling"
METRICS_KEY = "metrics"
STARTED_KEY = "started_at"
STARTUP_KEY = "startup_ingest"
DIGESTS_KEY = "digests"
LANGUAGES_KEY = "languages"
FEEDS_KEY = "managed_feeds"
EXIT_STATUS_KEY = "exit_status"


class EngineCallObserver(Protocol):
    """Told how long each engine call took (bot.metrics.BotMetrics)."""

    def observe_engine_call(self, work: Any, seconds: float, result: Any) -> None: ...


class Gate(Protocol):
    """Runs blocking engine work off the event loop (EngineGate): reads, and ingests."""

    def call(self, work: Callable[[Engine], T]) -> Awaitable[T]: ...

    def write(self, work: Callable[[Engine], T]) -> Awaitable[T]: ...


class EngineGate:
    """The bot's engines, called off the event loop: one for answers, one for ingests.

    Engine calls block (SQLite, text analysis), so they run in worker threads, and a lock
    per engine keeps two updates from using one SQLite connection at once. Ingests go to
    their own engine (`writer`, its own connection to the same file): a long ingest then
    holds only its own lock, and commands, digests and alerts are answered meanwhile from
    what the database held when they asked (SQLite's WAL lets readers go on beside the one
    writer, and the engine notices another connection's commits through data_version).
    Without a writer, the one engine does both, one call at a time.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        writer: Engine | None = None,
        is_owned: bool = True,
        metrics: EngineCallObserver | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.is_owned = is_owned
        self.metrics = metrics  # latency and ingest figures for /metrics, when it is on
        self._lock = threading.Lock()
        self._write_lock = threading.Lock() if writer is not None else self._lock

    async def call(self, work: Callable[[Engine], T]) -> T:
        """Run `work(engine)` in a worker thread and return its result."""
        return await self._run(work, self.engine, self._lock)

    async def write(self, work: Callable[[Engine], T]) -> T:
        """Run an ingest (or other change) on the writing engine, beside the answers."""
        return await self._run(work, self.writer or self.engine, self._write_lock)

    async def _run(self, work: Callable[[Engine], T], engine: Engine, lock: threading.Lock) -> T:
        def locked() -> T:
            with lock:
                if self.metrics is None:
                    return work(engine)
                started = time.perf_counter()
                result = work(engine)
                self.metrics.observe_engine_call(work, time.perf_counter() - started, result)
                return result

        return await asyncio.to_thread(locked)

    async def close(self) -> None:
        """Close the engines this gate opened."""
        if not self.is_owned:
            return
        if self.writer is not None:
            await self.write(lambda engine: engine.close())
        await self.call(lambda engine: engine.close())


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of every handler and job, with the engine and settings at hand."""

    @property
    def engine(self) -> EngineGate:
        return self.bot_data[ENGINE_KEY]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS_KEY]  # type: ignore[no-any-return]


def stop_on_conflict(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Report a 409 Conflict once and stop the application with EXIT_CONFLICT."""
    if application.bot_data.get(EXIT_STATUS_KEY) == EXIT_CONFLICT:
        return  # the poll may fail once more before the stop takes effect
    logger.error(CONFLICT_MESSAGE)
    application.bot_data[EXIT_STATUS_KEY] = EXIT_CONFLICT
    updater = application.updater
    if updater is not None:
        # On the way out PTB polls once more to confirm the updates it fetched; that poll
        # would in turn end the other instance's poll with a 409 and stop it too. The
        # attribute is private (name-mangled): when PTB renames it, only this nicety is lost.
        with contextlib.suppress(AttributeError):
            updater._Updater__polling_cleanup_cb = None  # type: ignore[attr-defined]
    if application.running:
        application.stop_running()


def exit_status(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """The process exit status an application asked for when it stopped (0: none)."""
    return int(application.bot_data.get(EXIT_STATUS_KEY, 0))
