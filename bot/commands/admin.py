"""Admin commands (NEWSBOT_ADMINS only): /reingest, /stats, /status."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import health
from bot.commands.general import slow
from bot.commands.permissions import is_bot_admin
from bot.languages import tr
from bot.replies import reply
from bot.runtime import STARTED_KEY, BotContext
from bot.telegram_html import echo, escape
from briefings.engine import Engine


def admin_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The handlers check NEWSBOT_ADMINS themselves, so that others get told why not."""
    return [
        CommandHandler("reingest", reingest),
        CommandHandler("stats", stats),
        CommandHandler("status", status),
    ]


# -- the commands -----------------------------------------------------------------------------------
async def reingest(update: Update, context: BotContext) -> None:
    """/reingest (admins): re-read the corpus folders and report what changed."""
    if not await is_bot_admin(update, context):
        return
    translate = await tr(update, context)
    folders = context.settings.corpus
    report = await slow(update, context, lambda engine: engine.ingest(folders), writes=True)
    heading = translate.ngettext(
        "Re-read {count} folder", "Re-read {count} folders", len(folders)
    ).format(count=len(folders))
    lines = [
        f"<b>{heading}</b>",
        translate(
            "added {added}, updated {updated}, unchanged {unchanged}, rejected {rejected}"
        ).format(
            added=len(report.added),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            rejected=len(report.rejected),
        ),
    ]
    lines += [f"• {echo(path)}: {escape(reason)}" for path, reason in report.rejected[:20]]
    await reply(update, context.bot, "\n".join(lines))


async def stats(update: Update, context: BotContext) -> None:
    """/stats (admins): how big the corpus is."""
    if not await is_bot_admin(update, context):
        return
    translate = await tr(update, context)

    def work(engine: Engine) -> str:
        figures = engine.corpus_figures()
        heading = translate("Corpus")
        return f"<b>{heading}</b>\n" + translate(
            "articles: {articles} ({english} in English)\n"
            "outlets: {outlets}\n"
            "events: {events}\n"
            "topics: {topics}"
        ).format(
            articles=figures.articles,
            english=figures.english,
            outlets=figures.outlets,
            events=figures.events,
            topics=figures.topics,
        )

    await reply(update, context.bot, await slow(update, context, work))


async def status(update: Update, context: BotContext) -> None:
    """/status (admins): uptime, corpus, last ingest, failing feeds, digests, template problems."""
    if not await is_bot_admin(update, context):
        return
    settings = context.settings
    corpus = await slow(
        update, context, functools.partial(health.corpus_health, database=settings.db_path)
    )
    now = dt.datetime.now(dt.UTC)
    started_at = context.bot_data.get(STARTED_KEY, now)
    report = await asyncio.to_thread(
        health.read_health, corpus, started_at=started_at, now=now, settings=settings
    )
    translate = await tr(update, context)
    await reply(update, context.bot, health.status_html(report, settings.tz, translate))
