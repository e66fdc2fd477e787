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
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import handlers as h
from bot.channels import channel_handlers
from bot.config import ConfigError, Settings
from bot.digest_handlers import (
    DIGESTS_KEY,
    digest_handlers,
    restore_schedule,
    start_live_sources,
    stop_digests,
)
from bot.event_handlers import event_handlers
from bot.feed_admin import FEEDS_KEY, FeedList, ensure_live, feed_handlers
from bot.filter_handlers import filter_handlers
from bot.health import STARTED_KEY
from bot.inline import inline_query
from bot.instance import exit_status
from bot.languages import LANGUAGES_KEY, ChatLanguages
from bot.menus import register_menus
from briefings.engine import Engine
from briefings.errors import BriefingError

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Retry a request Telegram answered with 429 after waiting as told, up to three times.
RATE_LIMIT_RETRIES = 3


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


def build_application(settings: Settings, engine: Engine | None = None) -> Application:
    """The bot, ready for `run_polling()` / `run_webhook()` or `async with` in tests.

    Pass `engine` to use an already open one (the application will not close it); otherwise
    post_init opens `settings.db_path`.
    """
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is needed to talk to Telegram.")
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
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
            # /events and its buttons; /language.
            *event_handlers(),
            # Channels: posts in a channel (digest commands only), /subscribe @channel.
            *channel_handlers(),
            # Digests: /subscribe, /unsubscribe, /settings, digest buttons, group migration.
            *digest_handlers(),
            # Keyword filters and instant alerts: /filter, /alerts.
            *filter_handlers(),
            # Admins: the handlers check NEWSBOT_ADMINS themselves, so others get told why.
            CommandHandler("reingest", h.reingest),
            CommandHandler("stats", h.stats),
            CommandHandler("status", h.status),
            *feed_handlers(),
            # "@bot words" in any chat: matching briefings.
            InlineQueryHandler(inline_query),
            # Buttons under /topics.
            CallbackQueryHandler(h.topic_button, pattern=f"^{h.TOPIC_CALLBACK}"),
            # Last: whatever the handlers above did not take.
            MessageHandler(filters.COMMAND, h.unknown_command),
            MessageHandler(filters.TEXT & filters.ChatType.PRIVATE, h.plain_text),
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
    # Menus by scope and language: admins' commands in the admins' menus only.
    await register_menus(application.bot, settings.admins)
    # --- digests: restore the schedule from SQLite, then poll feeds / the watched folder ---
    await restore_schedule(application)
    runtime = application.bot_data[DIGESTS_KEY]
    # Chats' languages and the feeds admins add live in the same file as the digests.
    languages = await asyncio.to_thread(ChatLanguages, runtime.store)
    application.bot_data[LANGUAGES_KEY] = languages
    runtime.service.language_of = languages.get  # digests in the chat's chosen language
    feed_list = await asyncio.to_thread(FeedList, runtime.store)
    application.bot_data[FEEDS_KEY] = feed_list
    live = start_live_sources(application, settings)
    if live is not None or bool(await asyncio.to_thread(feed_list.urls)):
        ensure_live(application, runtime, feed_list)


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
