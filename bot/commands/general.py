"""Reading commands: /start, /help, /brief, /who, /topics, /search, /sources; and the rest.

Over 400 lines: the reading commands share their argument parsing and error answers;
split, each module would import the others' helpers.

Handlers stay thin: blocking engine work runs through `context.engine.call(...)` (off the
event loop, one call at a time), rendering is the engine's, sending is `bot.replies`'.
Engine errors (`BriefingError`) and crashes both end in `on_error`, which answers the user.
Admin commands are in `bot.commands.admin`; the command table in `bot.commands.catalog`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.error import Conflict, RetryAfter, TelegramError

from bot.commands.catalog import COMMANDS, help_text, usage
from bot.commands.links import brief_payload, parse_payload, share_keyboard, who_payload
from bot.commands.menus import register_admin_menu
from bot.commands.refusals import Refusal, engine_error_message, explain_nothing
from bot.i18n import ENGLISH, N_, Translator
from bot.languages import chat_translator, tr
from bot.network import PollingHealth, is_network_trouble, may_have_arrived, retry_seconds
from bot.replies import reply, typing
from bot.runtime import POLLING_KEY, BotContext, stop_on_conflict
from bot.telegram_html import echo, escape
from briefings.engine import Engine
from briefings.errors import BriefingError, NothingToBrief

logger = logging.getLogger(__name__)
T = TypeVar("T")

TOPIC_CALLBACK = "brief:t:"
# Long enough for any real query or name; longer arguments are junk and are refused politely.
MAX_ARGUMENT_CHARS = 200
MAX_TOPIC_BUTTONS = 24
TOPICS_LISTED = 40
"""The most filed topics /topics lists (with how many more there are): a corpus of 100,000
articles files them under 1,800 topics, sixteen messages of them."""
SOURCES_OUTLETS = 12
SOURCES_ARTICLES = 3
"""/sources names the outlets most articles come from, each with its count and its latest
few articles, and how many outlets are left out: listed article by article, 10,000 articles
made 230 messages."""
SORRY = N_("Sorry, something went wrong on my side. Please try again in a minute.")
FLOODED = N_(
    "Sorry, Telegram asked me to slow down for longer than I may wait, so your last request "
    "went unanswered. Please send it again."
)
EXPIRED = N_("This button has expired.")
INLINE_BUTTON = N_("I can't post here. Open a chat with me and send /topics or /brief there.")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


WELCOME = N_(
    "<b>Hello! I turn a pile of news articles into short briefings, with sources.</b>\n\n"
    "Every line of a briefing says which outlets report it, so you can tell a fact many "
    "agree on from one outlet's claim.\n\n"
    "Try:\n"
    "/brief: the latest event\n"
    "/events: pick a recent event\n"
    "/who: who is who, and what each outlet calls them\n\n"
    "/help lists everything I can do."
)


def topic_callback(topic: str) -> str:
    """callback_data for a topic button, cut to Telegram's 64 bytes on a character boundary."""
    limit = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    data = f"{TOPIC_CALLBACK}{topic}".encode()[:limit]
    return data.decode("utf-8", errors="ignore")


def _argument(context: BotContext) -> str:
    return " ".join(context.args or ())


def _too_long(name: str, text: str, translate: Translator = ENGLISH) -> str | None:
    if len(text) <= MAX_ARGUMENT_CHARS:
        return None
    problem = translate("“{text}” is too long ({count} characters; at most {limit}).").format(
        text=echo(text), count=len(text), limit=MAX_ARGUMENT_CHARS
    )
    return usage(name, problem, translate)


async def _answer(update: Update, context: BotContext, html: str, **kwargs: Any) -> None:
    await reply(update, context.bot, html, **kwargs)


# -- everyone ---------------------------------------------------------------------------------
async def start(update: Update, context: BotContext) -> None:
    """Welcome the user, or open what a deep link names (?start=brief_12, ?start=who_Name)."""
    translate = await tr(update, context)
    user = update.effective_user
    if user is not None and context.settings.is_admin(user.id):
        # The admins' menu needs a chat with them: the first /start gives one.
        await register_admin_menu(context.bot, user.id)
    opened = parse_payload(context.args[0]) if context.args else None
    if opened is not None and opened[0] == "brief":
        await send_briefing(update, context, translate, event_id=int(opened[1]))
    elif opened is not None:
        await send_person(update, context, translate, opened[1])
    else:
        await _answer(update, context, translate(WELCOME))


async def help_command(update: Update, context: BotContext) -> None:
    """List every command with one line each."""
    await _answer(update, context, help_text(await tr(update, context)))


async def brief(update: Update, context: BotContext) -> None:
    """/brief [topic | query | YYYY-MM-DD]: a sourced briefing."""
    translate = await tr(update, context)
    text = _argument(context)
    if problem := _too_long("brief", text, translate):
        await _answer(update, context, problem)
        return
    on_date: dt.date | None = None
    if _ISO_DATE.fullmatch(text):
        try:
            on_date = dt.date.fromisoformat(text)
        except ValueError:
            problem = translate("{text} is not a date.").format(text=escape(text))
            await _answer(update, context, usage("brief", problem, translate))
            return
    query = text if text and on_date is None else None
    await send_briefing(update, context, translate, query=query, on_date=on_date)


async def send_briefing(
    update: Update,
    context: BotContext,
    translate: Translator,
    *,
    query: str | None = None,
    on_date: dt.date | None = None,
    event_id: int | None = None,
) -> None:
    """A briefing, with its "Share" button (a deep link to the same briefing)."""

    def work(engine: Engine) -> tuple[str, int, str]:
        try:
            briefing = engine.brief(query=query, on_date=on_date, event_id=event_id)
        except NothingToBrief as error:
            raise explain_nothing(engine, error, event_id=event_id, on_date=on_date) from error
        html = engine.renderer.briefing(
            briefing, fmt="html", max_chars=MessageLimit.MAX_TEXT_LENGTH, translate=translate
        )
        return html, briefing.event.id, briefing.headline

    html, found_event, headline = await slow(update, context, work)
    keyboard = share_keyboard(
        context.bot.username, brief_payload(found_event), headline, translate("Share")
    )
    await _answer(update, context, html, reply_markup=keyboard)


async def who(update: Update, context: BotContext) -> None:
    """/who [name]: the people of the latest event, or one person's card."""
    translate = await tr(update, context)
    name = _argument(context)
    if problem := _too_long("who", name, translate):
        await _answer(update, context, problem)
        return
    if name:
        await send_person(update, context, translate, name)
        return

    def work(engine: Engine) -> str:
        cards = engine.who(None)
        if not cards:
            return translate("No one to show yet: the latest event names no people.")
        return engine.renderer.people(
            cards, fmt="html", title=translate("People"), translate=translate
        )

    await _answer(update, context, await slow(update, context, work))


async def send_person(
    update: Update, context: BotContext, translate: Translator, name: str
) -> None:
    """One person's card: roles as each outlet gives them, and per event with its date."""

    def work(engine: Engine) -> tuple[str, str]:
        cards = engine.who(name)
        card = cards[0]
        html = engine.renderer.person(
            card, fmt="html", events=engine.roles_by_event(card), translate=translate
        )
        if len(cards) > 1:
            others = ", ".join(escape(other.name) for other in cards[1:6])
            html += "\n\n" + translate(
                "Also matching: {others}. Ask <code>/who full name</code> for one of them."
            ).format(others=others)
        return html, card.name

    html, found = await slow(update, context, work)
    keyboard = share_keyboard(context.bot.username, who_payload(found), found, translate("Share"))
    await _answer(update, context, html, reply_markup=keyboard)


async def topics(update: Update, context: BotContext) -> None:
    """/topics: the corpus' topics, with a briefing button for each."""

    translate = await tr(update, context)

    def work(engine: Engine) -> tuple[str, list[str]]:
        found = engine.topics()
        html = engine.renderer.topics(found, fmt="html", translate=translate, shown=TOPICS_LISTED)
        return html, [topic.name for topic in found]

    html, names = await slow(update, context, work)
    buttons = [
        InlineKeyboardButton(name, callback_data=topic_callback(name))
        for name in names[:MAX_TOPIC_BUTTONS]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await _answer(update, context, html, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def topic_button(update: Update, context: BotContext) -> None:
    """A topic button was pressed: answer the press, then send that topic's briefing."""
    query = update.callback_query
    assert query is not None and query.data is not None
    wanted = query.data.removeprefix(TOPIC_CALLBACK)
    translate = await tr(update, context)
    if not wanted.strip():  # no button of ours carries an empty topic
        await query.answer(translate(EXPIRED))
        return
    if not await in_a_chat(update, translate):
        return

    def work(engine: Engine) -> tuple[str | None, str]:
        names = [topic.name for topic in engine.topics()]
        # callback_data may have been cut to 64 bytes: the name then only starts with it.
        name = next((n for n in names if n == wanted), None) or next(
            (n for n in names if n.startswith(wanted)), None
        )
        if name is None:
            return None, ""
        briefing = engine.brief(query=name)
        return name, engine.renderer.briefing(
            briefing, fmt="html", max_chars=MessageLimit.MAX_TEXT_LENGTH, translate=translate
        )

    name, html = await context.engine.call(work)
    if name is None:
        await query.answer(translate("That topic is gone from the corpus: send /topics again."))
        return
    await query.answer(translate("Briefing on {topic}").format(topic=name)[:200])
    await _answer(update, context, html)


async def in_a_chat(update: Update, translate: Translator = ENGLISH) -> bool:
    """Whether a pressed button sits in a chat the answer can go to; if not, say so."""
    query = update.callback_query
    if query is None or update.effective_chat is not None:
        return True
    # A button under an inline message (sent via the bot into another chat): no chat to
    # post the answer in, so the press is answered with where to ask instead.
    await query.answer(translate(INLINE_BUTTON), show_alert=True)
    return False


async def expired_button(update: Update, context: BotContext) -> None:
    """Any button no other handler takes (forged, or from an older version): say it expired."""
    query = update.callback_query
    if query is not None:
        logger.info("unknown button data %r", (query.data or "")[:64])
        await query.answer((await tr(update, context))(EXPIRED))


async def search(update: Update, context: BotContext) -> None:
    """/search <words>: articles matching the words."""
    translate = await tr(update, context)
    words = _argument(context)
    if not words:
        await _answer(
            update, context, usage("search", translate("What should I look for?"), translate)
        )
        return
    if problem := _too_long("search", words, translate):
        await _answer(update, context, problem)
        return

    def work(engine: Engine) -> str:
        return engine.renderer.search(words, engine.search(words), fmt="html", translate=translate)

    await _answer(update, context, await slow(update, context, work))


async def sources(update: Update, context: BotContext) -> None:
    """/sources: the outlets and articles the briefings are built from."""

    translate = await tr(update, context)

    def work(engine: Engine) -> str:
        overview = engine.sources_overview(SOURCES_OUTLETS, SOURCES_ARTICLES)
        return engine.renderer.sources_overview(overview, fmt="html", translate=translate)

    await _answer(update, context, await slow(update, context, work))


# -- everything else --------------------------------------------------------------------------
async def unknown_command(update: Update, context: BotContext) -> None:
    """A command no handler took: say so and point at /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    word = message.text.split(maxsplit=1)[0]
    command, _, addressee = word.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    if not addressee and message.chat.type != message.chat.PRIVATE:
        return  # in a group, a bare unknown command is likely another bot's
    if message.chat.type == message.chat.CHANNEL:
        return  # in a channel, only the digest commands are answered (bot.commands.channels)
    translate = await tr(update, context)
    known = " ".join(f"/{c.name}" for c in COMMANDS if not c.is_admin and c.name != "start")
    await _answer(
        update,
        context,
        translate("I don't know {command}. I understand: {known}\nSee /help for what each does.")
        .format(command=echo(command, 40), known=known),
    )  # fmt: skip


async def plain_text(update: Update, context: BotContext) -> None:
    """Text that is not a command, in a private chat: say how to talk to the bot."""
    translate = await tr(update, context)
    await _answer(
        update,
        context,
        translate(
            "I answer commands: /brief for the latest briefing, "
            "<code>/search words</code> to look something up, /help for the rest."
        ),
    )


async def on_error(update: object, context: BotContext) -> None:
    """Turn engine errors into their message and anything else into an apology plus a log."""
    error = context.error
    if isinstance(error, Conflict):
        # Another process polls with our token: say so once and stop, rather than retry forever.
        stop_on_conflict(context.application)
        return
    if update is None and is_network_trouble(error):
        # A failed poll: bot.network.PollingHealth logs the run of them, once.
        polling: PollingHealth | None = context.bot_data.get(POLLING_KEY)
        if polling is None or not polling.is_failing:
            logger.warning("Telegram could not be reached: %s", error)
        return
    translate = (
        await chat_translator(update, context.bot_data) if isinstance(update, Update) else ENGLISH
    )
    if isinstance(error, RetryAfter) and isinstance(update, Update):
        # Telegram's flood wait outlasted the budget: tell the chat once the wait is over,
        # without holding up the updates behind this one.
        wait = retry_seconds(error)
        logger.warning("update %s unanswered: flood wait of %.0f s", update.update_id, wait)
        context.application.create_task(_tell_later(update, context, translate(FLOODED), wait))
        return
    if isinstance(error, Refusal):
        logger.info("refused: %s", error)
        text = escape(error.message.render(translate))
    elif isinstance(error, BriefingError):
        logger.info("engine said: %s", error)
        text = escape(engine_error_message(error).render(translate))
    elif is_network_trouble(error) and isinstance(update, Update):
        logger.warning("update %s: Telegram could not be reached: %s", update.update_id, error)
        if may_have_arrived(error):
            return  # the answer may be in the chat already: an apology could follow it
        text = translate(SORRY)
    else:
        where = f"update {update.update_id}" if isinstance(update, Update) else "a job"
        logger.error("Unhandled error while handling %s", where, exc_info=error)
        text = translate(SORRY)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    await _tell(update, context, text)


async def _tell(update: Update, context: BotContext, text: str) -> None:
    """Answer a pressed button (if any) and send `text` to the update's chat, once."""
    if update.effective_chat is None:
        return
    if update.callback_query is not None:
        # It may be answered already, or too old to answer.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await reply(update, context.bot, text)
    except TelegramError as send_error:
        logger.warning(
            "could not tell chat %s about an error: %s", update.effective_chat.id, send_error
        )


async def _tell_later(update: Update, context: BotContext, text: str, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await _tell(update, context, text)


async def slow(
    update: Update, context: BotContext, work: Callable[[Engine], T], *, writes: bool = False
) -> T:
    """Run blocking engine work while the chat shows "typing…".

    `writes`: an ingest, run on the gate's writing engine so that others' answers go on.
    """
    run = context.engine.write if writes else context.engine.call
    chat = update.effective_chat
    if chat is None:
        return await run(work)
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    async with typing(context.bot, chat.id, thread_id):
        return await run(work)
