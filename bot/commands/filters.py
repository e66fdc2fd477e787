"""Filter commands: /filter (show, add, remove, clear) and /alerts (on, off).

A chat's filter narrows its digest and its instant alerts to matching articles (see
`bot.delivery.filters` for the terms, `bot.delivery.digests` and `bot.delivery.alerts` for their effect). In groups,
only administrators change them, checked as for /subscribe.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.commands.permissions import may_change
from bot.delivery.filters import (
    MAX_TERMS,
    ChatFilter,
    FilterError,
    Term,
    add_terms,
    clear_terms,
    parse_terms,
    remove_terms,
)
from bot.delivery.jobs import DigestRuntime, digest_runtime
from bot.replies import reply
from bot.runtime import BotContext
from bot.storage import SKIPPED
from bot.telegram_html import escape
from briefings.engine import iso_seconds

if TYPE_CHECKING:
    from briefings.engine import Engine

EXAMPLE = '/filter add election "West Bank" -sport'
HOW = (
    '<code>/filter add words…</code> adds words or "phrases in quotes" (any of them must '
    "appear), <code>-word</code> keeps articles with it out; <code>/filter remove words…</code>, "
    "<code>/filter clear</code>."
)
_ACTIONS = {
    "add": "add",
    "remove": "remove",
    "rm": "remove",
    "delete": "remove",
    "del": "remove",
    "clear": "clear",
    "reset": "clear",
    "show": "show",
}
_SWITCH = {"on": True, "off": False, "yes": True, "no": False, "1": True, "0": False}


def filter_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The handlers to add to the application's list."""
    return [
        CommandHandler("filter", filter_command),
        CommandHandler("alerts", alerts_command),
    ]


async def filter_command(update: Update, context: BotContext) -> None:
    """/filter [add|remove words… | clear]: show or change this chat's keyword filter."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    word, _, rest = _arguments(update).partition(" ")
    action = _ACTIONS.get(word.lower()) if word else "show"
    if action is None:
        await reply(
            update,
            context.bot,
            f"Say what to do with the filter: add, remove or clear, e.g. "
            f"<code>{escape(EXAMPLE)}</code>.\n{HOW}",
        )
        return
    current = await asyncio.to_thread(runtime.store.chat_filter, chat.id)
    if action == "show":
        await reply(update, context.bot, describe_filter(current))
        return
    missing: list[Term] = []
    try:
        if action == "clear":
            changed = clear_terms(current)
        elif action == "add":
            changed = add_terms(current, parse_terms(rest))
        else:
            changed, missing = remove_terms(current, parse_terms(rest))
    except FilterError as error:
        await reply(update, context.bot, f"{escape(str(error))}\n{HOW}")
        return
    if not await may_change(update, context, "filter"):
        return
    await asyncio.to_thread(runtime.store.save_filter, changed)
    lead = {"add": "Filter changed.", "remove": "Filter changed.", "clear": "Filter cleared."}
    text = lead[action]
    if missing:
        text += f" Not in the filter: {_term_list(missing)}."
    await reply(update, context.bot, f"{text}\n{describe_filter(changed)}")


async def alerts_command(update: Update, context: BotContext) -> None:
    """/alerts [on|off]: instant alerts in this chat for new articles matching its filter."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    word = _arguments(update).lower()
    current = await asyncio.to_thread(runtime.store.chat_filter, chat.id)
    if not word:
        await reply(update, context.bot, _alerts_text(current, runtime))
        return
    wanted = _SWITCH.get(word)
    if wanted is None:
        await reply(
            update, context.bot, "Usage: <code>/alerts on</code> or <code>/alerts off</code>."
        )
        return
    if not await may_change(update, context, "alerts"):
        return
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    if not wanted:
        changed = dataclasses.replace(current, alerts=False, alerts_since=None)
    elif current.alerts:
        changed = dataclasses.replace(current, alerts_thread_id=thread_id)  # moved to a topic
    else:
        changed = await _switch_on(runtime, current, thread_id)
    await asyncio.to_thread(runtime.store.save_filter, changed)
    await reply(update, context.bot, _alerts_text(changed, runtime))


async def _switch_on(
    runtime: DigestRuntime, current: ChatFilter, thread_id: int | None
) -> ChatFilter:
    """Alerts start with articles ingested from now on."""
    # The watermark trails by a second (whole-second timestamps); what that second already
    # holds is entered in the ledger as not to be alerted, so only later articles are.
    since = iso_seconds(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    boundary = await runtime.service.gate.call(lambda engine: _ingested_ids(engine, since))
    held = await asyncio.to_thread(runtime.store.claim_alerts, current.chat_id, boundary)
    await asyncio.to_thread(runtime.store.finish_alerts, current.chat_id, held, SKIPPED, None)
    return dataclasses.replace(current, alerts=True, alerts_since=since, alerts_thread_id=thread_id)


def describe_filter(chat_filter: ChatFilter) -> str:
    """The filter in words, as Telegram HTML (terms escaped)."""
    if not chat_filter.is_active:
        return (
            "This chat has no filter: its digest carries every new article.\n"
            f"Narrow it down, e.g. <code>{escape(EXAMPLE)}</code>.\n{HOW}"
        )
    lines = ["<b>Filter</b>"]
    include = [t for t in chat_filter.terms if not t.is_excluded]
    exclude = [t for t in chat_filter.terms if t.is_excluded]
    if include:
        lines.append(f"Only articles with any of: {_term_list(include)}")
    if exclude:
        lines.append(f"Never articles with: {_term_list(exclude)}")
    count = len(include) + len(exclude)
    lines.append(
        f"{count} of at most {MAX_TERMS} terms. Words match whatever their ending "
        "(elect, elected, election…) and case."
    )
    lines.append(
        f"Instant alerts: {'on (/alerts off)' if chat_filter.alerts else 'off (/alerts on)'}"
    )
    return "\n".join(lines)


def _alerts_text(chat_filter: ChatFilter, runtime: DigestRuntime) -> str:
    if not chat_filter.alerts:
        return (
            "Instant alerts are off here. <code>/alerts on</code> posts new articles matching "
            "this chat's /filter as they come in."
        )
    what = "matching this chat's /filter" if chat_filter.is_active else "(every one: no /filter)"
    text = (
        f"Instant alerts are on: new articles {what} come here as they arrive, one message "
        "a batch. <code>/alerts off</code> stops them."
    )
    if runtime.live is None or runtime.live.is_empty:
        text += (
            "\nNote: this bot polls no feed or folder (NEWSBOT_FEEDS, NEWSBOT_WATCH), "
            "so nothing new arrives yet."
        )
    return text


def _term_list(terms: list[Term]) -> str:
    return ", ".join(f"<code>{escape(term.label)}</code>" for term in terms)


def _arguments(update: Update) -> str:
    """The message text after the command (quotes kept, unlike context.args), spaces squeezed."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    return " ".join(text.split()[1:])


def _ingested_ids(engine: Engine, since: str) -> list[int]:
    return [article.id for article in engine.articles_ingested_since(since)]


__all__ = ["describe_filter", "filter_handlers"]
