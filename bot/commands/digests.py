"""Digest commands and jobs: /subscribe, /unsubscribe, /settings, and the schedule behind them.

The schedule lives in SQLite (`bot.storage`); the JobQueue only holds one timer, armed
for the earliest upcoming slot of any subscription and re-armed after every run and every
change. At start (`restore_schedule`, from post_init) the same run delivers what was missed
within the grace period and what a crash left claimed but unsent. A sweep every few minutes
retries deliveries that failed for a passing reason.

In groups only administrators (getChatMember) may change the group's subscription. A group
upgraded to a supergroup keeps its subscription, whether the bot learns it from the service
message or from a ChatMigrated error while sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import ChatMemberStatus, MessageLimit
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands.general import ENGINE_KEY, EXPIRED, SETTINGS_KEY, in_a_chat
from bot.delivery.alerts import AlertService
from bot.delivery.digests import BUTTON_PREFIX, DigestService
from bot.delivery.feeds import LiveSources, SourceCheck
from bot.delivery.fetch import FetchLimits
from bot.delivery.schedule import (
    EXAMPLE,
    Plan,
    PlanError,
    describe,
    format_wait,
    next_slot,
    parse_plan,
    parse_time,
    time_text,
)
from bot.replies import reply
from bot.storage import Subscription, SubscriptionStore
from bot.telegram_html import escape
from briefings.errors import BriefingError

if TYPE_CHECKING:
    from bot.config import Settings
    from briefings.engine import Engine

logger = logging.getLogger(__name__)

DIGESTS_KEY = "digests"
SLOT_JOB = "digest-slot"
SWEEP_JOB = "digest-sweep"
FEEDS_JOB = "feeds"
FOLDER_JOB = "watched-folder"
SWEEP_SECONDS = 120
MAX_WHO_CARDS = 8
# Fire a late slot job whatever the delay: the grace period, not APScheduler, decides.
_LATE_OK = {"misfire_grace_time": None, "coalesce": True}
_ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
Context = ContextTypes.DEFAULT_TYPE


@dataclass
class DigestRuntime:
    """The digest machinery of one running application (kept in bot_data)."""

    store: SubscriptionStore
    service: DigestService
    live: LiveSources | None = None
    alerts: AlertService | None = None


def digest_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The handlers to add to the application's list."""
    return [
        CommandHandler("subscribe", subscribe),
        CommandHandler("unsubscribe", unsubscribe),
        CommandHandler("settings", settings_command),
        CallbackQueryHandler(digest_button, pattern=f"^{BUTTON_PREFIX}"),
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated),
    ]


# -- lifecycle ---------------------------------------------------------------------------------
async def restore_schedule(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open the subscription store next to the engine's tables, catch up, arm the timer."""
    settings: Settings = application.bot_data[SETTINGS_KEY]
    gate = application.bot_data[ENGINE_KEY]
    path = await gate.call(_database_path)
    store = await asyncio.to_thread(SubscriptionStore.open, path)
    service = DigestService(store, gate, application.bot, when_quiet=settings.digest_when_quiet)
    alerts = AlertService(store, gate, service)
    application.bot_data[DIGESTS_KEY] = DigestRuntime(store, service, alerts=alerts)
    job_queue = _job_queue(application)
    # Run at once: slots missed while the bot was down (within grace) and claims a crash left.
    job_queue.run_once(_slot_job, when=0, name=SLOT_JOB, job_kwargs=_LATE_OK)
    job_queue.run_repeating(_sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=SWEEP_JOB)


def start_live_sources(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings
) -> LiveSources | None:
    """Poll NEWSBOT_FEEDS and NEWSBOT_WATCH every NEWSBOT_POLL_SECONDS (after restore_schedule)."""
    if not settings.feeds and settings.watch is None:
        return None
    runtime: DigestRuntime = application.bot_data[DIGESTS_KEY]
    live = LiveSources(
        runtime.store,
        application.bot_data[ENGINE_KEY],
        feeds=settings.feeds,
        folder=settings.watch,
        limits=FetchLimits(allow_private=settings.feeds_allow_private),
    )
    runtime.live = live
    # Two jobs, so that a slow feed never holds up the folder (nor the folder the feeds).
    job_queue = _job_queue(application)
    if settings.feeds:
        poll_feeds_regularly(application)
    if settings.watch is not None:
        job_queue.run_repeating(
            _folder_job, interval=settings.poll_seconds, first=1, name=FOLDER_JOB
        )
    return live


def poll_feeds_regularly(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start the feeds job unless it runs already (admins may add the first feed later)."""
    job_queue = _job_queue(application)
    if not job_queue.get_jobs_by_name(FEEDS_JOB):
        settings: Settings = application.bot_data[SETTINGS_KEY]
        job_queue.run_repeating(_feeds_job, interval=settings.poll_seconds, first=1, name=FEEDS_JOB)


async def stop_digests(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close what restore_schedule and start_live_sources opened (from post_shutdown)."""
    runtime: DigestRuntime | None = application.bot_data.pop(DIGESTS_KEY, None)
    if runtime is None:
        return
    if runtime.live is not None:
        await runtime.live.aclose()
    await asyncio.to_thread(runtime.store.close)


async def arm(application: Application[Any, Any, Any, Any, Any, Any]) -> dt.datetime | None:
    """(Re)arm the one slot timer for the earliest upcoming slot; return when it fires."""
    runtime: DigestRuntime | None = application.bot_data.get(DIGESTS_KEY)
    if runtime is None:
        return None
    job_queue = _job_queue(application)
    for job in job_queue.get_jobs_by_name(SLOT_JOB):
        job.schedule_removal()
    when = await runtime.service.next_due_at()
    if when is not None:
        job_queue.run_once(_slot_job, when=when, name=SLOT_JOB, job_kwargs=_LATE_OK)
    return when


async def _slot_job(context: Context) -> None:
    runtime: DigestRuntime | None = context.bot_data.get(DIGESTS_KEY)
    if runtime is None:
        return
    try:
        await runtime.service.deliver_due()
    finally:
        await arm(context.application)


async def _sweep_job(context: Context) -> None:
    runtime: DigestRuntime | None = context.bot_data.get(DIGESTS_KEY)
    if runtime is not None:
        await runtime.service.deliver_due()


async def _feeds_job(context: Context) -> None:
    runtime: DigestRuntime | None = context.bot_data.get(DIGESTS_KEY)
    if runtime is not None and runtime.live is not None:
        await _alert_news(runtime, await runtime.live.poll_feeds())


async def _folder_job(context: Context) -> None:
    runtime: DigestRuntime | None = context.bot_data.get(DIGESTS_KEY)
    if runtime is not None and runtime.live is not None:
        await _alert_news(runtime, await runtime.live.scan_folder())


async def _alert_news(runtime: DigestRuntime, checks: list[SourceCheck]) -> None:
    # Instant alerts for what this poll brought, through the digests' delivery path.
    if runtime.alerts is not None and any(c.added or c.updated for c in checks):
        await runtime.alerts.deliver_new()


# -- commands ----------------------------------------------------------------------------------
async def subscribe(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [Area/City] [daily|weekdays|weekly]: a digest at a time of day."""
    runtime = _runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    settings: Settings = context.bot_data[SETTINGS_KEY]
    try:
        plan = parse_plan(
            context.args or (),
            default_tz=settings.tz,
            default_time=parse_time(settings.digest_time),
        )
    except PlanError as error:
        await reply(update, context.bot, escape(str(error)))
        return
    if not await may_change(update, context):
        return
    now = runtime.service.clock()
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    previous = await asyncio.to_thread(runtime.store.get, chat.id)
    subscription = Subscription(
        chat_id=chat.id,
        plan=plan,
        since=now,
        thread_id=thread_id,
        # A changed plan keeps what the chat has already seen.
        watermark=previous.watermark if previous else None,
        shown=previous.shown if previous else (),
    )
    await asyncio.to_thread(runtime.store.save, subscription)
    await arm(context.application)
    verb = "Digest changed: now" if previous else "Digest"
    await reply(
        update,
        context.bot,
        f"{verb} {escape(describe(plan))}; {_next_text(plan, now)}.\n"
        "/settings shows it, /unsubscribe stops it.",
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: no more digests in this chat."""
    runtime = _runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None or not await may_change(update, context):
        return
    removed = await asyncio.to_thread(runtime.store.remove, chat.id)
    await arm(context.application)
    text = (
        "Digest stopped: no more scheduled digests here. /subscribe starts it again."
        if removed
        else f"This chat has no digest. Start one with <code>{escape(EXAMPLE)}</code>."
    )
    await reply(update, context.bot, text)


async def settings_command(update: Update, context: Context) -> None:
    """/settings: this chat's digest and when the next one comes."""
    runtime = _runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    subscription = await asyncio.to_thread(runtime.store.get, chat.id)
    if subscription is None:
        await reply(
            update,
            context.bot,
            "This chat has no digest.\n"
            "Start one with <code>/subscribe [HH:MM] [Area/City] [daily|weekdays|weekly]</code>"
            f", e.g. <code>{escape(EXAMPLE)}</code>.",
        )
        return
    now = runtime.service.clock()
    await reply(
        update,
        context.bot,
        f"<b>Digest</b> {escape(describe(subscription.plan))}\n"
        f"{_capitalised(_next_text(subscription.plan, now))}.\n"
        "Change it with /subscribe, stop it with /unsubscribe.",
    )


async def chat_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription moves to the new chat id."""
    runtime = _runtime(context)
    message = update.effective_message
    if runtime is None or message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await asyncio.to_thread(runtime.store.move, old, new):
        logger.info("subscription of chat %s moved to %s", old, new)


async def digest_button(update: Update, context: Context) -> None:
    """A button under a digest: the event's full briefing, or who is who in it."""
    query = update.callback_query
    if query is None or not query.data:
        return
    kind, _, event_text = query.data.removeprefix(BUTTON_PREFIX).partition(":")
    if not event_text.isdigit() or kind not in ("brief", "who"):
        await query.answer(EXPIRED)
        return
    if not await in_a_chat(update):
        return
    event_id = int(event_text)
    gate = context.bot_data[ENGINE_KEY]

    def work(engine: Engine) -> str | None:
        event = engine.store.event(event_id)
        if event is None:
            return None
        if kind == "brief":
            return engine.renderer.briefing(
                engine.brief(event_id=event_id), "html", max_chars=MessageLimit.MAX_TEXT_LENGTH
            )
        cards = []
        for name in event.people[:MAX_WHO_CARDS]:
            try:
                found = engine.who(name)
            except BriefingError:
                continue
            if found:
                cards.append(found[0])
        if not cards:
            return "No one is named in this story."
        return engine.renderer.people(cards, fmt="html", title=f"Who: {event.title}")

    try:
        html = await gate.call(work)
    except BriefingError as error:
        await query.answer(str(error)[:200])
        return
    if html is None:
        await query.answer("That story is no longer in the corpus.")
        return
    await query.answer()
    await reply(update, context.bot, html)


# -- helpers -----------------------------------------------------------------------------------
def _runtime(context: Context) -> DigestRuntime | None:
    return context.bot_data.get(DIGESTS_KEY)


def _job_queue(application: Application[Any, Any, Any, Any, Any, Any]) -> Any:
    if application.job_queue is None:
        raise RuntimeError("digests need python-telegram-bot[job-queue]")
    return application.job_queue


def _database_path(engine: Engine) -> Path:
    """The file the engine's connection has open, so both connections use the same one."""
    rows = engine.store.db.execute("PRAGMA database_list").fetchall()
    return Path(next(row[2] for row in rows if row[1] == "main"))


def _capitalised(text: str) -> str:
    """The first letter upper case, the rest as written (str.capitalize lowers "Mon Nov")."""
    return text[:1].upper() + text[1:]


def _next_text(plan: Plan, now: dt.datetime) -> str:
    slot = next_slot(plan, now)
    local = slot.at.astimezone(plan.zone)
    return f"next one in {format_wait(slot.at - now)} ({local:%a %d %b} {time_text(local.time())})"


async def may_change(update: Update, context: Context, what: str = "digest") -> bool:
    """In groups, only administrators change the subscription (or `what`); tell anyone else."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or chat.type == chat.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        # Anonymous administrators post as the group itself.
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        logger.info("getChatMember failed in chat %s: %s", chat.id, error)
        await reply(update, context.bot, f"I could not check who may change this group's {what}.")
        return False
    if member.status in _ADMIN_STATUSES:
        return True
    await reply(update, context.bot, f"Only this group's administrators can change its {what}.")
    return False
