"""The application: the PTB `Application` built in one place, with its engine and handlers.

`build_application(settings)` is the only place that knows how the pieces fit: the Bot API
URLs, the rate limiter, HTML defaults, the engine's lifecycle (opened and fed the corpus in
`post_init`, closed in `post_shutdown`) and the list of handlers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot import handlers as h
from bot.config import ConfigError, Settings
from bot.digest_handlers import (
    digest_handlers,
    restore_schedule,
    start_live_sources,
    stop_digests,
)
from bot.filter_handlers import filter_handlers
from bot.health import STARTED_KEY
from bot.instance import exit_status
from bot.network import FLOOD_BUDGET_SECONDS, FloodBudgetLimiter, PollingHealth, WatchedRequest
from briefings.engine import Engine
from briefings.errors import BriefingError

logger = logging.getLogger(__name__)

T = TypeVar("T")
NOT_A_CHANNEL_POST = ~filters.UpdateType.CHANNEL_POSTS


class EngineGate:
    """The bot's one Engine, called off the event loop and one call at a time.

    Engine calls block (SQLite, text analysis), so they run in worker threads; the lock keeps
    two updates from using the one SQLite connection at once.
    """

    def __init__(self, engine: Engine, *, is_owned: bool = True) -> None:
        self.engine = engine
        self.is_owned = is_owned
        self._lock = threading.Lock()

    async def call(self, work: Callable[[Engine], T]) -> T:
        """Run `work(engine)` in a worker thread and return its result."""

        def locked() -> T:
            with self._lock:
                return work(self.engine)

        return await asyncio.to_thread(locked)

    async def close(self) -> None:
        """Close the engine if this gate opened it."""
        if self.is_owned:
            await self.call(lambda engine: engine.close())


def build_application(
    settings: Settings,
    engine: Engine | None = None,
    *,
    flood_budget: float = FLOOD_BUDGET_SECONDS,
) -> Application:
    """The bot, ready for `run_polling()` / `run_webhook()` or `async with` in tests.

    Pass `engine` to use an already open one (the application will not close it); otherwise
    post_init opens `settings.db_path`. A request Telegram answers with 429 is sent again
    after each retry_after, for at most `flood_budget` seconds of waiting in all.
    """
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is needed to talk to Telegram.")
    polling = PollingHealth()
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .rate_limiter(FloodBudgetLimiter(budget=flood_budget))
        # One WARNING line when polling fails, not a traceback a poll (bot.network).
        .get_updates_request(WatchedRequest(polling, connection_pool_size=1))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=ZoneInfo(settings.tz),
            )
        )
        .context_types(ContextTypes(context=h.BotContext))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[h.SETTINGS_KEY] = settings
    application.bot_data[h.POLLING_KEY] = polling
    application.bot_data[STARTED_KEY] = dt.datetime.now(dt.UTC)  # /status's uptime
    if engine is not None:
        application.bot_data[h.ENGINE_KEY] = EngineGate(engine, is_owned=False)

    application.add_handlers(
        [
            # Everyone. CommandHandler also accepts /command@our_username (groups).
            CommandHandler("start", h.start),
            CommandHandler("help", h.help_command),
            CommandHandler("brief", h.brief),
            CommandHandler("who", h.who),
            CommandHandler("topics", h.topics),
            CommandHandler("search", h.search),
            CommandHandler("sources", h.sources),
            # Digests: /subscribe, /unsubscribe, /settings, digest buttons, group migration.
            *digest_handlers(),
            # Keyword filters and instant alerts: /filter, /alerts.
            *filter_handlers(),
            # Admins: the handlers check NEWSBOT_ADMINS themselves, so others get told why.
            CommandHandler("reingest", h.reingest),
            CommandHandler("stats", h.stats),
            CommandHandler("status", h.status),
            # Buttons under /topics.
            CallbackQueryHandler(h.topic_button, pattern=f"^{h.TOPIC_CALLBACK}"),
            # Last: whatever the handlers above did not take. Channel posts are not served
            # (CommandHandler never sees them), so they are not answered as unknown either.
            MessageHandler(NOT_A_CHANNEL_POST & filters.COMMAND, h.unknown_command),
            MessageHandler(
                NOT_A_CHANNEL_POST & filters.TEXT & filters.ChatType.PRIVATE, h.plain_text
            ),
            # Every press gets an answer, or the client keeps spinning: unknown data expired.
            CallbackQueryHandler(h.expired_button),
        ]
    )
    application.add_error_handler(h.on_error)
    return application


async def post_init(application: Application) -> None:
    """Open the engine, ingest the corpus folders and register the command menu."""
    settings: Settings = application.bot_data[h.SETTINGS_KEY]
    if h.ENGINE_KEY not in application.bot_data:
        engine = await asyncio.to_thread(
            Engine, settings.db_path, templates_dir=settings.templates_dir
        )
        application.bot_data[h.ENGINE_KEY] = EngineGate(engine)
    gate: EngineGate = application.bot_data[h.ENGINE_KEY]
    for problem in gate.engine.renderer.problems:
        # The shipped template stands in, so the bot still answers; the admin should know.
        logger.warning("template %s not used: %s", problem.name, problem.message)
    if settings.corpus:
        try:
            report = await gate.call(lambda engine: engine.ingest(settings.corpus))
        except (BriefingError, OSError) as error:
            # The bot can still answer from what the database already holds.
            logger.warning("could not ingest the corpus: %s", error)
        except Exception:  # a file is rejected on its own; this is a bug, but not fatal
            logger.exception("could not ingest the corpus")
        else:
            logger.info(
                "corpus: %d added, %d updated, %d unchanged, %d rejected",
                len(report.added),
                len(report.updated),
                len(report.unchanged),
                len(report.rejected),
            )
            for path, reason in report.rejected:
                logger.info("rejected %s: %s", path, reason)
    await application.bot.set_my_commands(h.bot_commands())
    # --- digests: restore the schedule from SQLite, then poll feeds / the watched folder ---
    await restore_schedule(application)
    start_live_sources(application, settings)


async def post_shutdown(application: Application) -> None:
    """Close the engine the application opened."""
    await stop_digests(application)  # digests: before the engine, whose file they share
    gate: EngineGate | None = application.bot_data.get(h.ENGINE_KEY)
    if gate is not None:
        await gate.close()


def run(settings: Settings) -> int:
    """Serve until interrupted: a webhook when WEBHOOK_URL is set, long polling otherwise.

    Returns the exit status: 0, or bot.instance.EXIT_CONFLICT when another instance polled.
    """
    application = build_application(settings)
    if settings.is_webhook:
        logger.info("serving a webhook on port %d", settings.port)
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.secret_token,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("polling for updates")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return exit_status(application)
