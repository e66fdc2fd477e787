"""/events: recent events as buttons; press one for its briefing."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands.general import send_briefing
from bot.languages import tr
from bot.replies import reply
from bot.runtime import BotContext
from bot.telegram_html import escape
from briefings.engine import Engine

EVENT_CALLBACK = "ev:"
MAX_EVENTS = 10
MAX_PRINCIPALS = 2


def event_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("events", events),
        CallbackQueryHandler(event_button, pattern=f"^{EVENT_CALLBACK}"),
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
