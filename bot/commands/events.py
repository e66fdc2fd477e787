"""/events: recent events as buttons; /language: the language the bot answers in here."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands.digests import may_change
from bot.commands.general import BotContext, send_briefing, tr
from bot.i18n import available_languages, language_name
from bot.languages import LANGUAGES_KEY, ChatLanguages, language_choices
from bot.replies import reply
from bot.telegram_html import escape
from briefings.engine import Engine

EVENT_CALLBACK = "ev:"
LANGUAGE_CALLBACK = "lang:"
MAX_EVENTS = 10
MAX_PRINCIPALS = 2


def event_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("events", events),
        CallbackQueryHandler(event_button, pattern=f"^{EVENT_CALLBACK}"),
        CommandHandler("language", language),
        CallbackQueryHandler(language_button, pattern=f"^{LANGUAGE_CALLBACK}"),
    ]


def event_label(event: Any) -> str:
    """What a button says of an event: date · place · principals."""
    parts = [event.date.isoformat() if event.date else "—"]
    if event.place:
        parts.append(event.place)
    if event.people:
        parts.append(", ".join(name.split()[-1] for name in event.people[:MAX_PRINCIPALS]))
    return " · ".join(parts)


async def events(update: Update, context: BotContext) -> None:
    """/events: the latest events, each a button that opens its briefing."""
    translate = await tr(update, context)

    def work(engine: Engine) -> list[Any]:
        return engine.recent_events(MAX_EVENTS)

    found = await context.engine.call(work)
    if not found:
        await reply(update, context.bot, translate("No events yet: the corpus is empty."))
        return
    heading = translate("Recent events")
    lines = [f"<b>{heading}</b>"]
    lines += [f"• {escape(event_label(e))} — {escape(e.title)}" for e in found]
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(event_label(e)[:60], callback_data=f"{EVENT_CALLBACK}{e.id}")]
            for e in found
        ]  # fmt: skip
    )
    await reply(update, context.bot, "\n".join(lines), reply_markup=keyboard)


async def event_button(update: Update, context: BotContext) -> None:
    """An event's button: answer the press, send its briefing."""
    query = update.callback_query
    assert query is not None and query.data is not None
    translate = await tr(update, context)
    wanted = query.data.removeprefix(EVENT_CALLBACK)
    found = await context.engine.call(lambda engine: engine.event(int(wanted)))
    if not wanted.isdigit() or found is None:
        await query.answer(translate("That event is gone from the corpus: send /events again."))
        return
    await query.answer()
    await send_briefing(update, context, translate, event_id=found.id)


async def language(update: Update, context: BotContext) -> None:
    """/language [code]: the language I answer in here (buttons without a code)."""
    translate = await tr(update, context)
    store: ChatLanguages | None = context.bot_data.get(LANGUAGES_KEY)
    chat = update.effective_chat
    if store is None or chat is None:
        return
    wanted = (context.args or [""])[0].lower()
    if not wanted:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(name, callback_data=f"{LANGUAGE_CALLBACK}{code}")
                    for code, name in language_choices()
                ]
            ]  # fmt: skip
        )
        await reply(update, context.bot, translate("Which language should I answer in here?"),
                    reply_markup=keyboard)  # fmt: skip
        return
    if not await may_change(update, context, "language"):
        return
    await _choose(update, context, store, chat.id, wanted)


async def language_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    store: ChatLanguages | None = context.bot_data.get(LANGUAGES_KEY)
    chat = update.effective_chat
    if query is None or query.data is None or store is None or chat is None:
        return
    if not await may_change(update, context, "language"):
        await query.answer()
        return
    await query.answer()
    await _choose(update, context, store, chat.id, query.data.removeprefix(LANGUAGE_CALLBACK))


async def _choose(
    update: Update, context: BotContext, store: ChatLanguages, chat_id: int, wanted: str
) -> None:
    if wanted not in available_languages():
        translate = await tr(update, context)
        known = ", ".join(f"{code} ({language_name(code)})" for code in available_languages())
        await reply(update, context.bot, translate("I speak: {languages}.").format(
            languages=escape(known)))  # fmt: skip
        return
    await asyncio.to_thread(store.set, chat_id, wanted)
    translate = await tr(update, context)
    await reply(update, context.bot, translate("From now on I answer here in English.")
                if wanted == "en" else translate("From now on I answer here in {language}.")
                .format(language=language_name(wanted)))  # fmt: skip
