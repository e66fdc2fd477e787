"""/feeds: admins add, list and remove the RSS/Atom feeds the bot polls; OPML in and out.

Feeds added here are kept in SQLite (``managed_feeds``, beside the digests' tables) and
polled with those of NEWSBOT_FEEDS, which stay as configured. A feed is added only once the
bot's own feed fetcher (``bot.delivery.feeds.check_feed``, the one every poll uses, with its guard
on addresses) has read it, so an admin learns at once that an address does not work.
OPML, the format every feed reader exports: ``/feeds export`` sends the list as OPML,
``/feeds import`` followed by an OPML document (in the same message) adds its feeds.
"""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ElementTree
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.commands.catalog import usage
from bot.commands.permissions import is_bot_admin
from bot.delivery.feeds import FEED_CONCURRENCY, LiveSources, check_feed
from bot.delivery.jobs import digest_runtime, ensure_live
from bot.i18n import Translator
from bot.languages import tr
from bot.replies import reply
from bot.runtime import FEEDS_KEY, BotContext
from bot.storage import FeedList
from bot.telegram_html import escape

logger = logging.getLogger(__name__)

MAX_OPML_BYTES = 200_000
MAX_FEEDS = 200


def feed_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [CommandHandler("feeds", feeds)]


def is_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def to_opml(entries: list[tuple[str, str | None]]) -> str:
    """The feeds as an OPML 2.0 document."""
    outlines = "\n".join(
        f'    <outline type="rss" text={quoteattr(title or url)} xmlUrl={quoteattr(url)}/>'
        for url, title in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        "  <head><title>newsbot feeds</title></head>\n  <body>\n"
        f"{outlines}\n  </body>\n</opml>"
    )


def from_opml(document: str) -> list[tuple[str, str | None]]:
    """(url, title) of every feed an OPML document lists; ValueError when it is not OPML."""
    if len(document.encode("utf-8")) > MAX_OPML_BYTES:
        raise ValueError(f"the OPML is over {MAX_OPML_BYTES // 1000} kB")
    if "<!ENTITY" in document.upper():
        raise ValueError("OPML with entity declarations is not accepted")
    try:
        root = ElementTree.fromstring(document.strip())
    except ElementTree.ParseError as error:
        raise ValueError(f"not OPML ({error})") from None
    if root.tag != "opml":
        raise ValueError("not OPML (no <opml> root)")
    found = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        title = outline.get("title") or outline.get("text")
        if url:
            found.append((url, title if title and title != url else None))
    return found[:MAX_FEEDS]


async def feeds(update: Update, context: BotContext) -> None:
    """/feeds [add URL | remove URL|number | export | import <OPML>] (admins)."""
    translate = await tr(update, context)
    user = update.effective_user
    if not await is_bot_admin(update, context):
        return
    runtime = digest_runtime(context)
    feed_list: FeedList | None = context.bot_data.get(FEEDS_KEY)
    if runtime is None or feed_list is None:
        await reply(update, context.bot, translate("Feeds are not running yet: try again soon."))
        return
    message = update.effective_message
    text = message.text if message and message.text else ""
    action, _, rest = text.partition(" ")[2].strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    live = ensure_live(context.application, runtime, feed_list)
    if action in ("", "list"):
        await reply(update, context.bot, await _listing(context, feed_list, translate))
    elif action == "add" and rest:
        await reply(update, context.bot, await _add(live, feed_list, [(rest, None)],
                                                    user.id if user else None, translate))  # fmt: skip
    elif action == "remove" and rest:
        await reply(update, context.bot, await _remove(context, feed_list, rest, translate))
    elif action == "export":
        opml = await asyncio.to_thread(lambda: to_opml(feed_list.entries()))
        await reply(update, context.bot, f"<pre>{escape(opml)}</pre>")
    elif action == "import":
        try:
            found = from_opml(rest)
        except ValueError as error:
            await reply(update, context.bot, translate("Nothing imported: {error}.").format(
                error=escape(str(error))))  # fmt: skip
            return
        await reply(update, context.bot, await _add(live, feed_list, found,
                                                    user.id if user else None, translate))  # fmt: skip
    else:
        await reply(update, context.bot, usage("feeds", translate=translate))


async def _listing(context: BotContext, feed_list: FeedList, translate: Translator) -> str:
    configured = context.settings.feeds
    managed = await asyncio.to_thread(feed_list.entries)
    heading = translate("Feeds")
    lines = [f"<b>{heading}</b>"]
    lines += [f"• {escape(url)} <i>(NEWSBOT_FEEDS)</i>" for url in configured]
    lines += [
        f"{number}. {escape(title + ' — ') if title else ''}{escape(url)}"
        for number, (url, title) in enumerate(managed, 1)
    ]
    if not configured and not managed:
        lines.append(translate("No feeds yet."))
    lines.append(translate("Add one with /feeds add URL; remove with /feeds remove URL or number."))
    return "\n".join(lines)


async def _add(
    live: LiveSources,
    feed_list: FeedList,
    found: list[tuple[str, str | None]],
    by: int | None,
    translate: Translator,
) -> str:
    """Fetch each feed with the bot's own fetcher; keep those that answered.

    The poller's limits and address rules apply, and as few feeds at a time as it fetches.
    """
    slots = asyncio.Semaphore(FEED_CONCURRENCY)

    async def one(url: str, title: str | None) -> str:
        if not is_feed_url(url):
            return translate("✗ {url}: not an http(s) address").format(url=escape(url))
        async with slots:
            check = await check_feed(live.client, live.store, live.gate, url, live.limits)
        if check.status == "failed":
            return translate("✗ {url}: {error}").format(
                url=escape(url), error=escape(check.error or "")
            )
        await asyncio.to_thread(feed_list.add, url, title, by)
        return translate("✓ {url}: {count} new articles").format(url=escape(url), count=check.added)

    lines = await asyncio.gather(*(one(url, title) for url, title in found))
    if not lines:
        return translate("The OPML lists no feeds.")
    return "\n".join(lines)


async def _remove(
    context: BotContext, feed_list: FeedList, wanted: str, translate: Translator
) -> str:
    managed = await asyncio.to_thread(feed_list.urls)
    url = (
        managed[int(wanted) - 1] if wanted.isdigit() and 0 < int(wanted) <= len(managed) else wanted
    )
    if await asyncio.to_thread(feed_list.remove, url):
        return translate("Removed {url}.").format(url=escape(url))
    if url in context.settings.feeds:
        return translate("{url} comes from NEWSBOT_FEEDS: change it there.").format(url=escape(url))
    return translate("No such feed: {url}. /feeds lists them.").format(url=escape(url))
