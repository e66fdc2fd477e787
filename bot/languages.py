"""Which language the bot speaks in each chat: /language, and the store behind it.

A chat's choice is kept in SQLite (``chat_languages``, beside the digests' tables) and
cached in memory; without one, the user's Telegram ``language_code`` decides
(``bot.i18n.pick_language``). Channels have no user: their choice, else English.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.i18n import Translator, available_languages, language_name, pick_language, translator
from bot.storage import SubscriptionStore

LANGUAGES_KEY = "languages"


class ChatLanguages:
    """Chats' chosen languages, in the bot's database file."""

    def __init__(self, store: SubscriptionStore) -> None:
        self.store = store
        with store.lock:
            store.db.table("chat_languages").create(
                {"chat_id": int, "language": str}, pk="chat_id", if_not_exists=True
            )
        self._cache: dict[int, str | None] = {}

    def get(self, chat_id: int) -> str | None:
        if chat_id not in self._cache:
            with self.store.lock:
                row = self.store.db.execute(
                    "SELECT language FROM chat_languages WHERE chat_id = ?", [chat_id]
                ).fetchone()
            self._cache[chat_id] = row[0] if row else None
        return self._cache[chat_id]

    def set(self, chat_id: int, language: str | None) -> None:
        """Choose a language for a chat (None: follow each user's Telegram language)."""
        with self.store.transaction() as conn:
            if language is None:
                conn.execute("DELETE FROM chat_languages WHERE chat_id = ?", [chat_id])
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO chat_languages (chat_id, language) VALUES (?, ?)",
                    [chat_id, language],
                )
        self._cache[chat_id] = language


async def chat_translator(update: Update, bot_data: dict[Any, Any]) -> Translator:
    """The language to answer this update in."""
    chosen = None
    store: ChatLanguages | None = bot_data.get(LANGUAGES_KEY)
    chat = update.effective_chat
    if store is not None and chat is not None:
        chosen = await asyncio.to_thread(store.get, chat.id)
    user = update.effective_user
    return translator(pick_language(chosen, user.language_code if user else None))


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language the bot speaks."""
    return [(code, language_name(code)) for code in available_languages()]
