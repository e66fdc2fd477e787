"""The start-up ingest: the bot answers while it reads the corpus, and logs how far it got."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import build_application
from bot.commands.general import help_text, topic_callback
from bot.config import Settings
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.startup import LOG_EVERY_SECONDS, StartupIngest
from briefings.engine import Engine
from briefings.models import IngestProgress, IngestReport
from tests.bot.support import running
from tests.conftest import SEEDS

USER = 1001


class PausingEngine(Engine):
    """The real engine, whose ingest stops after its first file until the test lets it go on."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.paused = threading.Event()
        self.resume = threading.Event()

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestReport:
        def hold(step: IngestProgress) -> None:
            if progress is not None:
                progress(step)
            if step.files_done == 1 and step.stage == "reading":
                self.paused.set()
                self.resume.wait(30)

        return super().ingest(paths, progress=hold)


def seeds_settings(local_api: LocalBotApi, tmp_path: Path, **more: Any) -> Settings:
    """A bot on the local server whose corpus is the seeds."""
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=local_api.base_url,
        file_url=local_api.base_file_url,
        db_path=tmp_path / "news.db",
        corpus=(SEEDS,),
        **more,
    )


async def ask(api: LocalBotApi, text: str) -> str:
    before = len(api.messages(USER))
    api.send_user_message(USER, text)
    return (await api.await_messages(USER, before + 1, timeout=15))[before]["text"]


async def test_commands_are_answered_while_the_corpus_is_read(
    local_api: LocalBotApi, tmp_path: Path
) -> None:
    settings = seeds_settings(local_api, tmp_path)
    engine = PausingEngine(settings.db_path)
    try:
        async with running(build_application(settings, engine=engine)) as application:
            assert await asyncio.to_thread(engine.paused.wait, 15)
            files = len(list(SEEDS.glob("*.txt")))
            assert await ask(local_api, "/brief") == (
                f"I'm still reading the corpus, 1 of {files} files. Please ask again in a minute."
            )
            assert (await ask(local_api, "/who")).startswith("I'm still reading the corpus, 1 of")
            assert await ask(local_api, "/help") == help_text()  # needs no corpus
            # A button (say, a topic's under an earlier /topics) gets the same, as a notice.
            button = InlineKeyboardButton("a topic", callback_data=topic_callback("a topic"))
            listing = await application.bot.send_message(
                USER, "Topics", reply_markup=InlineKeyboardMarkup([[button]])
            )
            press = local_api.press_button(USER, listing.message_id, topic_callback("a topic"))
            query_id = press["callback_query"]["id"]
            answer = await asyncio.to_thread(
                local_api.wait_until_blocking, lambda: local_api.callback_answer(query_id), 15
            )
            assert answer is not None and answer["text"].startswith("I'm still reading the corpus")
            assert local_api.calls("setMyCommands") == []  # the menu comes once it is read

            engine.resume.set()
            await asyncio.to_thread(local_api.wait_for_calls, "setMyCommands", 1, 30)
            assert "Netanyahu" in await ask(local_api, "/brief")
    finally:
        engine.resume.set()
        engine.close()


async def test_a_restart_answers_from_the_database_while_the_corpus_is_read_again(
    local_api: LocalBotApi, tmp_path: Path
) -> None:
    settings = seeds_settings(local_api, tmp_path)
    with Engine(settings.db_path) as first_run:
        first_run.ingest([SEEDS])
    # The reading engine answers; the ingest runs on its own engine, paused after one file.
    answers = Engine(settings.db_path)
    writer = PausingEngine(settings.db_path)
    try:
        application = build_application(settings, engine=answers, writer=writer)
        async with running(application):
            assert await asyncio.to_thread(writer.paused.wait, 15)
            assert "Netanyahu" in await ask(local_api, "/brief")
            assert "Netanyahu" in await ask(local_api, "/who Netanyahu")
            assert local_api.calls("setMyCommands") == []  # the read is still paused
            writer.resume.set()
            await asyncio.to_thread(local_api.wait_for_calls, "setMyCommands", 1, 30)
    finally:
        writer.resume.set()
        writer.close()
        answers.close()


async def test_an_admins_reingest_does_not_hold_up_others_answers(
    local_api: LocalBotApi, tmp_path: Path
) -> None:
    admin = 7
    settings = seeds_settings(local_api, tmp_path, admins=frozenset({admin}))
    with Engine(settings.db_path) as first_run:
        first_run.ingest([SEEDS])
    answers = Engine(settings.db_path)
    writer = PausingEngine(settings.db_path)
    writer.resume.set()  # the start-up read goes through
    try:
        async with running(build_application(settings, engine=answers, writer=writer)):
            await asyncio.to_thread(local_api.wait_for_calls, "setMyCommands", 1, 30)
            writer.paused.clear()
            writer.resume.clear()
            local_api.send_user_message(admin, "/reingest")
            assert await asyncio.to_thread(writer.paused.wait, 15)
            assert "Netanyahu" in await ask(local_api, "/brief")  # while /reingest is paused
            assert not any("Re-read" in m["text"] for m in local_api.messages(admin))
            writer.resume.set()
            [done] = await local_api.await_messages(admin, 1, timeout=30)
            assert done["text"].startswith("<b>Re-read 1 folder</b>")
    finally:
        writer.resume.set()
        writer.close()
        answers.close()


def test_progress_is_logged_every_few_seconds(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    state = StartupIngest((SEEDS,), clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="bot.startup")
    for done in range(1, 13):  # one file a second, 10 articles each, one rejected at the 7th
        now[0] = 100.0 + done
        state.on_progress(IngestProgress(done, 12, 10 * done, int(done >= 7)))
    lines = [record.getMessage() for record in caplog.records]
    assert LOG_EVERY_SECONDS == 5.0
    assert lines == [
        "reading the corpus: 5 of 12 files, 10.0 articles/s, 0 rejected",
        "reading the corpus: 10 of 12 files, 10.0 articles/s, 1 rejected",
    ]
    assert state.still_reading() == (
        "I'm still reading the corpus, 12 of 12 files. Please ask again in a minute."
    )
    state.on_progress(IngestProgress(12, 12, 120, 1, "grouping"))
    assert "all 12 files read, grouping them into events" in state.still_reading()
