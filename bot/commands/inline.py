"""Inline mode: "@bot summit" in any chat offers the matching briefings, sent as the briefing.

Each result is one event's briefing (its headline as the title; date, place and how many
sources as the description), sent as Telegram HTML with its "Share" button. An empty query
offers the latest events; "brief_12" (what a share button's link carries) offers event 12.
Results come a page at a time: when more events match than one answer holds, the answer
carries ``next_offset`` (the number of results given so far), and Telegram asks again with
it as the user scrolls. Inline mode must be switched on for the bot once, with /setinline
at @BotFather (README).
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import MessageLimit, ParseMode

from bot.commands.links import BRIEF, brief_payload, share_keyboard
from bot.languages import chat_translator
from bot.runtime import BotContext
from briefings.engine import Engine
from briefings.errors import BriefingError

PAGE_SIZE = 5
"""Results in one answer: each carries a whole briefing (up to 4,096 characters), and
Telegram shows the first few anyway; the next page comes as the user scrolls."""
MAX_RESULTS = 50
"""How far down the matches paging goes."""
CACHE_SECONDS = 60
QUERY_CHARS = 200


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer "@bot words" with the briefings of the events the words match."""
    query = update.inline_query
    if query is None:
        return
    text = " ".join(query.query.split())[:QUERY_CHARS]
    start = page_start(query.offset)
    translate = await chat_translator(update, context.bot_data)

    def work(engine: Engine) -> tuple[list[tuple[int, str, str, str]], bool]:
        if text.startswith(BRIEF) and text[len(BRIEF) :].isdigit():
            event_ids = [int(text[len(BRIEF) :])] if start == 0 else []
        else:
            # One more than the page, to know whether another page follows.
            wanted = min(start + PAGE_SIZE + 1, MAX_RESULTS)
            event_ids = engine.event_ids_matching(text, limit=wanted)[start:]
        more = len(event_ids) > PAGE_SIZE and start + PAGE_SIZE < MAX_RESULTS
        found = []
        for event_id in event_ids[:PAGE_SIZE]:
            try:
                briefing = engine.brief(query=text or None, event_id=event_id)
            except BriefingError:
                continue
            html = engine.renderer.briefing(
                briefing, "html", max_chars=MessageLimit.MAX_TEXT_LENGTH, translate=translate
            )
            event = briefing.event
            about = [event.date.isoformat() if event.date else translate("undated")]
            if event.place:
                about.append(event.place)
            about.append(translate("sources: {count}").format(count=len(briefing.citations)))
            found.append((event.id, briefing.headline, " · ".join(about), html))
        return found, more

    page, more = await context.engine.call(work)
    results = [
        InlineQueryResultArticle(
            id=brief_payload(event_id),
            title=headline[:120] or str(event_id),
            description=description,
            input_message_content=InputTextMessageContent(
                html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            reply_markup=share_keyboard(
                context.bot.username, brief_payload(event_id), headline, translate("Share")
            ),
        )
        for event_id, headline, description, html in page
    ]
    await query.answer(
        results,
        cache_time=CACHE_SECONDS,
        is_personal=False,
        # No next_offset tells Telegram that no more results follow. Not "": with Defaults set,
        # python-telegram-bot 22 turns an empty string into an empty list ("[]" on the wire),
        # which Telegram would send back as the offset of a next page.
        next_offset=str(start + PAGE_SIZE) if more else None,
    )


def page_start(offset: str) -> int:
    """Where a page starts: the offset Telegram sends back is the one we gave, or empty;
    anything else (forged, or from an older version) starts over."""
    return int(offset) if offset.isdigit() and int(offset) < MAX_RESULTS else 0
