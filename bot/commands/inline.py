"""Inline mode: "@bot summit" in any chat offers the matching briefings, sent as the briefing.

Each result is one event's briefing (its headline as the title; date, place and how many
sources as the description), sent as Telegram HTML with its "Share" button. An empty query
offers the latest events; "brief_12" (what a share button's link carries) offers event 12.
Inline mode must be switched on for the bot once, with /setinline at @BotFather (README).
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import MessageLimit, ParseMode

from bot.commands.links import BRIEF, brief_payload, share_keyboard
from bot.languages import chat_translator
from bot.runtime import BotContext
from briefings.engine import Engine
from briefings.errors import BriefingError

MAX_RESULTS = 5
CACHE_SECONDS = 60
QUERY_CHARS = 200


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer "@bot words" with the briefings of the events the words match."""
    query = update.inline_query
    if query is None:
        return
    text = " ".join(query.query.split())[:QUERY_CHARS]
    translate = await chat_translator(update, context.bot_data)

    def work(engine: Engine) -> list[tuple[int, str, str, str]]:
        if text.startswith(BRIEF) and text[len(BRIEF) :].isdigit():
            event_ids = [int(text[len(BRIEF) :])]
        else:
            event_ids = engine.event_ids_matching(text, limit=MAX_RESULTS)
        found = []
        for event_id in event_ids:
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
        return found

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
        for event_id, headline, description, html in await context.engine.call(work)
    ]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)
