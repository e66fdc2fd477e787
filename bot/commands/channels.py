"""Channels as subscribers: a channel's digest, set in the channel or from a private chat.

In the channel itself an administrator posts /subscribe, /unsubscribe or /settings (only
administrators post in a channel, and a bot sees a channel's posts only as one of its
administrators). From a private chat, ``/subscribe @channel 07:30`` (or the channel's id)
does the same after getChatMember says that both the user and the bot are administrators
there, the bot with the right to post. Digests are then posted in the channel. Everything
else posted in a channel is ignored.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import Chat, ChatFullInfo, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.commands.permissions import bot_may_post, channel_problem, chat_name
from bot.delivery.jobs import arm, digest_runtime
from bot.delivery.schedule import PlanError, describe, next_delivery, parse_plan
from bot.i18n import Translator
from bot.languages import chat_translator, setter_language
from bot.replies import reply, send_html
from bot.runtime import BotContext
from bot.storage import Subscription
from bot.telegram_html import escape

logger = logging.getLogger(__name__)

_CHANNEL_ARGUMENT = r"(?:@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,})"
_NAMES_A_CHANNEL = re.compile(rf"^/(subscribe|unsubscribe|settings)(?:@\w+)?\s+{_CHANNEL_ARGUMENT}")
_CHANNEL_COMMAND = re.compile(r"^/(subscribe|unsubscribe|settings)(?:@(\w+))?(?:\s+(.*))?$", re.S)


def channel_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Before the digest handlers: /subscribe @channel, and posts in channels."""
    names_channel = filters.ChatType.PRIVATE & filters.Regex(_NAMES_A_CHANNEL)
    return [
        CommandHandler(["subscribe", "unsubscribe", "settings"], from_private_chat, names_channel),
        MessageHandler(filters.UpdateType.CHANNEL_POSTS, in_channel),
    ]


async def in_channel(update: Update, context: BotContext) -> None:
    """A post in a channel: the digest commands are acted on, anything else is ignored."""
    post = update.channel_post
    if post is None or not post.text:
        return
    found = _CHANNEL_COMMAND.match(post.text.strip())
    if found is None:
        return
    command, addressee, rest = found.groups()
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    translate = await chat_translator(update, context.bot_data)
    problem = await bot_may_post(context, post.chat, translate)
    if problem:
        logger.info("channel %s: %s", post.chat.id, problem)
        return  # the bot cannot post there to say so
    answer = await _act(context, post.chat, command, (rest or "").split(), translate, None)
    await send_html(context.bot, post.chat.id, answer)


async def from_private_chat(update: Update, context: BotContext) -> None:
    """/subscribe @channel [times] [zone] [cadence], /unsubscribe @channel, /settings @channel."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.text is None or user is None:
        return
    translate = await chat_translator(update, context.bot_data)
    command = message.text.split(maxsplit=1)[0].lstrip("/").split("@")[0]
    target, *rest = context.args or [""]
    try:
        chat = await context.bot.get_chat(int(target) if target.lstrip("-").isdigit() else target)
    except TelegramError as error:
        await reply(update, context.bot, translate(
            "I can't find {channel} ({error}). Add me to the channel as an administrator first."
        ).format(channel=escape(target), error=escape(str(error))))  # fmt: skip
        return
    if chat.type != ChatType.CHANNEL:
        await reply(update, context.bot, translate("{channel} is not a channel.").format(
            channel=escape(target)))  # fmt: skip
        return
    problem = await channel_problem(context, chat, user.id, translate)
    if problem:
        await reply(update, context.bot, problem)
        return
    # The channel's digest speaks the language of whoever subscribed it from here.
    language = await setter_language(update, context.bot_data)
    await reply(update, context.bot, await _act(context, chat, command, rest, translate, language))


async def _act(
    context: BotContext,
    chat: Chat | ChatFullInfo,
    command: str,
    args: list[str],
    translate: Translator,
    language: str | None,
) -> str:
    """Do /subscribe, /unsubscribe or /settings for a channel; the answer to show."""
    runtime = digest_runtime(context)
    if runtime is None:
        return translate("Digests are not running yet: try again in a minute.")
    settings = context.settings
    name = escape(chat_name(chat))
    previous = await asyncio.to_thread(runtime.store.get, chat.id)
    now = runtime.service.clock()
    if command == "unsubscribe":
        removed = await asyncio.to_thread(runtime.store.remove, chat.id)
        await arm(context.application)
        return (
            translate("Digest stopped for {channel}.") if removed
            else translate("{channel} has no digest.")
        ).format(channel=name)  # fmt: skip
    if command == "settings":
        if previous is None:
            return translate("{channel} has no digest.").format(channel=name)
        plan_text = escape(describe(previous.plan, translate))
        return f"<b>{name}</b>: {plan_text}; {next_delivery(previous.plan, now, translate)}"
    try:
        plan = parse_plan(args, default_tz=settings.tz, default_time=settings.digest_time)
    except PlanError as error:
        return escape(error.message.render(translate))
    subscription = Subscription(
        chat_id=chat.id,
        plan=plan,
        since=now,
        watermark=previous.watermark if previous else None,
        shown=previous.shown if previous else (),
        language=language or (previous.language if previous else None),
    )
    await asyncio.to_thread(runtime.store.save, subscription)
    await arm(context.application)
    return translate("Digest for {channel}: {plan}; {next}.").format(
        channel=name,
        plan=escape(describe(plan, translate)),
        next=next_delivery(plan, now, translate),
    )
