"""/feeds: admins add, list and remove the RSS/Atom feeds the bot polls; OPML in and out.

Feeds added here are kept in SQLite (``managed_feeds``, beside the digests' tables) and
polled with those of NEWSBOT_FEEDS, which stay as configured. A feed is added only once the
bot's own feed fetcher (``bot.delivery.feeds.check_feed``, the one every poll uses, with its
guard on addresses) has read it, so an admin learns at once that an address does not work.

OPML, the format every feed reader exports and imports, travels as a file:
``/feeds export`` sends the list as an ``.opml`` document, and ``/feeds import`` takes one
as a document captioned with the command, as a document the command replies to, or as the
next document the admin sends after the bare command (within `AWAIT_SECONDS`). An OPML
pasted after the command is read too. A file that is too big, not OPML, or declares
entities (an XML bomb's device) is refused with the reason, and nothing changes: imports
only ever add feeds, each after a successful fetch.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import xml.etree.ElementTree as ElementTree
from typing import Any
from xml.sax.saxutils import quoteattr

from telegram import Document, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.commands.catalog import usage
from bot.commands.permissions import is_bot_admin
from bot.config import split_url
from bot.delivery.feeds import FEED_CONCURRENCY, LiveSources, check_feed
from bot.delivery.jobs import digest_runtime, ensure_live
from bot.i18n import N_, TranslatableError, Translator
from bot.languages import tr
from bot.replies import reply
from bot.runtime import FEEDS_KEY, BotContext
from bot.storage import FeedList
from bot.telegram_html import escape

logger = logging.getLogger(__name__)

MAX_OPML_BYTES = 200_000
"""A generous feed reader's export (a few hundred feeds) is well under this."""
MAX_FEEDS = 200
AWAIT_SECONDS = 600
"""How long after a bare ``/feeds import`` the admin's next document is taken as the OPML."""
EXPORT_NAME = "newsbot-feeds.opml"
OPML_MIME_TYPE = "text/x-opml"
_AWAITING = "opml_awaited"  # chat_data: user id -> when the wait for their OPML ends
_IMPORT_CAPTION = re.compile(r"^/feeds(?:@(\w+))?\s+import\b", re.IGNORECASE)


class OpmlError(TranslatableError):
    """An OPML document that cannot be imported; the message says why."""


def feed_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("feeds", feeds),
        # Channel posts are never served (bot.commands.channels): only chats' documents.
        MessageHandler(filters.Document.ALL & ~filters.UpdateType.CHANNEL_POSTS, feeds_document),
    ]


def is_feed_url(url: str) -> bool:
    parts = split_url(url)
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


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


def from_opml(document: str | bytes) -> list[tuple[str, str | None]]:
    """(url, title) of every feed an OPML document lists; OpmlError when it is not usable."""
    size = len(document if isinstance(document, bytes) else document.encode("utf-8"))
    if size > MAX_OPML_BYTES:
        raise OpmlError(
            N_("the OPML is over {limit} kB ({size} kB)"),
            limit=MAX_OPML_BYTES // 1000,
            size=-(-size // 1000),
        )
    text = _decoded(document) if isinstance(document, bytes) else document
    if "<!ENTITY" in text.upper():
        raise OpmlError(N_("OPML with entity declarations is not accepted"))
    try:
        root = ElementTree.fromstring(text.strip())
    except ElementTree.ParseError as error:
        raise OpmlError(N_("not OPML ({error})"), error=str(error)) from None
    if root.tag != "opml":
        raise OpmlError(N_("not OPML (no <opml> root)"))
    found = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        title = outline.get("title") or outline.get("text")
        if url:
            found.append((url, title if title and title != url else None))
    return found


def _decoded(content: bytes) -> str:
    """An OPML file's text: UTF-8 (the XML default) or UTF-16 with its byte order mark."""
    boms = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
    encoding = next((name for bom, name in boms.items() if content.startswith(bom)), "utf-8")
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise OpmlError(N_("the file is not UTF-8 text")) from None
    # Decoded here, so the declaration's encoding no longer applies (expat would re-decode).
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


async def feeds(update: Update, context: BotContext) -> None:
    """/feeds [add URL | remove URL|number | export | import [OPML]] (admins)."""
    translate = await tr(update, context)
    if not await is_bot_admin(update, context):
        return
    runtime = digest_runtime(context)
    feed_list: FeedList | None = context.bot_data.get(FEEDS_KEY)
    if runtime is None or feed_list is None:
        await reply(update, context.bot, translate("Feeds are not running yet: try again soon."))
        return
    user = update.effective_user
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
        await _export(update, context, feed_list, translate)
    elif action == "import":
        replied = message.reply_to_message if message else None
        if rest:
            await _import(update, context, live, feed_list, rest, translate)
        elif replied is not None and replied.document is not None:
            await _import_file(update, context, live, feed_list, replied.document, translate)
        else:
            _await_file(context, user.id if user else None)
            await reply(update, context.bot, translate(
                "Send me the OPML file now, as a document (at most {limit} kB). "
                "Feed readers export one."
            ).format(limit=MAX_OPML_BYTES // 1000))  # fmt: skip
    else:
        await reply(update, context.bot, usage("feeds", translate=translate))


async def feeds_document(update: Update, context: BotContext) -> None:
    """A document: an admin's OPML, when captioned "/feeds import" or awaited after that
    command; any other document is none of the bot's business and gets no answer."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.document is None or user is None:
        return
    captioned = _IMPORT_CAPTION.match(message.caption or "")
    if captioned is not None:
        addressee = captioned.group(1)
        if addressee and addressee.lower() != (context.bot.username or "").lower():
            return  # meant for another bot in the group
    elif not _is_awaited(context, user.id):
        return
    if not await is_bot_admin(update, context):
        return
    translate = await tr(update, context)
    runtime = digest_runtime(context)
    feed_list: FeedList | None = context.bot_data.get(FEEDS_KEY)
    if runtime is None or feed_list is None:
        await reply(update, context.bot, translate("Feeds are not running yet: try again soon."))
        return
    live = ensure_live(context.application, runtime, feed_list)
    await _import_file(update, context, live, feed_list, message.document, translate)


def _await_file(context: BotContext, user_id: int | None) -> None:
    if user_id is not None and context.chat_data is not None:
        context.chat_data.setdefault(_AWAITING, {})[user_id] = time.monotonic() + AWAIT_SECONDS


def _is_awaited(context: BotContext, user_id: int) -> bool:
    awaited = (context.chat_data or {}).get(_AWAITING, {})
    return awaited.get(user_id, 0.0) > time.monotonic()


def _stop_awaiting(context: BotContext, user_id: int | None) -> None:
    if context.chat_data is not None:
        context.chat_data.get(_AWAITING, {}).pop(user_id, None)


async def _export(
    update: Update, context: BotContext, feed_list: FeedList, translate: Translator
) -> None:
    """The admins' feeds as an .opml document."""
    entries = await asyncio.to_thread(feed_list.entries)
    document = InputFile(to_opml(entries).encode("utf-8"), filename=EXPORT_NAME)
    document.mimetype = OPML_MIME_TYPE
    caption = translate.ngettext(
        "{count} feed, as OPML: import it in a feed reader, or here with /feeds import.",
        "{count} feeds, as OPML: import them in a feed reader, or here with /feeds import.",
        len(entries),
    ).format(count=len(entries))
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return
    await context.bot.send_document(
        chat.id,
        document,
        caption=caption,
        message_thread_id=message.message_thread_id
        if message and message.is_topic_message
        else None,
    )


async def _import_file(
    update: Update,
    context: BotContext,
    live: LiveSources,
    feed_list: FeedList,
    document: Document,
    translate: Translator,
) -> None:
    """Download an uploaded OPML (within the size limit) and import it."""
    if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
        problem = OpmlError(
            N_("the file is {size} kB; an OPML file may be at most {limit} kB"),
            size=-(-document.file_size // 1000),
            limit=MAX_OPML_BYTES // 1000,
        )
        await _refuse(update, context, problem, translate)
        return
    try:
        file = await document.get_file()
        content = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        logger.warning("could not download an OPML file: %s", error)
        await reply(update, context.bot, translate(
            "Nothing imported: I could not fetch the file from Telegram ({error}). "
            "Please send it again."
        ).format(error=escape(str(error))))  # fmt: skip
        return
    await _import(update, context, live, feed_list, content, translate)


async def _import(
    update: Update,
    context: BotContext,
    live: LiveSources,
    feed_list: FeedList,
    document: str | bytes,
    translate: Translator,
) -> None:
    user = update.effective_user
    try:
        found = from_opml(document)
    except OpmlError as error:
        await _refuse(update, context, error, translate)
        return
    _stop_awaiting(context, user.id if user else None)
    note = ""
    if len(found) > MAX_FEEDS:
        note = "\n" + translate(
            "The file lists {count} feeds; only the first {limit} were read."
        ).format(count=len(found), limit=MAX_FEEDS)
    added = await _add(live, feed_list, found[:MAX_FEEDS], user.id if user else None, translate)
    await reply(update, context.bot, added + note)


async def _refuse(
    update: Update, context: BotContext, error: OpmlError, translate: Translator
) -> None:
    """A bad file: say why; nothing changed, and another file may follow."""
    await reply(update, context.bot, translate(
        "Nothing imported: {error}. Your feeds are as they were; send a corrected file "
        "with /feeds import."
    ).format(error=escape(error.message.render(translate))))  # fmt: skip


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
            why = check.reason.render(translate) if check.reason else check.error or ""
            return translate("✗ {url}: {error}").format(url=escape(url), error=escape(why))
        await asyncio.to_thread(feed_list.add, url, title, by)
        return translate.ngettext(
            "✓ {url}: {count} new article", "✓ {url}: {count} new articles", check.added
        ).format(url=escape(url), count=check.added)

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
