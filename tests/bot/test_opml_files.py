"""OPML as files, end to end: /feeds export sends a document (sendDocument), and an admin's
uploaded .opml is downloaded (getFile and the file URL) and imported, through the real
application, python-telegram-bot and the local Bot API server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import Application

from bot.app import build_application
from bot.commands.feeds import EXPORT_NAME, MAX_OPML_BYTES, OPML_MIME_TYPE, from_opml, to_opml
from bot.localapi.server import LocalBotApi
from bot.runtime import FEEDS_KEY
from bot.telegram_html import validate_telegram_html, visible_length
from briefings.engine import Engine
from tests.bot.support import running
from tests.bot.test_feeds import FeedServer
from tests.bot.test_handlers import ADMIN, SEEDS, USER, ask, settings_for

AS_THEY_WERE = "Your feeds are as they were; send a corrected file with /feeds import."


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
async def app(
    local_api: LocalBotApi, seeded_engine: Engine, tmp_path: Path
) -> AsyncIterator[Application]:
    # The test's feed server is on 127.0.0.1: allowed here as an operator would allow it.
    settings = dataclasses.replace(settings_for(local_api, tmp_path), feeds_allow_private=True)
    async with running(build_application(settings, engine=seeded_engine)) as application:
        yield application


@pytest.fixture(scope="module")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(tmp_path_factory.mktemp("db") / "news.db")
    engine.ingest([SEEDS])
    yield engine
    engine.close()


async def upload(
    api: LocalBotApi,
    chat_id: int,
    content: bytes,
    *,
    caption: str | None = "/feeds import",
    name: str = "feeds.opml",
    count: int = 1,
    **user: Any,
) -> list[dict[str, Any]]:
    """Send a file as a user (a Telegram Document) and return the bot's next `count` messages."""
    before = len(api.messages(chat_id))
    api.send_user_document(chat_id, name, content, caption=caption, **user)
    found = await api.await_messages(chat_id, before + count, timeout=15)
    for message in found[before:]:
        validate_telegram_html(message["text"])
        assert visible_length(message["text"]) <= 4096
    return found[before:]


def managed(app: Application) -> list[tuple[str, str | None]]:
    return app.bot_data[FEEDS_KEY].entries()


async def download(bot: Bot, file_id: str) -> bytes:
    """A file's bytes as any Bot API client fetches them: getFile, then the file URL."""
    file = await bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def test_export_is_an_opml_document_that_imports_again(
    local_api: LocalBotApi, local_bot: Bot, app: Application, feed_server: FeedServer
) -> None:
    first, second = feed_server.url, feed_server.url + "?edition=evening"
    for url in (first, second):
        [added] = await ask(local_api, ADMIN, f"/feeds add {url}")
        assert added["visible_text"].startswith(f"✓ {url}: ")

    [exported] = await ask(local_api, ADMIN, "/feeds export")
    document = exported["document"]
    assert (document["file_name"], document["mime_type"]) == (EXPORT_NAME, OPML_MIME_TYPE)
    assert exported["visible_text"].startswith("2 feeds, as OPML")
    content = await download(local_bot, document["file_id"])
    assert len(content) == document["file_size"]
    assert from_opml(content) == [(first, None), (second, None)]

    # Both removed; the admin answers the exported file with /feeds import: both come back.
    for _ in range(2):
        await ask(local_api, ADMIN, "/feeds remove 1")
    assert managed(app) == []
    fetched_before = len(local_api.calls("getFile"))
    [imported] = await ask(
        local_api, ADMIN, "/feeds import", reply_to_message_id=exported["message_id"]
    )
    assert imported["visible_text"].splitlines() == [
        f"✓ {first}: 0 new articles",
        f"✓ {second}: 0 new articles",
    ]
    assert [url for url, _title in managed(app)] == [first, second]
    # The bot fetched the file through getFile, as it would from Telegram.
    fetched = local_api.calls("getFile")[fetched_before:]
    assert [call["params"]["file_id"] for call in fetched] == [document["file_id"]]


async def test_an_uploaded_opml_is_imported_captioned_or_awaited(
    local_api: LocalBotApi, app: Application, feed_server: FeedServer
) -> None:
    opml = to_opml([(feed_server.url, "Harbour news")]).encode("utf-8")
    # Captioned with the command: imported at once, the title kept.
    [imported] = await upload(local_api, ADMIN, opml)
    assert imported["visible_text"].startswith(f"✓ {feed_server.url}: ")
    assert managed(app) == [(feed_server.url, "Harbour news")]
    await ask(local_api, ADMIN, "/feeds remove 1")

    # The bare command, then the file on its own (a UTF-8 byte order mark is fine).
    [prompt] = await ask(local_api, ADMIN, "/feeds import")
    limit = MAX_OPML_BYTES // 1000
    assert prompt["visible_text"].startswith(
        f"Send me the OPML file now, as a document (at most {limit} kB)"
    )
    [imported] = await upload(local_api, ADMIN, b"\xef\xbb\xbf" + opml, caption=None)
    assert imported["visible_text"].startswith(f"✓ {feed_server.url}: ")
    assert managed(app) == [(feed_server.url, "Harbour news")]

    # Once imported, the wait is over: the next file is none of the bot's business.
    before = len(local_api.messages(ADMIN))
    local_api.send_user_document(ADMIN, "photo-notes.txt", b"not for the bot")
    await asyncio.sleep(1)
    assert len(local_api.messages(ADMIN)) == before


async def test_a_bad_opml_upload_is_refused_with_its_reason_and_loses_nothing(
    local_api: LocalBotApi, app: Application, feed_server: FeedServer
) -> None:
    await ask(local_api, ADMIN, f"/feeds add {feed_server.url}")
    [listing_before] = await ask(local_api, ADMIN, "/feeds")
    kept = managed(app)
    assert kept == [(feed_server.url, None)]

    bad_files = {
        b"<opml><body>": "Nothing imported: not OPML (no element found: line 1, column 12). ",
        b"<rss><channel/></rss>": "Nothing imported: not OPML (no <opml> root). ",
        b'<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml>&a;</opml>': (
            "Nothing imported: OPML with entity declarations is not accepted. "
        ),
        b"<opml>caf\xe9</opml>": "Nothing imported: the file is not UTF-8 text. ",  # Latin-1
    }
    for content, reason in bad_files.items():
        [refused] = await upload(local_api, ADMIN, content)
        assert refused["visible_text"] == reason + AS_THEY_WERE

    # Too big: refused from the size Telegram reports, without downloading it.
    downloads = len(local_api.calls("getFile"))
    huge = b"<opml><body>" + b" " * MAX_OPML_BYTES + b"</body></opml>"
    [refused] = await upload(local_api, ADMIN, huge)
    size_kb = -(-len(huge) // 1000)
    assert refused["visible_text"] == (
        f"Nothing imported: the file is {size_kb} kB; an OPML file may be at most "
        f"{MAX_OPML_BYTES // 1000} kB. " + AS_THEY_WERE
    )
    assert len(local_api.calls("getFile")) == downloads

    # Someone who is not an admin: told so, and nothing is imported.
    other = to_opml([(feed_server.url + "?other", None)]).encode("utf-8")
    [not_admin] = await upload(local_api, USER, other)
    assert not_admin["visible_text"] == "Sorry, this command is for admins."

    # After a bad file the bot still waits for a good one.
    await ask(local_api, ADMIN, "/feeds import")
    await upload(local_api, ADMIN, b"<opml><body>", caption=None)
    [imported] = await upload(local_api, ADMIN, other, caption=None)
    assert imported["visible_text"].startswith(f"✓ {feed_server.url}?other: ")

    assert managed(app) == [*kept, (feed_server.url + "?other", None)]
    [listing_after] = await ask(local_api, ADMIN, "/feeds")
    assert f"1. {feed_server.url}\n" in listing_before["visible_text"]
    assert f"1. {feed_server.url}\n2. {feed_server.url}?other\n" in listing_after["visible_text"]


async def test_a_russian_admin_is_refused_in_russian(
    local_api: LocalBotApi, app: Application
) -> None:
    [refused] = await upload(local_api, ADMIN, b"<opml><body>", language_code="ru")
    assert refused["visible_text"].startswith("Ничего не загружено: это не OPML")
    assert managed(app) == []
