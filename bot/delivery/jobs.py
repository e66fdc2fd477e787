"""The delivery jobs of a running bot: the digest timer, the retry sweep, the feed polls.

The schedule lives in SQLite (`bot.storage`); the JobQueue only holds one timer, armed
for the earliest upcoming slot of any subscription and re-armed after every run and every
change (`arm`). At start (`restore_schedule`, from post_init) the same run delivers what was
missed within the grace period and what a crash left claimed but unsent. A sweep every few
minutes retries deliveries that failed for a passing reason. Feeds and the watched folder
are polled by jobs of their own, and what they bring goes out as instant alerts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.delivery.alerts import AlertService
from bot.delivery.digests import DigestService
from bot.delivery.feeds import LiveSources, SourceCheck
from bot.delivery.fetch import FetchLimits
from bot.runtime import DIGESTS_KEY, ENGINE_KEY, SETTINGS_KEY, BotContext
from bot.storage import FeedList, SubscriptionStore

SLOT_JOB = "digest-slot"
SWEEP_JOB = "digest-sweep"
FEEDS_JOB = "feeds"
FOLDER_JOB = "watched-folder"
SWEEP_SECONDS = 120
# Fire a late slot job whatever the delay: the grace period, not APScheduler, decides.
_LATE_OK = {"misfire_grace_time": None, "coalesce": True}
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class DigestRuntime:
    """The delivery machinery of one running application (kept in bot_data[DIGESTS_KEY])."""

    store: SubscriptionStore
    service: DigestService
    live: LiveSources | None = None
    alerts: AlertService | None = None


def digest_runtime(context: BotContext) -> DigestRuntime | None:
    """The running delivery machinery, or None before post_init (or after shutdown)."""
    return context.bot_data.get(DIGESTS_KEY)


# -- lifecycle ---------------------------------------------------------------------------------
async def restore_schedule(application: AnyApplication) -> None:
    """Open the bot's store in the engine's database file, catch up, arm the timer."""
    settings: Settings = application.bot_data[SETTINGS_KEY]
    gate = application.bot_data[ENGINE_KEY]
    store = await asyncio.to_thread(SubscriptionStore.open, settings.db_path)
    service = DigestService(store, gate, application.bot, when_quiet=settings.digest_when_quiet)
    alerts = AlertService(store, gate, service)
    application.bot_data[DIGESTS_KEY] = DigestRuntime(store, service, alerts=alerts)
    job_queue = _job_queue(application)
    # Run at once: slots missed while the bot was down (within grace) and claims a crash left.
    job_queue.run_once(_slot_job, when=0, name=SLOT_JOB, job_kwargs=_LATE_OK)
    job_queue.run_repeating(_sweep_job, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name=SWEEP_JOB)


def start_live_sources(application: AnyApplication, settings: Settings) -> LiveSources | None:
    """Poll NEWSBOT_FEEDS and NEWSBOT_WATCH every NEWSBOT_POLL_SECONDS (after restore_schedule)."""
    if not settings.feeds and settings.watch is None:
        return None
    runtime: DigestRuntime = application.bot_data[DIGESTS_KEY]
    live = _live_sources(application, runtime)
    # Two jobs, so that a slow feed never holds up the folder (nor the folder the feeds).
    if settings.feeds:
        poll_feeds_regularly(application)
    if settings.watch is not None:
        _job_queue(application).run_repeating(
            _folder_job, interval=settings.poll_seconds, first=1, name=FOLDER_JOB
        )
    return live


def ensure_live(
    application: AnyApplication, runtime: DigestRuntime, feed_list: FeedList
) -> LiveSources:
    """The poller, polling the admins' feeds too; its feeds job started now if it did not run."""
    live = _live_sources(application, runtime)
    live.managed_feeds = feed_list.urls
    if application.job_queue is not None:
        poll_feeds_regularly(application)
    return live


def _live_sources(application: AnyApplication, runtime: DigestRuntime) -> LiveSources:
    if runtime.live is None:
        settings: Settings = application.bot_data[SETTINGS_KEY]
        runtime.live = LiveSources(
            runtime.store,
            application.bot_data[ENGINE_KEY],
            feeds=settings.feeds,
            folder=settings.watch,
            limits=FetchLimits(allow_private=settings.feeds_allow_private),
        )
    return runtime.live


def poll_feeds_regularly(application: AnyApplication) -> None:
    """Start the feeds job unless it runs already (admins may add the first feed later)."""
    job_queue = _job_queue(application)
    if not job_queue.get_jobs_by_name(FEEDS_JOB):
        settings: Settings = application.bot_data[SETTINGS_KEY]
        job_queue.run_repeating(_feeds_job, interval=settings.poll_seconds, first=1, name=FEEDS_JOB)


async def stop_digests(application: AnyApplication) -> None:
    """Close what restore_schedule and start_live_sources opened (from post_shutdown)."""
    runtime: DigestRuntime | None = application.bot_data.pop(DIGESTS_KEY, None)
    if runtime is None:
        return
    if runtime.live is not None:
        await runtime.live.aclose()
    await asyncio.to_thread(runtime.store.close)


async def arm(application: AnyApplication) -> dt.datetime | None:
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


# -- the jobs ----------------------------------------------------------------------------------
async def _slot_job(context: BotContext) -> None:
    runtime = digest_runtime(context)
    if runtime is None:
        return
    try:
        await runtime.service.deliver_due()
    finally:
        await arm(context.application)


async def _sweep_job(context: BotContext) -> None:
    runtime = digest_runtime(context)
    if runtime is not None:
        await runtime.service.deliver_due()


async def _feeds_job(context: BotContext) -> None:
    runtime = digest_runtime(context)
    if runtime is not None and runtime.live is not None:
        await _alert_news(runtime, await runtime.live.poll_feeds())


async def _folder_job(context: BotContext) -> None:
    runtime = digest_runtime(context)
    if runtime is not None and runtime.live is not None:
        await _alert_news(runtime, await runtime.live.scan_folder())


async def _alert_news(runtime: DigestRuntime, checks: list[SourceCheck]) -> None:
    # Instant alerts for what this poll brought, through the digests' delivery path.
    if runtime.alerts is not None and any(c.added or c.updated for c in checks):
        await runtime.alerts.deliver_new()


def _job_queue(application: AnyApplication) -> Any:
    if application.job_queue is None:
        raise RuntimeError("digests need python-telegram-bot[job-queue]")
    return application.job_queue
