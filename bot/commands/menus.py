"""Command menus by scope: everyone sees what they can use, admins see their commands too.

Telegram shows a user the most specific list set for them (its order: chat member, chat
administrators, chat, all chat administrators, all group chats or all private chats,
default), in the user's language when a list was set for it. So:

    default, all private chats   every command but the bot admins'
    all group chats              what anyone may do in a group (read, look up, /settings)
    all chat administrators      that, plus what changes the group (/subscribe, /filter…)
    chat of each NEWSBOT_ADMINS  everything, admin commands included (BotCommandScopeChat)

each once per language with a catalog. A bot admin who never wrote to the bot has no chat
yet (Telegram answers "chat not found"): their menu is set at their first /start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from telegram import (
    Bot,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.commands.catalog import Command, bot_commands
from bot.i18n import SOURCE_LANGUAGE, available_languages, translator

logger = logging.getLogger(__name__)


def everyone(command: Command) -> bool:
    return not command.is_admin


def group_members(command: Command) -> bool:
    return not command.is_admin and not command.changes_chat and command.name != "start"


def group_admins(command: Command) -> bool:
    return not command.is_admin and command.name != "start"


def bot_admins(command: Command) -> bool:
    return True


MENUS: tuple[tuple[Callable[[], BotCommandScope], Callable[[Command], bool]], ...] = (
    (BotCommandScopeDefault, everyone),
    (BotCommandScopeAllPrivateChats, everyone),
    (BotCommandScopeAllGroupChats, group_members),
    (BotCommandScopeAllChatAdministrators, group_admins),
)


async def _set(bot: Bot, scope: BotCommandScope, include: Callable[[Command], bool]) -> None:
    for language in available_languages():
        await bot.set_my_commands(
            bot_commands(translator(language), include=include),
            scope=scope,
            language_code=None if language == SOURCE_LANGUAGE else language,
        )


async def register_menus(bot: Bot, admins: Iterable[int]) -> None:
    """Every scope's menu, in every language; then each bot admin's own."""
    for make_scope, include in MENUS:
        await _set(bot, make_scope(), include)
    for admin in sorted(admins):
        await register_admin_menu(bot, admin)


async def register_admin_menu(bot: Bot, admin_id: int) -> bool:
    """The admin commands in one admin's private chat; False when Telegram refused."""
    try:
        await _set(bot, BotCommandScopeChat(admin_id), bot_admins)
    except TelegramError as error:
        logger.info("admin menu for %s not set yet (%s): set at their /start", admin_id, error)
        return False
    return True
