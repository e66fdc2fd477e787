"""Digest commands: /subscribe, /unsubscribe, /settings, the buttons under a digest.

The schedule behind them is `bot.delivery.jobs`; a change re-arms its timer. In groups only
administrators change the group's subscription (`bot.commands.permissions`). A group
upgraded to a supergroup keeps its subscription, whether the bot learns it from the service
message or from a ChatMigrated error while sending.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import MessageLimit
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands.general import EXPIRED, in_a_chat
from bot.commands.permissions import may_change
from bot.commands.refusals import engine_error_message
from bot.delivery.digests import BUTTON_PREFIX
from bot.delivery.jobs import arm, digest_runtime
from bot.delivery.schedule import EXAMPLE, PlanError, describe, next_delivery, parse_plan
from bot.languages import setter_language, tr
from bot.replies import reply
from bot.runtime import BotContext
from bot.storage import Subscription
from bot.telegram_html import escape
from briefings.errors import BriefingError

if TYPE_CHECKING:
    from briefings.engine import Engine

logger = logging.getLogger(__name__)

MAX_WHO_CARDS = 8


def digest_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The handlers to add to the application's list."""
    return [
        CommandHandler("subscribe", subscribe),
        CommandHandler("unsubscribe", unsubscribe),
        CommandHandler("settings", settings_command),
        CallbackQueryHandler(digest_button, pattern=f"^{BUTTON_PREFIX}"),
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated),
    ]


# -- commands ----------------------------------------------------------------------------------
async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe [HH:MM] [Area/City] [daily|weekdays|weekly]: a digest at a time of day."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    translate = await tr(update, context)
    settings = context.settings
    try:
        plan = parse_plan(
            context.args or (), default_tz=settings.tz, default_time=settings.digest_time
        )
    except PlanError as error:
        await reply(update, context.bot, escape(error.message.render(translate)))
        return
    if not await may_change(update, context):
        return
    now = runtime.service.clock()
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    previous = await asyncio.to_thread(runtime.store.get, chat.id)
    subscription = Subscription(
        chat_id=chat.id,
        plan=plan,
        since=now,
        thread_id=thread_id,
        # A changed plan keeps what the chat has already seen.
        watermark=previous.watermark if previous else None,
        shown=previous.shown if previous else (),
        language=await setter_language(update, context.bot_data),
    )
    await asyncio.to_thread(runtime.store.save, subscription)
    await arm(context.application)
    lead = (
        translate("Digest changed: now {plan}; {next}.")
        if previous
        else translate("Digest {plan}; {next}.")
    )
    text = lead.format(
        plan=escape(describe(plan, translate)), next=next_delivery(plan, now, translate)
    )
    await reply(
        update, context.bot, text + "\n" + translate("/settings shows it, /unsubscribe stops it.")
    )


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe: no more digests in this chat."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None or not await may_change(update, context):
        return
    translate = await tr(update, context)
    removed = await asyncio.to_thread(runtime.store.remove, chat.id)
    await arm(context.application)
    text = (
        translate("Digest stopped: no more scheduled digests here. /subscribe starts it again.")
        if removed
        else translate("This chat has no digest. Start one with {example}.").format(
            example=f"<code>{escape(EXAMPLE)}</code>"
        )
    )
    await reply(update, context.bot, text)


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: this chat's digest and when the next one comes."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    translate = await tr(update, context)
    subscription = await asyncio.to_thread(runtime.store.get, chat.id)
    if subscription is None:
        await reply(
            update,
            context.bot,
            translate("This chat has no digest.\nStart one with {usage}, e.g. {example}.").format(
                usage="<code>/subscribe [HH:MM] [Area/City] [daily|weekdays|weekly]</code>",
                example=f"<code>{escape(EXAMPLE)}</code>",
            ),
        )
        return
    now = runtime.service.clock()
    heading = translate("Digest")
    await reply(
        update,
        context.bot,
        f"<b>{heading}</b> {escape(describe(subscription.plan, translate))}\n"
        f"{_capitalised(next_delivery(subscription.plan, now, translate))}.\n"
        + translate("Change it with /subscribe, stop it with /unsubscribe."),
    )


async def chat_migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its subscription moves to the new chat id."""
    runtime = digest_runtime(context)
    message = update.effective_message
    if runtime is None or message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await asyncio.to_thread(runtime.store.move, old, new):
        logger.info("subscription of chat %s moved to %s", old, new)


async def digest_button(update: Update, context: BotContext) -> None:
    """A button under a digest: the event's full briefing, or who is who in it."""
    query = update.callback_query
    if query is None or not query.data:
        return
    translate = await tr(update, context)
    kind, _, event_text = query.data.removeprefix(BUTTON_PREFIX).partition(":")
    if not event_text.isdigit() or kind not in ("brief", "who"):
        await query.answer(translate(EXPIRED))
        return
    if not await in_a_chat(update, translate):
        return
    event_id = int(event_text)
    gate = context.engine

    def work(engine: Engine) -> str | None:
        event = engine.event(event_id)
        if event is None:
            return None
        if kind == "brief":
            return engine.renderer.briefing(
                engine.brief(event_id=event_id),
                "html",
                max_chars=MessageLimit.MAX_TEXT_LENGTH,
                translate=translate,
            )
        cards = []
        for name in event.people[:MAX_WHO_CARDS]:
            try:
                found = engine.who(name)
            except BriefingError:
                continue
            if found:
                cards.append(found[0])
        if not cards:
            return escape(translate("No one is named in this story."))
        title = translate("Who: {story}").format(story=event.title)
        return engine.renderer.people(cards, fmt="html", title=title, translate=translate)

    try:
        html = await gate.call(work)
    except BriefingError as error:
        await query.answer(engine_error_message(error).render(translate)[:200])
        return
    if html is None:
        await query.answer(translate("That story is no longer in the corpus."))
        return
    await query.answer()
    await reply(update, context.bot, html)


# -- helpers -----------------------------------------------------------------------------------
def _capitalised(text: str) -> str:
    """The first letter upper case, the rest as written (str.capitalize lowers "Mon Nov")."""
    return text[:1].upper() + text[1:]
