"""Which language the bot speaks in each chat: the chat's choice, else the user's.

A chat's choice (/language) is kept in SQLite (`bot.storage.ChatLanguages`) and cached in
memory; without one, the user's Telegram ``language_code`` decides
(``bot.i18n.pick_language``). Channels have no user: their choice, else English.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.i18n import Translator, available_languages, language_name, pick_language, translator
from bot.runtime import LANGUAGES_KEY, BotContext
from bot.storage import ChatLanguages


async def chat_translator(update: Update, bot_data: dict[Any, Any]) -> Translator:
    """The language to answer this update in."""
    chosen = None
    store: ChatLanguages | None = bot_data.get(LANGUAGES_KEY)
    chat = update.effective_chat
    if store is not None and chat is not None:
        chosen = await asyncio.to_thread(store.get, chat.id)
    user = update.effective_user
    return translator(pick_language(chosen, user.language_code if user else None))


async def setter_language(update: Update, bot_data: dict[Any, Any]) -> str | None:
    """The language of whoever sets a digest or alerts up (their chat's /language choice,
    else their Telegram ``language_code``), kept with it: what they get in a chat that
    chose no language, a channel for one. None when neither is known."""
    chosen = None
    store: ChatLanguages | None = bot_data.get(LANGUAGES_KEY)
    chat = update.effective_chat
    if store is not None and chat is not None:
        chosen = await asyncio.to_thread(store.get, chat.id)
    user = update.effective_user
    return chosen or (user.language_code if user else None)


async def tr(update: Update, context: BotContext) -> Translator:
    """The language to answer this update in (the chat's choice, else the user's)."""
    return await chat_translator(update, context.bot_data)


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language the bot speaks."""
    return [(code, language_name(code)) for code in available_languages()]
