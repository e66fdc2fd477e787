"""Handlers: one coroutine per command, each parsing its arguments, calling the engine, replying.

Handlers stay thin: blocking engine work runs through `context.engine.call(...)` (off the
event loop, one call at a time), rendering is the engine's, sending is `bot.replies`'.
Engine errors (`BriefingError`) and crashes both end in `on_error`, which answers the user.
The command table `COMMANDS` feeds /help and setMyCommands, so the two cannot drift apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.error import Conflict, RetryAfter, TelegramError
from telegram.ext import CallbackContext, ExtBot

from bot import health
from bot.commands.links import brief_payload, parse_payload, share_keyboard, who_payload
from bot.i18n import ENGLISH, N_, Translator
from bot.instance import stop_on_conflict
from bot.languages import chat_translator
from bot.network import PollingHealth, is_network_trouble, may_have_arrived, retry_seconds
from bot.replies import echo, reply, typing
from bot.telegram_html import escape
from briefings.errors import BriefingError

if TYPE_CHECKING:
    from bot.app import EngineGate
    from bot.config import Settings
    from briefings.engine import Engine

logger = logging.getLogger(__name__)
T = TypeVar("T")

ENGINE_KEY = "engine"
SETTINGS_KEY = "settings"
POLLING_KEY = "polling"
TOPIC_CALLBACK = "brief:t:"
# Long enough for any real query or name; longer arguments are junk and are refused politely.
MAX_ARGUMENT_CHARS = 200
MAX_TOPIC_BUTTONS = 24
SORRY = "Sorry, something went wrong on my side. Please try again in a minute."
FLOODED = (
    "Sorry, Telegram asked me to slow down for longer than I may wait, so your last request "
    "went unanswered. Please send it again."
)
EXPIRED = "This button has expired."
INLINE_BUTTON = "I can't post here. Open a chat with me and send /topics or /brief there."
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Command:
    """A command as users see it in /help and in Telegram's command menu."""

    name: str
    arguments: str
    description: str
    is_admin: bool = False
    """For the bot's admins (NEWSBOT_ADMINS) only: shown in their menu alone."""
    changes_chat: bool = False
    """Changes a chat's settings: in groups, for the group's administrators."""

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.arguments}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("start", "", N_("what this bot does")),
    Command("help", "", N_("every command, one line each")),
    Command(
        "brief",
        "[topic | query | YYYY-MM-DD]",
        N_("a sourced briefing: latest event, or by topic, words or day"),
    ),
    Command("who", "[name]", N_("who is who in the latest event, or everything about one person")),
    Command("events", "", N_("recent events, with a button for each")),
    Command("topics", "", N_("topics of the corpus, with a button for each")),
    Command("search", "<words>", N_("articles matching some words")),
    Command("sources", "", N_("the outlets and articles behind the briefings")),
    # --- digest commands (/subscribe, /unsubscribe, /settings) go here ---
    Command(
        "subscribe",
        "[HH:MM[,HH:MM…]] [Area/City] [daily|weekdays|weekly] [@channel]",
        N_("a digest of what is new, at the times of day you pick"),
        changes_chat=True,
    ),
    Command("unsubscribe", "[@channel]", N_("stop this chat's digest"), changes_chat=True),
    Command("settings", "[@channel]", N_("this chat's digest and when the next one comes")),
    Command(
        "filter",
        "[add|remove words… | clear]",
        N_("keep the digest to articles with some words, and without others (-word)"),
        changes_chat=True,
    ),
    Command(
        "alerts",
        "[on|off]",
        N_("new articles matching the filter, as they arrive"),
        changes_chat=True,
    ),  # fmt: skip
    Command("language", "[code]", N_("the language I answer in here"), changes_chat=True),
    Command("reingest", "", N_("re-read the corpus folders (admins)"), is_admin=True),
    Command("stats", "", N_("figures about the corpus (admins)"), is_admin=True),
    Command("status", "", N_("health: uptime, ingest, feeds, digests (admins)"), is_admin=True),
    Command(
        "feeds",
        "[add URL | remove URL|number | export | import]",
        N_("the RSS/Atom feeds I poll (admins)"),
        is_admin=True,
    ),
)
_BY_NAME = {command.name: command for command in COMMANDS}

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


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the bot's engine and settings at hand."""

    @property
    def engine(self) -> EngineGate:
        return self.bot_data[ENGINE_KEY]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS_KEY]  # type: ignore[no-any-return]


async def tr(update: Update, context: BotContext) -> Translator:
    """The language to answer this update in (the chat's choice, else the user's)."""
    return await chat_translator(update, context.bot_data)


def bot_commands(
    translate: Translator = ENGLISH, *, include: Callable[[Command], bool] | None = None
) -> list[BotCommand]:
    """A command menu for setMyCommands: the commands `include` keeps (all by default)."""
    return [
        BotCommand(command.name, translate(command.description))
        for command in COMMANDS
        if include is None or include(command)
    ]


def help_text(translate: Translator = ENGLISH) -> str:
    """/help: every command with its arguments and one line."""

    def line(command: Command) -> str:
        return f"{escape(command.usage)} — {escape(translate(command.description))}"

    public = [line(command) for command in COMMANDS if not command.is_admin]
    admin = [line(command) for command in COMMANDS if command.is_admin]
    heading, admins = translate("What I can do"), translate("For admins")
    return (
        f"<b>{heading}</b>\n"
        + "\n".join(public)
        + f"\n\n<b>{admins}</b>\n"
        + "\n".join(admin)
        + "\n\n"
        + translate("In groups, address me as /command@my_username.")
    )


def usage(name: str, problem: str = "", translate: Translator = ENGLISH) -> str:
    """A usage line for a command, after an optional (already escaped) problem."""
    command = _BY_NAME[name]
    lead = f"{problem}\n" if problem else ""
    label = translate("Usage:")
    return f"{lead}{label} <code>{escape(command.usage)}</code> — {escape(translate(command.description))}"


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
        from bot.commands.menus import register_admin_menu

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
        briefing = engine.brief(query=query, on_date=on_date, event_id=event_id)
        html = engine.renderer.briefing(
            briefing, fmt="html", max_chars=MessageLimit.MAX_TEXT_LENGTH, translate=translate
        )
        return html, briefing.event.id, briefing.headline

    html, found_event, headline = await _slow(update, context, work)
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

    await _answer(update, context, await _slow(update, context, work))


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

    html, found = await _slow(update, context, work)
    keyboard = share_keyboard(context.bot.username, who_payload(found), found, translate("Share"))
    await _answer(update, context, html, reply_markup=keyboard)


async def topics(update: Update, context: BotContext) -> None:
    """/topics: the corpus' topics, with a briefing button for each."""

    translate = await tr(update, context)

    def work(engine: Engine) -> tuple[str, list[str]]:
        found = engine.topics()
        html = engine.renderer.topics(found, fmt="html", translate=translate)
        return html, [topic.name for topic in found]

    html, names = await _slow(update, context, work)
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
    if not wanted.strip():  # no button of ours carries an empty topic
        await query.answer(EXPIRED)
        return
    if not await in_a_chat(update):
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

    translate = await tr(update, context)
    name, html = await context.engine.call(work)
    if name is None:
        await query.answer(translate("That topic is gone from the corpus: send /topics again."))
        return
    await query.answer(translate("Briefing on {topic}").format(topic=name)[:200])
    await _answer(update, context, html)


async def in_a_chat(update: Update) -> bool:
    """Whether a pressed button sits in a chat the answer can go to; if not, say so."""
    query = update.callback_query
    if query is None or update.effective_chat is not None:
        return True
    # A button under an inline message (sent via the bot into another chat): no chat to
    # post the answer in, so the press is answered with where to ask instead.
    await query.answer(INLINE_BUTTON, show_alert=True)
    return False


async def expired_button(update: Update, context: BotContext) -> None:
    """Any button no other handler takes (forged, or from an older version): say it expired."""
    query = update.callback_query
    if query is not None:
        logger.info("unknown button data %r", (query.data or "")[:64])
        await query.answer(EXPIRED)


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

    await _answer(update, context, await _slow(update, context, work))


async def sources(update: Update, context: BotContext) -> None:
    """/sources: the outlets and articles the briefings are built from."""

    translate = await tr(update, context)

    def work(engine: Engine) -> str:
        return engine.renderer.sources(engine.articles(), fmt="html", translate=translate)

    await _answer(update, context, await _slow(update, context, work))


# -- admins -----------------------------------------------------------------------------------
async def _is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    if context.settings.is_admin(user.id if user else None):
        return True
    translate = await tr(update, context)
    await _answer(update, context, translate("Sorry, this command is for admins."))
    return False


async def reingest(update: Update, context: BotContext) -> None:
    """/reingest (admins): re-read the corpus folders and report what changed."""
    if not await _is_admin(update, context):
        return
    folders = context.settings.corpus
    report = await _slow(update, context, lambda engine: engine.ingest(folders))
    lines = [
        f"<b>Re-read {len(folders)} folder(s)</b>",
        f"added {len(report.added)}, updated {len(report.updated)}, "
        f"unchanged {len(report.unchanged)}, rejected {len(report.rejected)}",
    ]
    lines += [f"• {echo(path)}: {escape(reason)}" for path, reason in report.rejected[:20]]
    await _answer(update, context, "\n".join(lines))


async def stats(update: Update, context: BotContext) -> None:
    """/stats (admins): how big the corpus is."""
    if not await _is_admin(update, context):
        return

    def work(engine: Engine) -> str:
        articles = engine.articles()
        english = sum(1 for article in articles if article.language == "en")
        outlets = {article.outlet for article in articles if article.outlet}
        return (
            "<b>Corpus</b>\n"
            f"articles: {len(articles)} ({english} in English)\n"
            f"outlets: {len(outlets)}\n"
            f"events: {len(engine.events())}\n"
            f"topics: {len(engine.topics())}"
        )

    await _answer(update, context, await _slow(update, context, work))


async def status(update: Update, context: BotContext) -> None:
    """/status (admins): uptime, corpus, last ingest, failing feeds, digests, template problems."""
    if not await _is_admin(update, context):
        return
    settings = context.settings
    corpus = await _slow(update, context, health.corpus_health)
    now = dt.datetime.now(dt.UTC)
    started_at = context.bot_data.get(health.STARTED_KEY, now)
    report = await asyncio.to_thread(
        health.read_health, corpus, started_at=started_at, now=now, settings=settings
    )
    await _answer(update, context, health.status_html(report, settings.tz))


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
    if isinstance(error, RetryAfter) and isinstance(update, Update):
        # Telegram's flood wait outlasted the budget: tell the chat once the wait is over,
        # without holding up the updates behind this one.
        wait = retry_seconds(error)
        logger.warning("update %s unanswered: flood wait of %.0f s", update.update_id, wait)
        context.application.create_task(_tell_later(update, context, FLOODED, wait))
        return
    if isinstance(error, BriefingError):
        logger.info("engine said: %s", error)
        text = escape(str(error))
    elif is_network_trouble(error) and isinstance(update, Update):
        logger.warning("update %s: Telegram could not be reached: %s", update.update_id, error)
        if may_have_arrived(error):
            return  # the answer may be in the chat already: an apology could follow it
        text = SORRY
    else:
        where = f"update {update.update_id}" if isinstance(update, Update) else "a job"
        logger.error("Unhandled error while handling %s", where, exc_info=error)
        text = SORRY
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


async def _slow(update: Update, context: BotContext, work: Callable[[Engine], T]) -> T:
    """Run blocking engine work while the chat shows "typing…"."""
    chat = update.effective_chat
    if chat is None:
        return await context.engine.call(work)
    message = update.effective_message
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    async with typing(context.bot, chat.id, thread_id):
        return await context.engine.call(work)
