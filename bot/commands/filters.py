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
from bot.i18n import ENGLISH, N_, Translator
from bot.languages import setter_language, tr
from bot.replies import reply
from bot.runtime import BotContext
from bot.storage import SKIPPED
from bot.telegram_html import escape
from briefings.engine import iso_seconds

if TYPE_CHECKING:
    from briefings.engine import Engine

EXAMPLE = '/filter add election "climate summit" -sport'
HOW = N_(
    '{add} adds words or "phrases in quotes" (any of them must appear), {minus} keeps '
    "articles with it out; {remove}, {clear}."
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
    translate = await tr(update, context)
    word, _, rest = _arguments(update).partition(" ")
    action = _ACTIONS.get(word.lower()) if word else "show"
    if action is None:
        text = translate("Say what to do with the filter: add, remove or clear, e.g. {example}.")
        example = f"<code>{escape(EXAMPLE)}</code>"
        await reply(update, context.bot, f"{text.format(example=example)}\n{_how(translate)}")
        return
    current = await asyncio.to_thread(runtime.store.chat_filter, chat.id)
    if action == "show":
        await reply(update, context.bot, describe_filter(current, translate))
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
        problem = escape(error.message.render(translate))
        await reply(update, context.bot, f"{problem}\n{_how(translate)}")
        return
    if not await may_change(update, context, "filter"):
        return
    changed = dataclasses.replace(changed, language=await setter_language(update, context.bot_data))
    await asyncio.to_thread(runtime.store.save_filter, changed)
    text = translate("Filter cleared.") if action == "clear" else translate("Filter changed.")
    if missing:
        text += " " + translate("Not in the filter: {terms}.").format(terms=_term_list(missing))
    await reply(update, context.bot, f"{text}\n{describe_filter(changed, translate)}")


async def alerts_command(update: Update, context: BotContext) -> None:
    """/alerts [on|off]: instant alerts in this chat for new articles matching its filter."""
    runtime = digest_runtime(context)
    chat = update.effective_chat
    if runtime is None or chat is None:
        return
    translate = await tr(update, context)
    word = _arguments(update).lower()
    current = await asyncio.to_thread(runtime.store.chat_filter, chat.id)
    if not word:
        await reply(update, context.bot, _alerts_text(current, runtime, translate))
        return
    wanted = _SWITCH.get(word)
    if wanted is None:
        await reply(
            update,
            context.bot,
            translate("Usage: {on} or {off}.").format(
                on="<code>/alerts on</code>", off="<code>/alerts off</code>"
            ),
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
    changed = dataclasses.replace(changed, language=await setter_language(update, context.bot_data))
    await asyncio.to_thread(runtime.store.save_filter, changed)
    await reply(update, context.bot, _alerts_text(changed, runtime, translate))


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


def describe_filter(chat_filter: ChatFilter, translate: Translator = ENGLISH) -> str:
    """The filter in words, as Telegram HTML (terms escaped)."""
    if not chat_filter.is_active:
        lead = translate(
            "This chat has no filter: its digest carries every new article.\n"
            "Narrow it down, e.g. {example}."
        ).format(example=f"<code>{escape(EXAMPLE)}</code>")
        return f"{lead}\n{_how(translate)}"
    lines = ["<b>{}</b>".format(translate("Filter"))]
    include = [t for t in chat_filter.terms if not t.is_excluded]
    exclude = [t for t in chat_filter.terms if t.is_excluded]
    if include:
        lines.append(
            translate("Only articles with any of: {terms}").format(terms=_term_list(include))
        )
    if exclude:
        lines.append(translate("Never articles with: {terms}").format(terms=_term_list(exclude)))
    count = len(include) + len(exclude)
    lines.append(
        translate(
            "{count} of at most {limit} terms. Words match whatever their ending "
            "(elect, elected, election…) and case."
        ).format(count=count, limit=MAX_TERMS)
    )
    lines.append(
        translate("Instant alerts: on (/alerts off)")
        if chat_filter.alerts
        else translate("Instant alerts: off (/alerts on)")
    )
    return "\n".join(lines)


def _how(translate: Translator) -> str:
    """How to change a filter, as Telegram HTML."""
    return translate(HOW).format(
        add="<code>/filter add words…</code>",
        minus="<code>-word</code>",
        remove="<code>/filter remove words…</code>",
        clear="<code>/filter clear</code>",
    )


def _alerts_text(chat_filter: ChatFilter, runtime: DigestRuntime, translate: Translator) -> str:
    if not chat_filter.alerts:
        return translate(
            "Instant alerts are off here. {command} posts new articles matching "
            "this chat's /filter as they come in."
        ).format(command="<code>/alerts on</code>")
    if chat_filter.is_active:
        text = translate(
            "Instant alerts are on: new articles matching this chat's /filter come here as "
            "they arrive, one message a batch. {command} stops them."
        )
    else:
        text = translate(
            "Instant alerts are on: new articles (every one: no /filter) come here as they "
            "arrive, one message a batch. {command} stops them."
        )
    text = text.format(command="<code>/alerts off</code>")
    if runtime.live is None or runtime.live.is_empty:
        text += "\n" + translate(
            "Note: this bot polls no feed or folder (NEWSBOT_FEEDS, NEWSBOT_WATCH), "
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
