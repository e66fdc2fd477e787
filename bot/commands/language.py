"""/language: the language the bot answers in here (buttons without a code)."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands.permissions import may_change
from bot.i18n import available_languages, language_name
from bot.languages import language_choices, tr
from bot.replies import reply
from bot.runtime import LANGUAGES_KEY, BotContext
from bot.storage import ChatLanguages
from bot.telegram_html import escape

LANGUAGE_CALLBACK = "lang:"


def language_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("language", language),
        CallbackQueryHandler(language_button, pattern=f"^{LANGUAGE_CALLBACK}"),
    ]


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
