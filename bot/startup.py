"""The start-up ingest: the corpus folders are read while the bot already answers.

A big corpus takes minutes to read. Rather than stay silent until then, the bot starts
polling at once and reads the corpus in the background, on the gate's writing engine (see
EngineGate), so that answers need not wait for it. Meanwhile:

- every few seconds a log line says how far it got (files, articles per second, rejected);
- when the database already held articles (a restart), commands are answered from them;
- when it held none, commands that need the corpus, and buttons, are answered "still
  reading the corpus, N of M files" by handlers that run before the ordinary ones (group
  -1); /start and /help are answered as usual;
- the command menu (setMyCommands) is registered once the corpus is read: it is the last
  step of start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands.catalog import COMMANDS
from bot.commands.menus import register_menus
from bot.i18n import ENGLISH, Translator
from bot.languages import tr
from bot.replies import reply
from bot.runtime import SETTINGS_KEY, STARTUP_KEY, BotContext, EngineGate
from briefings.errors import BriefingError
from briefings.models import IngestProgress, IngestReport

if TYPE_CHECKING:
    from telegram.ext import Application

logger = logging.getLogger(__name__)

# Seconds between progress lines in the log: often enough to show life, rare enough to read.
LOG_EVERY_SECONDS = 5.0
# Commands answered as usual while the corpus is read: they need nothing from it.
ANSWERED_WHILE_READING = ("start", "help")


class StartupIngest:
    """The start-up ingest's progress, shared by the worker thread and the handlers."""

    def __init__(self, folders: tuple[Path, ...], clock: Callable[[], float] = time.monotonic):
        self.folders = folders
        self.clock = clock
        self.started = clock()
        self._logged_at = self.started
        # Replaced whole from the worker thread and read from the event loop: no lock needed.
        self.progress: IngestProgress | None = None
        self.is_reading = False
        # A restart finds the last corpus in the database: answer from it meanwhile.
        self.answers_from_database = False
        self.task: asyncio.Task[None] | None = None

    def on_progress(self, progress: IngestProgress) -> None:
        """Called by the engine after each file (in the worker thread)."""
        self.progress = progress
        now = self.clock()
        if now - self._logged_at >= LOG_EVERY_SECONDS:
            self._logged_at = now
            logger.info("reading the corpus: %s", self.describe(now))

    def describe(self, now: float | None = None) -> str:
        """How far the ingest got, for the log."""
        progress = self.progress
        if progress is None:
            return "listing the files"
        elapsed = (self.clock() if now is None else now) - self.started
        rate = progress.articles / elapsed if elapsed > 0 else 0.0
        text = (
            f"{progress.files_done} of {progress.files_total} files, "
            f"{rate:.1f} articles/s, {progress.rejected} rejected"
        )
        return text + (", grouping events" if progress.stage == "grouping" else "")

    def still_reading(self, translate: Translator = ENGLISH) -> str:
        """What a command gets while the corpus is read (Telegram HTML)."""
        progress = self.progress
        if progress is None:
            return translate(
                "I'm still reading the corpus, listing the files. Please ask again in a minute."
            )
        if progress.stage == "grouping":
            return translate(
                "I'm still reading the corpus, all {total} files read, grouping them into "
                "events. Please ask again in a minute."
            ).format(total=f"{progress.files_total:,}")
        return translate(
            "I'm still reading the corpus, {done} of {total} files. Please ask again in a minute."
        ).format(done=f"{progress.files_done:,}", total=f"{progress.files_total:,}")


def begin(
    application: Application[Any, Any, Any, Any, Any, Any],
    gate: EngineGate,
    *,
    has_articles: bool = False,
) -> None:
    """Start reading the corpus folders in the background (from post_init).

    `has_articles`: the database already holds a corpus, which answers while this one is read.
    """
    settings = application.bot_data[SETTINGS_KEY]
    state = StartupIngest(tuple(settings.corpus))
    state.is_reading = True
    state.answers_from_database = has_articles
    application.bot_data[STARTUP_KEY] = state
    state.task = asyncio.create_task(_read_corpus(application, gate, state))


async def _read_corpus(
    application: Application[Any, Any, Any, Any, Any, Any],
    gate: EngineGate,
    state: StartupIngest,
) -> None:
    folders = ", ".join(str(folder) for folder in state.folders)
    logger.info("reading the corpus from %s", folders)

    def startup_ingest(engine: Any) -> IngestReport:
        return engine.ingest(state.folders, progress=state.on_progress)  # type: ignore[no-any-return]

    try:
        report = await gate.write(startup_ingest)
    except (BriefingError, OSError) as error:
        # The bot can still answer from what the database already holds.
        logger.warning("could not ingest the corpus: %s", error)
    except Exception:
        # A background task's crash would otherwise pass unseen.
        logger.exception("the corpus ingest failed")
    else:
        logger.info(
            "corpus: %d added, %d updated, %d unchanged, %d rejected in %.1f s",
            len(report.added),
            len(report.updated),
            len(report.unchanged),
            len(report.rejected),
            state.clock() - state.started,
        )
        for path, reason in report.rejected:
            logger.info("rejected %s: %s", path, reason)
    finally:
        state.is_reading = False
    try:
        # Menus by scope and language: admins' commands in the admins' menus only.
        await register_menus(application.bot, application.bot_data[SETTINGS_KEY].admins)
    except TelegramError as error:
        # The menu is a convenience: commands work without it.
        logger.warning("could not register the command menu: %s", error)


async def finish(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """On shutdown: stop waiting for the ingest (the engine's lock then waits for its end)."""
    state: StartupIngest | None = application.bot_data.get(STARTUP_KEY)
    if state is None or state.task is None or state.task.done():
        return
    if state.is_reading:
        logger.info("stopping: the corpus ingest finishes first (%s)", state.describe())
    state.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await state.task


def reading_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Handlers for group -1: while the corpus is read, say so instead of waiting."""
    busy = [c.name for c in COMMANDS if c.name not in ANSWERED_WHILE_READING]
    return [
        CommandHandler(busy, _command_while_reading),
        CallbackQueryHandler(_button_while_reading),
    ]


def _reading(context: BotContext) -> StartupIngest | None:
    state: StartupIngest | None = context.bot_data.get(STARTUP_KEY)
    if state is None or not state.is_reading or state.answers_from_database:
        return None
    return state


async def _command_while_reading(update: Update, context: BotContext) -> None:
    state = _reading(context)
    if state is None:
        return  # read: the ordinary handler (group 0) answers
    await reply(update, context.bot, state.still_reading(await tr(update, context)))
    raise ApplicationHandlerStop


async def _button_while_reading(update: Update, context: BotContext) -> None:
    state = _reading(context)
    if state is None:
        return
    assert update.callback_query is not None
    # A button's answer shows at most 200 characters, as a small notice.
    await update.callback_query.answer(state.still_reading(await tr(update, context))[:200])
    raise ApplicationHandlerStop
