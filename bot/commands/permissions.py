"""Who may do what: the bot's admins (NEWSBOT_ADMINS), and a group's or channel's admins.

Every command that changes a chat's settings or runs an admin task asks here, so the rules
are written once:

- admin commands (/reingest, /stats, /status, /feeds): the user is in NEWSBOT_ADMINS;
- a group's digest, filter, alerts, language: in private chats anyone, in groups the
  group's administrators (getChatMember), or an anonymous administrator posting as the group;
- a channel's digest from a private chat: the user administers the channel, and the bot
  may post there.
"""

from __future__ import annotations

import logging

from telegram import Chat, ChatFullInfo, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.i18n import N_, Translator
from bot.languages import tr
from bot.replies import reply
from bot.runtime import BotContext
from bot.telegram_html import escape

logger = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
# What a group's settings are, each refusal whole for translators: (cannot check, not yours).
_REFUSALS = {
    "digest": (
        N_("I could not check who may change this group's digest."),
        N_("Only this group's administrators can change its digest."),
    ),
    "filter": (
        N_("I could not check who may change this group's filter."),
        N_("Only this group's administrators can change its filter."),
    ),
    "alerts": (
        N_("I could not check who may change this group's alerts."),
        N_("Only this group's administrators can change its alerts."),
    ),
    "language": (
        N_("I could not check who may change this group's language."),
        N_("Only this group's administrators can change its language."),
    ),
}


async def is_bot_admin(update: Update, context: BotContext) -> bool:
    """Whether the user is one of the bot's admins; if not, they are told so."""
    user = update.effective_user
    if context.settings.is_admin(user.id if user else None):
        return True
    translate = await tr(update, context)
    await reply(update, context.bot, translate("Sorry, this command is for admins."))
    return False


async def may_change(update: Update, context: BotContext, what: str = "digest") -> bool:
    """In groups, only administrators change the subscription (or `what`); tell anyone else."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or chat.type == chat.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        # Anonymous administrators post as the group itself.
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    cannot_check, not_theirs = _REFUSALS[what]
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        logger.info("getChatMember failed in chat %s: %s", chat.id, error)
        await reply(update, context.bot, (await tr(update, context))(cannot_check))
        return False
    if member.status in ADMIN_STATUSES:
        return True
    await reply(update, context.bot, (await tr(update, context))(not_theirs))
    return False


async def channel_problem(
    context: BotContext, chat: Chat | ChatFullInfo, user_id: int, translate: Translator
) -> str | None:
    """Why the user may not set the channel's digest from a private chat, or None if they may."""
    return await _user_administers(context, chat, user_id, translate) or await bot_may_post(
        context, chat, translate
    )


def chat_name(chat: Chat | ChatFullInfo) -> str:
    """A channel as users know it: @username, else its title, else its id."""
    if chat.username:
        return f"@{chat.username}"
    return chat.title or str(chat.id)


async def _user_administers(
    context: BotContext, chat: Chat | ChatFullInfo, user_id: int, translate: Translator
) -> str | None:
    try:
        member = await context.bot.get_chat_member(chat.id, user_id)
    except TelegramError as error:
        return translate("I could not check who administers {channel}: {error}").format(
            channel=escape(chat_name(chat)), error=escape(str(error))
        )
    if member.status not in ADMIN_STATUSES:
        return translate("Only administrators of {channel} can change its digest.").format(
            channel=escape(chat_name(chat))
        )
    return None


async def bot_may_post(
    context: BotContext, chat: Chat | ChatFullInfo, translate: Translator
) -> str | None:
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as error:
        return translate("I could not check my rights in {channel}: {error}").format(
            channel=escape(chat_name(chat)), error=escape(str(error))
        )
    may_post = member.status == ChatMemberStatus.OWNER or (
        member.status == ChatMemberStatus.ADMINISTRATOR
        and getattr(member, "can_post_messages", None) is not False
    )
    if not may_post:
        return translate(
            "Make me an administrator of {channel} with the right to post messages, "
            "then send the command again."
        ).format(channel=escape(chat_name(chat)))
    return None
