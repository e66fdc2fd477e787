"""End to end: the real `python -m bot` process, polling the local Bot API server.

One bot process serves the whole module (starting it ingests the seeds); each test talks in
its own chat so the tests do not read each other's answers. The process logs at DEBUG to a
file, which the last test searches for the token.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands.general import COMMANDS
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.telegram_html import validate_telegram_html, visible_length

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
ADMIN = 777
BOT_USERNAME = "newsbot_local_bot"
START_TIMEOUT = 60


class LiveBot:
    """The bot process and the fake Telegram it talks to."""

    def __init__(self, api: LocalBotApi, process: subprocess.Popen[bytes], log: Path) -> None:
        self.api = api
        self.process = process
        self.log = log

    def ask(self, chat_id: int, text: str, count: int = 1, **user: Any) -> list[dict[str, Any]]:
        """Send `text` as a user; return the next `count` bot messages in that chat."""
        before = len(self.api.messages(chat_id))
        self.api.send_user_message(chat_id, text, **user)
        found = self.api.wait_for_messages(chat_id, before + count, timeout=20)[before:]
        for message in found:
            validate_telegram_html(message["text"])
            assert visible_length(message["text"]) <= 4096
        return found


def bot_environment(api: LocalBotApi, db: Path) -> dict[str, str]:
    # Start from a clean slate: no variable of the developer's own bot may leak in.
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NEWSBOT_", "WEBHOOK_")) and key != "PORT"
    }
    environ.update(
        TELEGRAM_BOT_TOKEN=EXAMPLE_TOKEN,
        TELEGRAM_API_URL=api.base_url,
        NEWSBOT_DB=str(db),
        NEWSBOT_CORPUS=str(SEEDS),
        NEWSBOT_ADMINS=str(ADMIN),
        LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
        # Run this source tree, whatever is installed (the process runs in a temporary folder).
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    )
    return environ


@pytest.fixture(scope="module")
def live_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    """`python -m bot` running against a local Bot API server, for the whole module."""
    workdir = tmp_path_factory.mktemp("live")  # no .env there
    log = workdir / "bot.log"
    with LocalBotApi() as api, log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=workdir,
            env=bot_environment(api, workdir / "news.db"),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            # setMyCommands is the last step of start-up; polling begins right after.
            api.wait_for_calls("setMyCommands", timeout=START_TIMEOUT)
            yield LiveBot(api, process, log)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_start_registers_the_command_menu(live_bot: LiveBot) -> None:
    menu = [(entry["command"], entry["description"]) for entry in live_bot.api.commands]
    everyone = [(c.name, c.description) for c in COMMANDS if not c.is_admin]
    assert menu == everyone
    # The admin never wrote to the bot: their menu comes with their first /start.
    admin_scope = {"type": "chat", "chat_id": ADMIN}
    assert live_bot.api.commands_for(admin_scope) == []
    live_bot.ask(ADMIN, "/start")
    admin_menu = [entry["command"] for entry in live_bot.api.commands_for(admin_scope)]
    assert admin_menu == [c.name for c in COMMANDS]


def test_start_and_help(live_bot: LiveBot) -> None:
    [welcome] = live_bot.ask(101, "/start")
    assert welcome["visible_text"].startswith("Hello!")
    [help_message] = live_bot.ask(101, "/help")
    for entry in live_bot.api.commands:
        assert f"/{entry['command']}" in help_message["visible_text"]


def test_brief_with_sources(live_bot: LiveBot) -> None:
    answer = live_bot.ask(102, "/brief")
    text = "\n".join(message["visible_text"] for message in answer)
    assert "Netanyahu" in text
    # numbered markers after each item, the outlets once each in the sources list
    assert re.search(r"\. (\[\d+\])+$", text, re.MULTILINE)
    assert re.search(r"^\[\d+\] (AFP|TASS) · ", text, re.MULTILINE)
    assert all(message["parse_mode"] == "HTML" for message in answer)


def test_who_shoigu(live_bot: LiveBot) -> None:
    [card] = live_bot.ask(103, "/who Shoigu")
    assert "Sergei Shoigu" in card["visible_text"]
    assert "Defense Minister" in card["visible_text"]


def test_topics_and_pressing_a_button(live_bot: LiveBot) -> None:
    [listing] = live_bot.ask(104, "/topics")
    button = listing["reply_markup"]["inline_keyboard"][0][0]
    before = len(live_bot.api.messages(104))
    update = live_bot.api.press_button(104, listing["message_id"], button["callback_data"])
    briefing = live_bot.api.wait_for_messages(104, before + 1, timeout=20)[before]
    assert "Netanyahu" in briefing["visible_text"]
    answer = live_bot.api.callback_answer(update["callback_query"]["id"])
    assert answer is not None and answer["text"] == f"Briefing on {button['text']}"


def test_search(live_bot: LiveBot) -> None:
    [answer] = live_bot.ask(105, "/search Sochi")
    assert answer["visible_text"].startswith("Search: Sochi")
    assert "Nothing matches." not in answer["visible_text"]


def test_unknown_command(live_bot: LiveBot) -> None:
    [answer] = live_bot.ask(106, "/weather")
    assert answer["visible_text"].startswith("I don't know /weather.")
    assert "/help" in answer["visible_text"]


def test_junk_argument_is_answered_escaped(live_bot: LiveBot) -> None:
    junk = "<script>alert(1)</script>" + "x" * 3000
    [answer] = live_bot.ask(107, f"/search {junk}")
    assert answer["text"].startswith("“&lt;script&gt;alert(1)&lt;/script&gt;xxx")
    assert "is too long (3025 characters; at most 200)" in answer["visible_text"]


def test_brief_addressed_to_the_bot_in_a_group(live_bot: LiveBot) -> None:
    answer = live_bot.ask(-1009876543210, f"/brief@{BOT_USERNAME}", user_id=108)
    assert "Netanyahu" in answer[0]["visible_text"]


def test_admin_only_commands(live_bot: LiveBot) -> None:
    [refused] = live_bot.ask(109, "/stats")
    assert refused["visible_text"] == "Sorry, this command is for admins."
    [figures] = live_bot.ask(ADMIN, "/stats")
    assert figures["visible_text"].startswith("Corpus\narticles: 5 ")


def test_burst_through_a_429_gets_six_answers(live_bot: LiveBot) -> None:
    api = live_bot.api
    parts = len(live_bot.ask(110, "/brief"))
    failed_before = [call["status"] for call in api.calls("sendMessage")].count(429)
    api.fail_next("sendMessage", status=429, retry_after=1)
    before = len(api.messages(110))
    for _ in range(6):
        api.send_user_message(110, "/brief")
    found = api.wait_for_messages(110, before + 6 * parts, timeout=40)
    assert len(found) == before + 6 * parts
    assert [call["status"] for call in api.calls("sendMessage")].count(429) == failed_before + 1


def test_token_is_absent_from_the_log(live_bot: LiveBot) -> None:
    log = live_bot.log.read_text(encoding="utf-8", errors="replace")
    assert "getUpdates" in log or "Application started" in log
    assert EXAMPLE_TOKEN.split(":")[1] not in log
