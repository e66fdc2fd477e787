"""Handlers, in process: the real Application polling the local Bot API server.

The engine is the real one over the shipped seeds, ingested once per module into a SQLite
file in a temporary folder; a few tests swap in a stub engine to provoke failures.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, CommandHandler

from bot.app import build_application
from bot.commands.general import COMMANDS, MAX_ARGUMENT_CHARS, SORRY, help_text, topic_callback
from bot.config import Settings
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.logging_setup import TokenFilter
from bot.telegram_html import validate_telegram_html, visible_length
from briefings.engine import Engine
from briefings.errors import PersonNotFound
from tests.bot.support import running

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ADMIN = 4242
USER = 1001
GROUP = -1001234567890
BOT_USERNAME = "newsbot_local_bot"
JUNK = "<script>alert('x')</script>" + "junk & more " * 250  # about 3,000 characters


@pytest.fixture(scope="module")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The real engine with the shipped seeds ingested (once per module)."""
    engine = Engine(tmp_path_factory.mktemp("db") / "news.db")
    engine.ingest([SEEDS])
    yield engine
    engine.close()


def settings_for(api: LocalBotApi, tmp_path: Path) -> Settings:
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=api.base_url,
        file_url=api.base_file_url,
        db_path=tmp_path / "unused.db",
        corpus=(),
        admins=frozenset({ADMIN}),
    )


@pytest.fixture
async def bot_app(
    local_api: LocalBotApi, seeded_engine: Engine, tmp_path: Path
) -> AsyncIterator[Application]:
    application = build_application(settings_for(local_api, tmp_path), engine=seeded_engine)
    async with running(application):
        yield application


async def ask(
    api: LocalBotApi, chat_id: int, text: str, count: int = 1, **user: Any
) -> list[dict[str, Any]]:
    """Send `text` as a user and return the next `count` bot messages in that chat."""
    before = len(api.messages(chat_id))
    api.send_user_message(chat_id, text, **user)
    found = await api.await_messages(chat_id, before + count, timeout=15)
    for message in found[before:]:
        validate_telegram_html(message["text"])
        assert visible_length(message["text"]) <= 4096
    return found[before:]


def registered_commands(application: Application) -> set[str]:
    return {
        command
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


# -- commands everyone can use --------------------------------------------------------------
async def test_start_says_what_the_bot_does(local_api: LocalBotApi, bot_app: Application) -> None:
    [welcome] = await ask(local_api, USER, "/start")
    assert welcome["visible_text"].startswith("Hello! I turn a pile of news articles")
    assert "/brief" in welcome["visible_text"] and "/help" in welcome["visible_text"]


async def test_every_registered_command_is_in_help_and_in_the_command_menu(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    commands = registered_commands(bot_app)
    [answer] = await ask(local_api, USER, "/help")
    assert answer["text"] == help_text()
    for command in commands:
        assert f"/{command}" in answer["visible_text"], command
    assert commands == {command.name for command in COMMANDS}
    # Everyone's menu has what they can use; the admins' own menu (set at their first
    # /start: Telegram knows no chat with them before) adds the admin commands.
    public = {c.name for c in COMMANDS if not c.is_admin}
    assert {entry["command"] for entry in local_api.commands} == public
    await ask(local_api, ADMIN, "/start")
    admin_menu = local_api.commands_for({"type": "chat", "chat_id": ADMIN})
    assert {entry["command"] for entry in admin_menu} == commands


async def test_group_menus_by_scope(local_api: LocalBotApi, bot_app: Application) -> None:
    def menu(scope: str, language: str = "") -> set[str]:
        return {e["command"] for e in local_api.commands_for({"type": scope}, language)}

    changes_chat = {c.name for c in COMMANDS if c.changes_chat}
    assert changes_chat <= menu("all_chat_administrators")
    assert not changes_chat & menu("all_group_chats")
    assert menu("all_group_chats") < menu("all_chat_administrators") <= menu("all_private_chats")
    assert not {c.name for c in COMMANDS if c.is_admin} & menu("all_chat_administrators")
    # The same menus in every language with a catalog, descriptions translated.
    russian = local_api.commands_for({"type": "all_private_chats"}, "ru")
    english = local_api.commands_for({"type": "all_private_chats"})
    assert [e["command"] for e in russian] == [e["command"] for e in english]
    assert russian != english


async def test_brief_gives_a_briefing_with_sources(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    answer = await ask(local_api, USER, "/brief")
    text = "\n".join(message["visible_text"] for message in answer)
    assert "Netanyahu" in text and "Putin" in text
    # every item ends with numbered markers; the sources list names the outlets once each
    assert re.search(r"\. (\[\d+\])+$", text, re.MULTILINE)
    assert re.search(r"^\[\d+\] (AFP|TASS) · ", text, re.MULTILINE)
    assert local_api.calls("sendChatAction"), "slow work shows a typing action"


async def test_brief_on_a_day(local_api: LocalBotApi, bot_app: Application) -> None:
    answer = await ask(local_api, USER, "/brief 2019-09-12")
    assert "Netanyahu" in answer[0]["visible_text"]


@pytest.mark.parametrize(
    ("argument", "answer"),
    [
        # shaped like a date, but not one
        (
            "2019-02-30",
            "2019-02-30 is not a date.\n"
            "Usage: /brief [topic | query | YYYY-MM-DD] — "
            "a sourced briefing: latest event, or by topic, words or day",
        ),
        # 3,000 characters of junk: answered, echoed escaped and shortened
        (
            JUNK,
            "“<script>alert('x')</script>junk & more junk & more junk & more junk & more junk…”"
            f" is too long ({len(JUNK.strip())} characters; at most {MAX_ARGUMENT_CHARS}).\n"
            "Usage: /brief [topic | query | YYYY-MM-DD] — "
            "a sourced briefing: latest event, or by topic, words or day",
        ),
    ],
)
async def test_brief_bad_arguments_get_a_usage_line(
    local_api: LocalBotApi, bot_app: Application, argument: str, answer: str
) -> None:
    [message] = await ask(local_api, USER, f"/brief {argument}")
    assert message["visible_text"] == answer
    assert "<script>" not in message["text"]


async def test_who_shows_a_person_with_role(local_api: LocalBotApi, bot_app: Application) -> None:
    [card] = await ask(local_api, USER, "/who Shoigu")
    assert "Sergei Shoigu" in card["visible_text"]
    assert "Defense Minister" in card["visible_text"]


async def test_who_without_name_lists_the_latest_event_people(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    answer = await ask(local_api, USER, "/who")
    text = "\n".join(message["visible_text"] for message in answer)
    assert "Benjamin Netanyahu" in text and "Vladimir Putin" in text


async def test_who_unknown_name_says_so(local_api: LocalBotApi, bot_app: Application) -> None:
    [answer] = await ask(local_api, USER, "/who <b>Nobody Atall</b>")
    assert answer["visible_text"].startswith("No one called “<b>Nobody Atall</b>” in the corpus")


async def test_topics_buttons_brief_on_the_topic_pressed(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    [listing] = await ask(local_api, USER, "/topics")
    assert listing["visible_text"].startswith("Topics")
    buttons = [button for row in listing["reply_markup"]["inline_keyboard"] for button in row]
    assert buttons
    assert all(len(button["callback_data"].encode()) <= 64 for button in buttons)
    assert all(button["callback_data"].startswith("brief:t:") for button in buttons)

    before = len(local_api.messages(USER))
    update = local_api.press_button(USER, listing["message_id"], buttons[0]["callback_data"])
    found = await local_api.await_messages(USER, before + 1, timeout=15)
    assert "Netanyahu" in found[before]["visible_text"]
    answer = local_api.callback_answer(update["callback_query"]["id"])
    assert answer is not None and answer["text"] == f"Briefing on {buttons[0]['text']}"


@pytest.mark.parametrize(
    ("topic", "data"),
    [
        ("diplomacy", "brief:t:diplomacy"),
        # cut to 64 bytes, never inside a character
        ("é" * 40, "brief:t:" + "é" * 28),
    ],
)
def test_topic_callback_fits_in_64_bytes(topic: str, data: str) -> None:
    assert topic_callback(topic) == data


async def test_search_lists_matching_articles(local_api: LocalBotApi, bot_app: Application) -> None:
    [answer] = await ask(local_api, USER, "/search Sochi")
    assert answer["visible_text"].startswith("Search: Sochi")
    assert "Nothing matches." not in answer["visible_text"]


async def test_search_without_words_gets_usage(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    [answer] = await ask(local_api, USER, "/search")
    assert answer["visible_text"] == (
        "What should I look for?\nUsage: /search <words> — articles matching some words"
    )


async def test_sources_lists_the_outlets(local_api: LocalBotApi, bot_app: Application) -> None:
    answer = await ask(local_api, USER, "/sources")
    assert answer[0]["visible_text"].startswith("Sources")


async def test_a_big_corpus_gets_its_topics_and_sources_in_brief(
    local_api: LocalBotApi, bot_app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/topics lists the most filed topics and counts the rest; /sources the outlets most
    articles come from, with their latest articles, and counts the rest (here the seeds'
    few, with the bounds lowered)."""
    from bot.commands import general

    monkeypatch.setattr(general, "TOPICS_LISTED", 2)
    monkeypatch.setattr(general, "SOURCES_OUTLETS", 1)
    monkeypatch.setattr(general, "SOURCES_ARTICLES", 1)
    [listing] = await ask(local_api, USER, "/topics")
    lines = listing["visible_text"].splitlines()
    assert len([line for line in lines if line.startswith("• ")]) == 2
    assert lines[-1].startswith("More topics: ")
    buttons = [button for row in listing["reply_markup"]["inline_keyboard"] for button in row]
    assert len(buttons) > 2  # every topic still has its button
    [sources] = await ask(local_api, USER, "/sources")
    shown = sources["visible_text"]
    assert "the latest:" in shown and "More outlets: " in shown.splitlines()[-1]


async def test_unknown_command_points_to_help(local_api: LocalBotApi, bot_app: Application) -> None:
    [answer] = await ask(local_api, USER, "/frobnicate now")
    public = " ".join(f"/{c.name}" for c in COMMANDS if not c.is_admin and c.name != "start")
    assert answer["visible_text"] == (
        f"I don't know /frobnicate. I understand: {public}\nSee /help for what each does."
    )


async def test_plain_text_in_private_gets_a_hint(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    [answer] = await ask(local_api, USER, "hello there")
    assert answer["visible_text"].startswith("I answer commands: /brief")


# -- groups ---------------------------------------------------------------------------------
async def test_command_addressed_to_the_bot_works_in_a_group(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    answer = await ask(local_api, GROUP, f"/brief@{BOT_USERNAME}", user_id=USER)
    assert "Netanyahu" in answer[0]["visible_text"]


async def test_commands_for_other_bots_are_ignored_in_a_group(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    local_api.send_user_message(GROUP, "/brief@some_other_bot", user_id=USER)
    local_api.send_user_message(GROUP, "/frobnicate", user_id=USER)
    # the next answer in the group is the one to /help: the two above were skipped
    [answer] = await ask(local_api, GROUP, f"/help@{BOT_USERNAME}", user_id=USER)
    assert answer["text"] == help_text()


# -- admins ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["/stats", "/reingest"])
async def test_admin_commands_refuse_others(
    local_api: LocalBotApi, bot_app: Application, command: str
) -> None:
    [answer] = await ask(local_api, USER, command)
    assert answer["visible_text"] == "Sorry, this command is for admins."


async def test_stats_for_an_admin(local_api: LocalBotApi, bot_app: Application) -> None:
    [answer] = await ask(local_api, ADMIN, "/stats")
    assert answer["visible_text"].startswith("Corpus\narticles: 5 (5 in English)\n")


async def test_reingest_for_an_admin_reports_nothing_new(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    [answer] = await ask(local_api, ADMIN, "/reingest")
    # the test settings have no corpus folders
    assert answer["visible_text"] == (
        "Re-read 0 folders\nadded 0, updated 0, unchanged 0, rejected 0"
    )


# -- flood control --------------------------------------------------------------------------
async def test_a_burst_through_429_gets_every_answer(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    parts = len(await ask(local_api, USER, "/brief"))
    local_api.fail_next("sendMessage", status=429, retry_after=1)
    before = len(local_api.messages(USER))
    for _ in range(6):
        local_api.send_user_message(USER, "/brief")
    found = await local_api.await_messages(USER, before + 6 * parts, timeout=30)
    assert len(found) == before + 6 * parts
    assert [call["status"] for call in local_api.calls("sendMessage")].count(429) == 1


# -- failures -------------------------------------------------------------------------------
class StubEngine(Engine):
    """A real (empty) engine whose briefings fail the way it is told to."""

    def __init__(self, db_path: Path, error: Exception) -> None:
        super().__init__(db_path)
        self.error = error

    def brief(self, *_: Any, **__: Any) -> Any:
        raise self.error

    def who(self, name: str | None = None) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "command", "answer", "is_logged_with_traceback"),
    [
        # a crash: the user gets an apology, the log the traceback
        (RuntimeError("disk on fire"), "/brief", SORRY, True),
        # an engine error: its message is the answer, escaped
        (
            PersonNotFound("<i>Smith</i>", ["John Smith", "Jane Smith"]),
            "/who Smith",
            "No one called “<i>Smith</i>” in the corpus; did you mean John Smith, Jane Smith?",
            False,
        ),
    ],
)
async def test_errors_are_answered(
    local_api: LocalBotApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    command: str,
    answer: str,
    is_logged_with_traceback: bool,
) -> None:
    with StubEngine(tmp_path / "stub.db", error) as engine:
        application = build_application(settings_for(local_api, tmp_path), engine=engine)
        async with running(application):
            [message] = await ask(local_api, USER, command)
    assert message["visible_text"] == answer
    assert ("Traceback" in caplog.text) is is_logged_with_traceback


async def test_token_never_reaches_the_log(
    local_api: LocalBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(TokenFilter(EXAMPLE_TOKEN))
    crash = RuntimeError(f"request to /bot{EXAMPLE_TOKEN}/sendMessage failed")
    with StubEngine(tmp_path / "stub.db", crash) as engine:
        application = build_application(settings_for(local_api, tmp_path), engine=engine)
        async with running(application):
            await ask(local_api, USER, "/brief")
    assert "getUpdates" in caplog.text and "Traceback" in caplog.text
    assert EXAMPLE_TOKEN.split(":")[1] not in caplog.text
