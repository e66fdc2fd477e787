"""Replies: how the bot sends text — split to Telegram's limit, user text escaped, typing shown.

Every message the bot sends goes through `send_html`, so the two Telegram rules that break
sends (at most 4,096 characters, valid HTML) are kept in one place: text longer than a
message is split on paragraph boundaries (`bot.telegram_html.split_message`), never cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import TelegramError

from bot.telegram_html import split_message

logger = logging.getLogger(__name__)

# Telegram shows "typing…" for about five seconds; resend a little before it fades.
TYPING_REFRESH_SECONDS = 4.5


async def send_html(
    bot: Bot,
    chat_id: int,
    html: str,
    *,
    thread_id: int | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Send Telegram HTML as one or more messages; buttons go under the last one."""
    parts = split_message(html, MessageLimit.MAX_TEXT_LENGTH) or ["…"]
    sent = []
    for number, part in enumerate(parts, start=1):
        sent.append(
            await bot.send_message(
                chat_id=chat_id,
                text=part,
                message_thread_id=thread_id,
                reply_markup=reply_markup if number == len(parts) else None,
            )
        )
    return sent


async def reply(
    update: Update, bot: Bot, html: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> list[Message]:
    """Answer an update in its chat (and forum topic), whatever kind of update it is."""
    chat = update.effective_chat
    if chat is None:
        return []
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    return await send_html(bot, chat.id, html, thread_id=thread_id, reply_markup=reply_markup)


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int, thread_id: int | None = None) -> AsyncIterator[None]:
    """Show "typing…" in the chat for as long as the body runs."""

    async def send_typing() -> None:
        try:
            await bot.send_chat_action(
                chat_id=chat_id, action=ChatAction.TYPING, message_thread_id=thread_id
            )
        except TelegramError as error:
            # A lost typing hint must never cost the user their answer.
            logger.debug("typing action failed: %s", error)

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_REFRESH_SECONDS)
            await send_typing()

    # The first hint is awaited so that it reaches the chat before the answer does.
    await send_typing()
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
