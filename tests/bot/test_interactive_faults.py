"""Answers under faults: 429 storms, channel posts, forged buttons, polling trouble.

In process, the real Application polls the local Bot API server; the polling test runs the
real `python -m bot` and reads its log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.commands.general import EXPIRED, FLOODED, INLINE_BUTTON, SORRY, help_text
from bot.config import Settings
from bot.localapi.faults import Fault
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.network import PollingHealth
from bot.telegram_html import visible_text
from briefings.engine import Engine
from tests.bot.support import running

PROJECT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT / "seeds"
USER = 1301
CHANNEL = -1001300000001
BOT_USERNAME = "newsbot_local_bot"


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(scope="module")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(tmp_path_factory.mktemp("db") / "news.db")
    engine.ingest([SEEDS])
    yield engine
    engine.close()


def settings_for(api: LocalBotApi, db: Path) -> Settings:
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=api.base_url,
        file_url=api.base_file_url,
        db_path=db,
        corpus=(),
    )


@pytest.fixture
async def bot_app(
    local_api: LocalBotApi, seeded_engine: Engine, tmp_path: Path
) -> AsyncIterator[Application]:
    application = build_application(settings_for(local_api, tmp_path / "bot.db"), seeded_engine)
    async with running(application):
        yield application


async def ask(api: LocalBotApi, chat_id: int, text: str) -> dict[str, Any]:
    before = len(api.messages(chat_id))
    api.send_user_message(chat_id, text)
    return (await api.await_messages(chat_id, before + 1, timeout=20))[before]


# -- item 7: 429s on an interactive answer ---------------------------------------------------------
async def test_four_429s_in_a_row_still_answer(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    local_api.fail_next("sendMessage", count=4, status=429, retry_after=1)
    answer = await ask(local_api, USER, "/help")
    assert answer["visible_text"] == visible_text(help_text())
    calls = await local_api.await_calls("sendMessage", 5)
    assert [c["status"] for c in calls] == [429, 429, 429, 429, 200]


async def test_a_flood_beyond_the_budget_is_told_once_it_is_through(
    local_api: LocalBotApi, seeded_engine: Engine, tmp_path: Path
) -> None:
    settings = settings_for(local_api, tmp_path / "bot.db")
    application = build_application(settings, seeded_engine, flood_budget=1.5)
    local_api.inject("sendMessage", Fault.flood(1), chat_id=USER, count=3)
    async with running(application):
        local_api.send_user_message(USER, "/help")
        [told] = await local_api.await_messages(USER, 1, timeout=20)
        await asyncio.sleep(0.3)  # nothing else follows
    assert told["text"] == FLOODED
    assert [m["text"] for m in local_api.messages(USER)] == [FLOODED]
    statuses = [c["status"] for c in await local_api.await_calls("sendMessage", 4)]
    # /help: waited 1.1 s, then a second wait would pass the 1.5 s budget: given up. The
    # notice, after the last retry_after: waited 1.1 s once, then through.
    assert statuses == [429, 429, 429, 200]


# -- item 8: channels ------------------------------------------------------------------------------
async def test_channel_posts_get_no_answer(
    local_api: LocalBotApi, bot_app: Application, caplog: pytest.LogCaptureFixture
) -> None:
    local_api.add_channel(CHANNEL, "A channel")
    for text in (f"/brief@{BOT_USERNAME}", "/brief", "/nonsense", "hello"):
        local_api.send_channel_post(CHANNEL, text)
    await ask(local_api, USER, "/help")  # updates are handled in order: the posts came first
    assert local_api.messages(CHANNEL) == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- item 9: buttons -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("nonsense", EXPIRED),  # forged
        ("brief:t:", EXPIRED),  # a topic button without a topic
        ("digest:brief:", EXPIRED),
        ("digest:who:12x", EXPIRED),
        ("digest:nothing:1", EXPIRED),
    ],
)
async def test_bad_button_data_is_answered_as_expired(
    local_api: LocalBotApi, bot_app: Application, data: str, answer: str
) -> None:
    topics = await ask(local_api, USER, "/topics")
    update = local_api.press_forged_button(
        data, chat_id=USER, message_id=topics["message_id"], user_id=USER
    )
    query_id = update["callback_query"]["id"]
    await local_api.wait_until(lambda: local_api.callback_answer(query_id), 10)
    assert local_api.callback_answer(query_id) == {
        "text": answer,
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }
    assert len(local_api.messages(USER)) == 1  # nothing sent besides the /topics answer


@pytest.mark.parametrize("data", ["brief:t:Diplomacy", "digest:brief:1"])
async def test_a_button_under_an_inline_message_says_where_to_ask(
    local_api: LocalBotApi, bot_app: Application, data: str
) -> None:
    update = local_api.press_forged_button(data, inline_message_id="AAE-inline-1")
    query_id = update["callback_query"]["id"]
    await local_api.wait_until(lambda: local_api.callback_answer(query_id), 10)
    answer = local_api.callback_answer(query_id)
    assert answer is not None and (answer["text"], answer["show_alert"]) == (INLINE_BUTTON, True)


async def test_a_real_topic_button_still_briefs(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    topics = await ask(local_api, USER, "/topics")
    first = topics["reply_markup"]["inline_keyboard"][0][0]
    local_api.press_button(USER, topics["message_id"], first["callback_data"])
    [briefing] = (await local_api.await_messages(USER, 2, timeout=20))[1:]
    assert briefing["visible_text"] != SORRY and len(briefing["visible_text"]) > 100


# -- item 10: noise and dates ------------------------------------------------------------------------
async def test_settings_writes_the_date_as_subscribe_does(
    local_api: LocalBotApi, bot_app: Application
) -> None:
    subscribed = (await ask(local_api, USER, "/subscribe 07:30 Europe/Moscow"))["visible_text"]
    settings = (await ask(local_api, USER, "/settings"))["visible_text"]
    when = re.compile(r"\((\w{3} \d\d \w{3}) 07:30\)")
    day = when.search(subscribed)
    assert day is not None and re.fullmatch(r"[A-Z][a-z]{2} \d\d [A-Z][a-z]{2}", day[1])
    found = when.search(settings)
    assert found is not None and found[1] == day[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_polling_trouble_is_one_warning_then_one_error_if_it_lasts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    health = PollingHealth(error_after=dt.timedelta(seconds=60), clock=clock)
    caplog.set_level(logging.DEBUG, logger="bot.network")
    for _ in range(12):  # a poll every 6 s for 72 s
        health.failed(ConnectionError("httpx.ConnectError: All connection attempts failed"))
        clock.now += 6
    health.succeeded()
    health.succeeded()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == [
        (
            "WARNING",
            "Telegram is unreachable (httpx.ConnectError: All connection attempts failed); "
            "polling again shortly",
        ),
        (
            "ERROR",
            "Telegram has been unreachable for 60 s (11 failed polls; last: httpx.ConnectError: "
            "All connection attempts failed)",
        ),
        ("INFO", "Telegram is reachable again after 72 s (12 failed polls)"),
    ]


def test_a_passing_get_updates_failure_is_one_warning_line(
    local_api: LocalBotApi, tmp_path: Path
) -> None:
    """The real process: a 502 and a dropped connection on getUpdates, then recovery."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NEWSBOT_", "WEBHOOK_")) and key != "PORT"
    }
    environ.update(
        TELEGRAM_BOT_TOKEN=EXAMPLE_TOKEN,
        TELEGRAM_API_URL=local_api.base_url,
        NEWSBOT_DB=str(tmp_path / "news.db"),
        NEWSBOT_CORPUS=str(corpus),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
    )
    local_api.inject("getUpdates", Fault.server_error(502), count=1)
    local_api.inject("getUpdates", Fault.drop(), count=1)
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path, env=environ, stdout=log, stderr=log
        )
        try:
            local_api.send_user_message(USER, "/start")  # waiting for the first good poll
            local_api.wait_for_messages(USER, 1, timeout=40)
            deadline = time.monotonic() + 10
            while "reachable again" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    lines = log_path.read_text().splitlines()
    trouble = [line for line in lines if " WARNING " in line or " ERROR " in line]
    assert len(trouble) == 1 and "WARNING bot.network: Telegram is unreachable" in trouble[0]
    assert [line for line in lines if "reachable again" in line] == [
        next(line for line in lines if "INFO bot.network: Telegram is reachable again" in line)
    ]
    assert "Traceback" not in log_path.read_text()
