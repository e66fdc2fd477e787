"""The bot's commands as users see them: /help, the command menus and usage lines.

`COMMANDS` feeds /help, setMyCommands (bot.commands.menus) and every usage line, so none
of them can drift from the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import BotCommand

from bot.i18n import ENGLISH, N_, Translator
from bot.telegram_html import escape


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
