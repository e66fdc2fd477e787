"""The application: the PTB `Application` built in one place, with its engine and handlers.

`build_application(settings)` is the only place that knows how the pieces fit: the Bot API
URLs, the rate limiter, HTML defaults, the engine's lifecycle (opened and fed the corpus in
`post_init`, closed in `post_shutdown`) and the list of handlers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
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
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import startup
from bot.commands import general as h
from bot.commands.admin import admin_handlers
from bot.commands.channels import channel_handlers
from bot.commands.digests import digest_handlers
from bot.commands.events import event_handlers
from bot.commands.feeds import feed_handlers
from bot.commands.filters import filter_handlers
from bot.commands.inline import inline_query
from bot.commands.language import language_handlers
from bot.commands.menus import register_menus
from bot.config import ConfigError, Settings
from bot.delivery.jobs import ensure_live, restore_schedule, start_live_sources, stop_digests
from bot.metrics import BotMetrics, MeteredRateLimiter
from bot.network import PollingHealth, WatchedRequest
from bot.rate_limit import FLOOD_BUDGET_SECONDS, FloodBudgetLimiter
from bot.runtime import (
    DIGESTS_KEY,
    ENGINE_KEY,
    FEEDS_KEY,
    LANGUAGES_KEY,
    METRICS_KEY,
    POLLING_KEY,
    SETTINGS_KEY,
    STARTED_KEY,
    BotContext,
    EngineGate,
    exit_status,
)
from bot.storage import ChatLanguages, FeedList
from bot.update_order import PerChatOrder
from briefings.engine import Engine

logger = logging.getLogger(__name__)

NOT_A_CHANNEL_POST = ~filters.UpdateType.CHANNEL_POSTS


def build_application(
    settings: Settings,
    engine: Engine | None = None,
    *,
    writer: Engine | None = None,
    flood_budget: float = FLOOD_BUDGET_SECONDS,
) -> Application:
    """The bot, ready for `run_polling()` / `run_webhook()` or `async with` in tests.

    Pass `engine` to use an already open one (the application will not close it), and
    `writer` for ingests beside it (see EngineGate); otherwise post_init opens
    `settings.db_path` twice, for answers and for ingests. A request Telegram answers with 429 is sent again
    after each retry_after, for at most `flood_budget` seconds of waiting in all.
    """
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is needed to talk to Telegram.")
    polling = PollingHealth()
    metrics = BotMetrics(settings.db_path) if settings.metrics_port is not None else None
    rate_limiter = (
        MeteredRateLimiter(metrics, budget=flood_budget)
        if metrics is not None
        else FloodBudgetLimiter(budget=flood_budget)
    )
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .rate_limiter(rate_limiter)
        # One WARNING line when polling fails, not a traceback a poll (bot.network).
        .get_updates_request(WatchedRequest(polling, connection_pool_size=1))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=ZoneInfo(settings.tz),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        # Chats side by side, each chat's updates in order (bot.update_order).
        .concurrent_updates(PerChatOrder())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[POLLING_KEY] = polling
    application.bot_data[STARTED_KEY] = dt.datetime.now(dt.UTC)  # /status's uptime
    application.bot_data[METRICS_KEY] = metrics
    if engine is not None:
        application.bot_data[ENGINE_KEY] = EngineGate(
            engine, writer=writer, is_owned=False, metrics=metrics
        )

    # While the start-up ingest runs: "still reading the corpus" instead of a long wait.
    application.add_handlers(startup.reading_handlers(), group=-1)

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
            # /events and its buttons; /language and its buttons.
            *event_handlers(),
            *language_handlers(),
            # Channels: posts in a channel (digest commands only), /subscribe @channel.
            *channel_handlers(),
            # Digests: /subscribe, /unsubscribe, /settings, digest buttons, group migration.
            *digest_handlers(),
            # Keyword filters and instant alerts: /filter, /alerts.
            *filter_handlers(),
            # Admins: the handlers check NEWSBOT_ADMINS themselves, so others get told why.
            *admin_handlers(),
            *feed_handlers(),
            # "@bot words" in any chat: matching briefings.
            InlineQueryHandler(inline_query),
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
    """Open the engine, start reading the corpus folders and register the command menu.

    The corpus is read in the background (bot.startup), and the command menu registered
    once it is read; without corpus folders, at once.
    """
    settings: Settings = application.bot_data[SETTINGS_KEY]
    metrics: BotMetrics | None = application.bot_data.get(METRICS_KEY)
    if ENGINE_KEY not in application.bot_data:
        # The writer first: opening a file upgrades its schema, which the reader then finds.
        writer = await asyncio.to_thread(
            Engine, settings.db_path, templates_dir=settings.templates_dir
        )
        engine = await asyncio.to_thread(
            Engine, settings.db_path, templates_dir=settings.templates_dir
        )
        application.bot_data[ENGINE_KEY] = EngineGate(engine, writer=writer, metrics=metrics)
    gate: EngineGate = application.bot_data[ENGINE_KEY]
    for problem in gate.engine.renderer.problems:
        # The shipped template stands in, so the bot still answers; the admin should know.
        logger.warning("template %s not used: %s", problem.name, problem.message)
    if metrics is not None and settings.metrics_port is not None:
        try:
            metrics.serve(settings.metrics_host, settings.metrics_port)
        except OSError as error:
            # Metrics are for the operator; the bot's users should not lose the bot over them.
            logger.error(
                "cannot serve metrics on %s:%d (%s); check NEWSBOT_METRICS",
                settings.metrics_host,
                settings.metrics_port,
                error.strerror or error,
            )
    # --- digests: restore the schedule from SQLite, then poll feeds / the watched folder ---
    # (before the corpus ingest holds the engine; their jobs wait for it to end)
    await restore_schedule(application)
    runtime = application.bot_data[DIGESTS_KEY]
    # Chats' languages and the feeds admins add live in the same file as the digests.
    languages = ChatLanguages(runtime.store)
    application.bot_data[LANGUAGES_KEY] = languages
    runtime.service.language_of = languages.get  # digests in the chat's chosen language
    feed_list = FeedList(runtime.store)
    application.bot_data[FEEDS_KEY] = feed_list
    live = start_live_sources(application, settings)
    if live is not None or bool(await asyncio.to_thread(feed_list.urls)):
        ensure_live(application, runtime, feed_list)
    if settings.corpus:
        has_articles = await gate.call(lambda engine: engine.article_count() > 0)
        # Registers the command menus when done.
        startup.begin(application, gate, has_articles=has_articles)
    else:
        # Menus by scope and language: admins' commands in the admins' menus only.
        await register_menus(application.bot, settings.admins)


async def post_shutdown(application: Application) -> None:
    """Close the engine the application opened."""
    await startup.finish(application)
    await stop_digests(application)  # digests: before the engine, whose file they share
    gate: EngineGate | None = application.bot_data.get(ENGINE_KEY)
    if gate is not None:
        await gate.close()
    metrics: BotMetrics | None = application.bot_data.get(METRICS_KEY)
    if metrics is not None:
        metrics.stop()


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
